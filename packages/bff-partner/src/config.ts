import { loadBffConfig } from '@edge/bff-runtime';

/** Default port of bff-partner (DESIGN.md section 1). */
export const DEFAULT_PORT = 4003;

export const loadConfig = () => loadBffConfig(DEFAULT_PORT);
