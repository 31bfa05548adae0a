import { loadBffConfig } from '@edge/bff-runtime';
import { DEFAULT_PORTS } from '@edge/common';

/** The shared BFF settings on bff-mobile's default port. */
export const loadBffMobileConfig = (source = process.env) =>
  loadBffConfig(DEFAULT_PORTS['bff-mobile'], source);
