import { loadBffConfig } from '@edge/bff-runtime';
import { DEFAULT_PORTS } from '@edge/common';

export const loadConfig = () => loadBffConfig(DEFAULT_PORTS['bff-partner']);
