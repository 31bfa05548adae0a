import type { Logger } from './logger.js';

/** How long one webhook POST may take before it counts as failed; default of `timeoutMs`. */
export const DEFAULT_ALERT_TIMEOUT_MS = 2_000;

export interface AlertChannelOptions {
  /** Where each alert is POSTed as JSON; unset = log only. */
  webhookUrl: string | undefined;
  log: Logger;
  /** Webhook request timeout; default DEFAULT_ALERT_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** The one alert channel of every process: the caller logs the alert, this delivers it. */
export interface AlertChannel {
  /**
   * POST `payload` to the webhook. Resolves false when delivery failed, so the caller keeps its
   * state and tries again on its next evaluation: an alert nobody received was not sent.
   */
  send(payload: object): Promise<boolean>;
}

export function createAlertChannel(options: AlertChannelOptions): AlertChannel {
  const timeoutMs = options.timeoutMs ?? DEFAULT_ALERT_TIMEOUT_MS;
  // Said once at start: an alert that reaches no one is the incident this product prevents.
  if (!options.webhookUrl) {
    options.log.warn(
      'alerts go to this log and /metrics only: set ALERT_WEBHOOK_URL to page someone (docs/operations.md, "Paging")',
    );
  }
  return {
    async send(payload) {
      if (!options.webhookUrl) return true;
      try {
        const response = await fetch(options.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(timeoutMs),
        });
        // Drain the body so the keep-alive socket is reusable.
        await response.arrayBuffer();
        if (response.status >= 300) throw new Error(`webhook answered ${response.status}`);
        return true;
      } catch (err) {
        options.log.warn({ err }, 'alert webhook failed; retrying on the next evaluation');
        return false;
      }
    },
  };
}
