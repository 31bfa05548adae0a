import { loadBffConfig } from '@edge/bff-runtime';
import { DEFAULT_PORTS } from '@edge/common';

/** The shared BFF settings on bff-partner's default port. */
export const loadBffPartnerConfig = (source = process.env) =>
  loadBffConfig(DEFAULT_PORTS['bff-partner'], source);
