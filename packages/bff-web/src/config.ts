import { loadBffConfig } from '@edge/bff-runtime';

/** Default port of bff-web (DESIGN.md section 1). */
export const DEFAULT_PORT = 4001;

export const loadConfig = () => loadBffConfig(DEFAULT_PORT);
