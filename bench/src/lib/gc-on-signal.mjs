// Preloaded into a benched process (with --expose-gc): SIGUSR2 runs a full collection, so the
// next /metrics scrape reports the heap that is live, not garbage the young generation holds.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.();
});
