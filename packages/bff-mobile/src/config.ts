import { loadBffConfig } from '@edge/bff-runtime';

/** Default port of bff-mobile (DESIGN.md section 1). */
export const DEFAULT_PORT = 4002;

export const loadConfig = () => loadBffConfig(DEFAULT_PORT);
