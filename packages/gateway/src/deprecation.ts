/** A partner API version on its way out. */
export interface Deprecation {
  deprecatedAt: Date;
  /** When the version stops answering; optional. */
  sunsetAt: Date | undefined;
}

/**
 * `Deprecation: @<unix seconds>` (RFC 9745) and `Sunset: <HTTP-date>` (RFC 8594), so partners'
 * tooling sees the end of a version coming on every call, successful or not.
 */
export function deprecationHeaders(deprecation: Deprecation | undefined): Record<string, string> {
  if (!deprecation) return {};
  const headers: Record<string, string> = {
    deprecation: `@${Math.floor(deprecation.deprecatedAt.getTime() / 1000)}`,
  };
  if (deprecation.sunsetAt) headers['sunset'] = deprecation.sunsetAt.toUTCString();
  return headers;
}
