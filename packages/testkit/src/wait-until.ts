/** How long `waitUntil` polls unless told: generous, because a loaded box is slow, not wrong. */
export const DEFAULT_WAIT_MS = 15_000;

/**
 * Poll `check` until it returns a value (anything but `undefined` or `false`), then return it;
 * fail naming `what` (and `describe()`'s account of the last state) after `timeoutMs`. Tests wait
 * on states this way, never on fixed sleeps; the timeout only turns a hang into a message.
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = DEFAULT_WAIT_MS,
  intervalMs = 50,
  describe?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${describe ? `: ${await describe()}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
