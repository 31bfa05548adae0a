import { userInfo } from 'node:os';
import { loadOrCreateSigningKey, mintDevToken } from '@edge/common';
import { type Command, UsageError } from '../command.js';
import { parseOptions } from '../parse-options.js';

const ROLES = ['operator', 'viewer'];

export const tokenCommand: Command = {
  name: 'token',
  summary: 'mint a dev JWT: a user token for a surface, or an operator token with a role',
  usage: [
    'token --surface web|mobile --user <id> [--ttl 3600]',
    'token --role operator|viewer [--subject <who>] [--ttl 3600]',
  ].join('\n       '),
  async run({ args, config, out }) {
    const { values } = parseOptions(args, {
      surface: { type: 'string' },
      user: { type: 'string' },
      role: { type: 'string' },
      subject: { type: 'string' },
      ttl: { type: 'string' },
    });
    const ttl = Number(values.ttl ?? 3600);
    if (!Number.isInteger(ttl) || ttl <= 0)
      throw new UsageError('--ttl must be a positive integer');
    const key = await loadOrCreateSigningKey(config.devIdpKeyFile);
    if (values.role !== undefined) {
      if (!ROLES.includes(values.role)) throw new UsageError('--role must be operator or viewer');
      if (values.surface || values.user)
        throw new UsageError('--role goes without --surface/--user');
      // The subject is what the audit log records for every action taken with this token.
      const subject = values.subject ?? `${userInfo().username}@dev`;
      out(
        await mintDevToken(key, {
          userId: subject,
          issuer: config.issuer,
          audience: config.audience.operator,
          ttlS: ttl,
          roles: [values.role],
        }),
      );
      return;
    }
    if (values.subject !== undefined) throw new UsageError('--subject goes with --role');
    const surface = values.surface;
    if (surface !== 'web' && surface !== 'mobile')
      throw new UsageError('--surface must be web or mobile (or use --role)');
    if (!values.user) throw new UsageError('--user is required');
    const token = await mintDevToken(key, {
      userId: values.user,
      issuer: config.issuer,
      audience: config.audience[surface],
      ttlS: ttl,
    });
    out(token);
  },
};
