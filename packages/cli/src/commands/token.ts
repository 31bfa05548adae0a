import { parseArgs } from 'node:util';
import { loadOrCreateSigningKey, mintDevToken } from '@edge/common';
import { type Command, UsageError } from '../command';

export const tokenCommand: Command = {
  name: 'token',
  summary: 'mint a dev user JWT for a surface',
  usage: 'token --surface web|mobile --user <id> [--ttl 3600]',
  async run({ args, config, out }) {
    const { values } = parseArgs({
      args,
      options: { surface: { type: 'string' }, user: { type: 'string' }, ttl: { type: 'string' } },
    });
    const surface = values.surface;
    if (surface !== 'web' && surface !== 'mobile')
      throw new UsageError('--surface must be web or mobile');
    if (!values.user) throw new UsageError('--user is required');
    const ttl = Number(values.ttl ?? 3600);
    if (!Number.isInteger(ttl) || ttl <= 0)
      throw new UsageError('--ttl must be a positive integer');
    const key = await loadOrCreateSigningKey(config.devIdpKeyFile);
    const token = await mintDevToken(key, {
      userId: values.user,
      issuer: config.issuer,
      audience: config.audience[surface],
      ttlS: ttl,
    });
    out(token);
  },
};
