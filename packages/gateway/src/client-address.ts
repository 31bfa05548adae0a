import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/** The address a request is attributed to (failed sign-ins are throttled per address). */
export type ClientAddress = (req: IncomingMessage) => string;

/**
 * Behind an Ingress or load balancer every request arrives from the proxy's address, so a limit
 * per socket address is one bucket shared by every client, which anyone can fill. With the
 * proxies listed (`TRUSTED_PROXIES`: addresses, CIDRs, or proxy-addr's `loopback`, `linklocal`,
 * `uniquelocal`), the address is the nearest X-Forwarded-For hop that is not one of them, as
 * Express's `trust proxy` reads it; without, X-Forwarded-For is ignored (anyone can send it).
 */
export function clientAddressOf(trustedProxies: readonly string[]): ClientAddress {
  if (trustedProxies.length === 0) return (req) => req.socket.remoteAddress ?? 'unknown';
  const trust = proxyaddr.compile([...trustedProxies]);
  return (req) => proxyaddr(req, trust);
}

/** Why a `TRUSTED_PROXIES` entry cannot be used, or undefined when the list compiles. */
export function invalidTrustedProxies(trustedProxies: readonly string[]): string | undefined {
  try {
    proxyaddr.compile([...trustedProxies]);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
