import { createLogger, onShutdown, runMain } from '@edge/common';
import { type BffOptions, type BffSchema, startBff } from './bff-server.js';
import type { BffConfig } from './config.js';

export interface RunBffOptions<Config extends BffConfig>
  extends Omit<BffOptions, 'config' | 'schemas'> {
  /** Reads the process's config once at start (`load<Name>Config`). */
  config: () => Config;
  /** The schemas served, which may depend on the config. */
  schemas: (config: Config) => BffSchema[];
}

/** The whole entry of a BFF process: start it, close it on shutdown; a failed start exits. */
export function runBff<Config extends BffConfig>(options: RunBffOptions<Config>): void {
  runMain(createLogger({ service: options.name }), async () => {
    const config = options.config();
    const bff = await startBff({ ...options, config, schemas: options.schemas(config) });
    onShutdown(bff.log, bff.close);
  });
}
