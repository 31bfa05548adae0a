import type { AlertMemory, AlertMemoryStore } from './alert-memory.js';
import type { AlertChannel } from './alerts.js';
import type { Logger } from './logger.js';

export type AlertState = 'firing' | 'resolved';

/**
 * An age alert fires at its threshold and resolves below this share of it: the hysteresis that
 * keeps a draining backlog from paging, resolving and paging again.
 */
export const AGE_ALERT_RESOLVE_SHARE = 0.8;

export interface ThresholdAlertOptions {
  /** Log message of the alert, e.g. `saga DLQ alert`; `resolved` is appended when it clears. */
  name: string;
  channel: AlertChannel;
  log: Logger;
  /** While the threshold stays crossed, fire again this often. */
  repeatMs: number;
  /**
   * Called after every delivery attempt with whether the channel took it, e.g. to count alerts
   * in a metric: a pager path that keeps failing must itself be visible.
   */
  onSend?: (state: AlertState, delivered: boolean) => void;
  /**
   * Where whether the alert is firing is kept when several processes take turns delivering it
   * (the leader of the moment): read before every decision, written after every delivery, so
   * the process that takes over resolves a page another one fired and does not fire it anew.
   * Without it the state is this process's own.
   */
  memory?: AlertMemoryStore;
}

/**
 * The state of one threshold alert: fire when crossed, fire again every `repeatMs` while it
 * stays crossed, resolve once when it clears. A delivery that failed changes no state, so the
 * next evaluation tries again: an alert nobody received was not sent.
 */
export class ThresholdAlert {
  private local: AlertMemory = { firing: false, lastSentAt: 0 };

  constructor(private readonly options: ThresholdAlertOptions) {}

  /**
   * `cleared` (by default: not crossed) is what resolves a firing alert. An alert on the age of
   * the oldest waiting item passes a lower bar there: while a backlog drains, the next oldest is
   * often just under the threshold and crosses it again seconds later (two pages and two
   * resolves in 33 s, an operator review found).
   */
  async update(
    crossed: boolean,
    now: number,
    payload: (state: AlertState) => object,
    cleared = !crossed,
  ) {
    const { name, log, repeatMs, memory } = this.options;
    const { firing, lastSentAt } = memory ? await memory.read() : this.local;
    if (crossed && (!firing || now - lastSentAt >= repeatMs)) {
      const body = payload('firing');
      log.error(unbound(log, body), name);
      if (await this.deliver('firing', body))
        await this.remember({ firing: true, lastSentAt: now });
    } else if (cleared && firing) {
      const body = payload('resolved');
      log.info(unbound(log, body), `${name} resolved`);
      if (await this.deliver('resolved', body))
        await this.remember({ firing: false, lastSentAt: now });
    }
  }

  private async remember(state: AlertMemory): Promise<void> {
    this.local = state;
    await this.options.memory?.write(state);
  }

  private async deliver(state: AlertState, body: object): Promise<boolean> {
    const delivered = await this.options.channel.send(body);
    this.options.onSend?.(state, delivered);
    return delivered;
  }
}

/**
 * The alert's fields less those the logger already puts on every line: a webhook body must name
 * its `service`, but pino writes a key bound to the logger and the same key passed to a call
 * twice, and a JSON line with a duplicate key is read differently by each log tool.
 */
function unbound(log: Logger, body: object): object {
  const bound = log.bindings();
  return Object.fromEntries(Object.entries(body).filter(([key]) => !Object.hasOwn(bound, key)));
}

export interface Periodic {
  /** Stop ticking and wait for a tick in progress. */
  stop(): Promise<void>;
}

/**
 * Run `task` now and then every `intervalMs` after each run ends, so slow runs never overlap;
 * a failed run is reported and the next one still comes.
 */
export function startPeriodic(
  intervalMs: number,
  task: () => Promise<void>,
  onError: (err: unknown) => void,
): Periodic {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    running = task()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, 0);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
