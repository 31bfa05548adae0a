import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddressOf } from '../src/client-address';
import { loadGatewayConfig } from '../src/config';

const request = (socket: string, forwarded?: string) =>
  ({
    socket: { remoteAddress: socket },
    connection: { remoteAddress: socket },
    headers: forwarded ? { 'x-forwarded-for': forwarded } : {},
  }) as unknown as IncomingMessage;

describe('client address', () => {
  it('without trusted proxies: the socket address, whatever X-Forwarded-For says', () => {
    expect(clientAddressOf([])(request('10.0.0.5', '198.51.100.1'))).toBe('10.0.0.5');
  });

  it('through trusted proxies: the nearest hop that is not one of them, never a forged one further left', () => {
    const address = clientAddressOf(['10.0.0.0/8']);
    expect(address(request('10.0.0.5', '198.51.100.1'))).toBe('198.51.100.1');
    expect(address(request('10.0.0.5', '203.0.113.9, 198.51.100.1'))).toBe('198.51.100.1');
    expect(address(request('10.0.0.5', '203.0.113.9, 198.51.100.1, 10.2.3.4'))).toBe(
      '198.51.100.1',
    );
    // A client reaching the gateway directly (not through a proxy) is itself.
    expect(address(request('198.51.100.7', '203.0.113.9'))).toBe('198.51.100.7');
  });

  it('an entry proxy-addr cannot read is a configuration error naming it', () => {
    expect(() => loadGatewayConfig({ TRUSTED_PROXIES: '10.0.0.0/8, not-an-address' })).toThrow(
      /TRUSTED_PROXIES.*not-an-address/s,
    );
    expect(
      loadGatewayConfig({ TRUSTED_PROXIES: ' loopback , 10.0.0.0/8 ' }).trustedProxies,
    ).toEqual(['loopback', '10.0.0.0/8']);
  });
});
