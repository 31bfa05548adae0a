import {
  type AlertChannel,
  type AlertMemories,
  type AlertState,
  type Logger,
  type Periodic,
  startPeriodic,
  ThresholdAlert,
} from '@edge/common';
import type { Leadership } from './leader-lease.js';
import type { SagaMetrics } from './saga-metrics.js';
import type { SagaStore } from './saga-store.js';

/** One measured condition: exported by every process, alerted on by the leader only. */
export interface SagaAlertCheck {
  readonly name: string;
  /** Measure and export; when `deliver`, also fire or resolve the alert. */
  evaluate(now: number, deliver: boolean): Promise<void>;
}

/** What every check reads from and delivers to. */
export interface SagaAlertCheckOptions {
  store: SagaStore;
  metrics: SagaMetrics;
  log: Logger;
  channel: AlertChannel;
  /** While the threshold stays crossed, fire again this often. */
  repeatMs: number;
  /**
   * Where the alerts remember what they sent, shared by the orchestrators (Redis): the next
   * leader resolves what the last one fired. Absent with the file store (one process).
   */
  memories?: AlertMemories;
}

/** What every alert of the orchestrator carries besides its own measurements. */
export interface SagaAlertPayload {
  state: AlertState;
  at: string;
  service: 'saga';
}

/**
 * A check's threshold alert named `alert`, delivered through the options' channel, logged as
 * `name` and counted in `saga_alerts_total` with whether the webhook took it.
 */
export function checkAlert(
  options: Pick<SagaAlertCheckOptions, 'channel' | 'log' | 'repeatMs' | 'metrics' | 'memories'>,
  name: string,
  alert: string,
): ThresholdAlert {
  const { channel, log, repeatMs, metrics, memories } = options;
  const memory = memories?.(alert);
  return new ThresholdAlert({
    name,
    channel,
    log,
    repeatMs,
    onSend: (state, delivered) =>
      metrics.alerts.inc({ alert, state, result: delivered ? 'ok' : 'failed' }),
    ...(memory ? { memory } : {}),
  });
}

/**
 * How long the checks may go without reading the saga store before every orchestrator says so:
 * longer than a Redis failover plus a request's reconnect retries (about 10 s each), far shorter
 * than the five minutes after which the compensation alert it stands in for would have fired.
 */
export const DEFAULT_STORE_UNREADABLE_AFTER_MS = 30_000;

export interface StoreUnreadableAlert extends SagaAlertPayload {
  alert: 'saga_store_unreadable';
  /** The orchestrator that cannot read the store (its host name: the pod in Kubernetes). */
  instance: string;
  /** The checks that have not succeeded for `unreadableAfterMs`. */
  checks: string[];
  /** Since the stalest of them last succeeded (or the evaluator started). */
  secondsSinceSuccess: number;
}

export interface SagaAlertEvaluatorOptions
  extends Pick<SagaAlertCheckOptions, 'metrics' | 'channel' | 'repeatMs'> {
  checks: readonly SagaAlertCheck[];
  leadership: Leadership;
  /** How often the checks run. */
  intervalMs: number;
  log: Logger;
  /** This process's name in the store-unreadable alert. */
  instance: string;
  /** Checks failing or hung this long fire `saga_store_unreadable`; DEFAULT_STORE_UNREADABLE_AFTER_MS. */
  unreadableAfterMs?: number;
  now?: () => number;
}

/**
 * Runs every alert check on one timer. Each process exports the measurements (a scrape of any
 * instance is right), but only the leader delivers alerts, so N orchestrators page once, not N
 * times. A check that fails is reported and the others still run.
 *
 * When the store cannot be read, the gauges keep their last healthy values and no leader can be
 * elected (the lease lives in the same store): so each check's last success is exported, and a
 * watchdog on a timer of its own (a check may hang, not fail) lets the process that led when the
 * store last answered deliver `saga_store_unreadable`.
 */
export class SagaAlertEvaluator {
  private periodic: Periodic | undefined;
  private watchdog: Periodic | undefined;
  private readonly now: () => number;
  private readonly unreadableAfterMs: number;
  /** Epoch ms of each check's last success; the start counts as one for the watchdog. */
  private readonly lastSuccess = new Map<string, number>();
  private readonly unreadable: ThresholdAlert;
  /** Whether this process led when a check last read the store: the one that pages without it. */
  private ledAtLastRead = false;

  constructor(private readonly options: SagaAlertEvaluatorOptions) {
    this.now = options.now ?? Date.now;
    this.unreadableAfterMs = options.unreadableAfterMs ?? DEFAULT_STORE_UNREADABLE_AFTER_MS;
    // Its memory stays in this process: the shared one lives in the store it reports unreadable
    // (and a caller may pass the checks' context, memories included).
    const { channel, log, repeatMs, metrics } = options;
    this.unreadable = checkAlert(
      { channel, log, repeatMs, metrics },
      'saga store unreadable',
      'saga_store_unreadable',
    );
    for (const check of options.checks) {
      options.metrics.alertCheckLastSuccess.set({ check: check.name }, 0);
    }
  }

  start(): void {
    const startedAt = this.now();
    for (const check of this.options.checks) this.lastSuccess.set(check.name, startedAt);
    const { intervalMs, log } = this.options;
    this.periodic = startPeriodic(
      intervalMs,
      () => this.evaluate(),
      (err) => log.warn({ err }, 'alert evaluation failed'),
    );
    this.watchdog = startPeriodic(
      intervalMs,
      () => this.watch(),
      (err) => log.warn({ err }, 'alert watchdog failed'),
    );
  }

  async stop(): Promise<void> {
    await this.periodic?.stop();
    await this.watchdog?.stop();
  }

  async evaluate(): Promise<void> {
    const deliver = this.options.leadership.isLeader();
    const now = this.now();
    for (const check of this.options.checks) {
      try {
        await check.evaluate(now, deliver);
        this.lastSuccess.set(check.name, now);
        this.ledAtLastRead = deliver;
        this.options.metrics.alertCheckLastSuccess.set({ check: check.name }, now / 1000);
      } catch (err) {
        this.options.log.warn({ err, check: check.name }, 'alert check failed');
      }
    }
  }

  /** Fire `saga_store_unreadable` while any check has gone `unreadableAfterMs` without success. */
  private async watch(): Promise<void> {
    const now = this.now();
    const stale = this.options.checks
      .map((check) => ({ name: check.name, since: this.lastSuccess.get(check.name) ?? now }))
      .filter(({ since }) => now - since >= this.unreadableAfterMs);
    const oldest = Math.min(now, ...stale.map(({ since }) => since));
    // One page, not one per orchestrator: from the process that led when the store last
    // answered (without the store the others cannot agree on a sender). One that never read
    // it is left to the Prometheus rule on the exported timestamps. A resolve always goes out.
    if (stale.length > 0 && !this.ledAtLastRead) return;
    await this.unreadable.update(
      stale.length > 0,
      now,
      (state): StoreUnreadableAlert => ({
        alert: 'saga_store_unreadable',
        state,
        instance: this.options.instance,
        checks: stale.map(({ name }) => name),
        secondsSinceSuccess: Math.round((now - oldest) / 1000),
        at: new Date(now).toISOString(),
        service: 'saga',
      }),
    );
  }
}
