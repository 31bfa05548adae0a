import {
  AGE_ALERT_RESOLVE_SHARE,
  type AlertChannel,
  type AlertMemories,
  type AlertState,
  Gauge,
  type Logger,
  type Periodic,
  type Registry,
  startPeriodic,
  ThresholdAlert,
} from '@edge/common';
import type { EventLog, GroupStats } from './event-log.js';

export const DEFAULT_MONITOR_OPTIONS = Object.freeze({
  intervalMs: 1_000,
  /** A consumer whose last heartbeat is older than this is dead; default 10 s (5 missed beats). */
  deadAfterMs: 10_000,
  /** Oldest unprocessed event age that alerts; default 2 min. */
  maxAgeMs: 120_000,
  /** Dead letters that alert; default 1 (any). */
  dlqThreshold: 1,
  repeatMs: 60_000,
});

export interface GroupMonitorOptions {
  log: EventLog;
  /** Every group that must be consuming, whether or not this process runs it. */
  groups: readonly string[];
  registry: Registry;
  logger: Logger;
  alerts: AlertChannel;
  /** This process, as the holder of the monitor lease. */
  owner: string;
  /**
   * Where the alerts remember what they sent (Redis), so the next holder of the monitor lease
   * resolves a page the last one fired instead of leaving it open; absent: this process's own.
   */
  memories?: AlertMemories;
  service: string;
  intervalMs?: number;
  deadAfterMs?: number;
  maxAgeMs?: number;
  dlqThreshold?: number;
  repeatMs?: number;
}

export type ConsumerAlertKind = 'no_live_consumer' | 'oldest_event_age' | 'dead_letters';

export interface ConsumerAlert {
  alert: `events_consumer_${ConsumerAlertKind}`;
  state: AlertState;
  group: string;
  lag: number;
  oldestUnprocessedAgeSeconds: number;
  dlqDepth: number;
  liveConsumers: number;
  at: string;
  service: string;
}

/**
 * Measures every group (not only this process's own), exports the series and raises the alerts.
 * It runs in every consumer process, so a group whose every instance died is still watched by
 * the others; alerts go out from the one process holding the monitor lease, so one outage
 * sends one alert. Prometheus rules over the same series page independently of this.
 */
export class GroupMonitor {
  private readonly lag: Gauge<'group'>;
  private readonly age: Gauge<'group'>;
  private readonly dlq: Gauge<'group'>;
  private readonly live: Gauge<'group'>;
  private readonly heartbeat: Gauge<'group' | 'consumer'>;
  private readonly alerts = new Map<string, ThresholdAlert>();
  private readonly startedAt = Date.now();
  private readonly o: Required<
    Omit<
      GroupMonitorOptions,
      'log' | 'groups' | 'registry' | 'logger' | 'alerts' | 'owner' | 'service' | 'memories'
    >
  >;
  private periodic: Periodic | undefined;

  constructor(private readonly options: GroupMonitorOptions) {
    const d = DEFAULT_MONITOR_OPTIONS;
    this.o = {
      intervalMs: options.intervalMs ?? d.intervalMs,
      deadAfterMs: options.deadAfterMs ?? d.deadAfterMs,
      maxAgeMs: options.maxAgeMs ?? d.maxAgeMs,
      dlqThreshold: options.dlqThreshold ?? d.dlqThreshold,
      repeatMs: options.repeatMs ?? d.repeatMs,
    };
    const registers = [options.registry];
    const labelNames = ['group'] as const;
    this.lag = new Gauge({
      name: 'events_consumer_lag',
      help: 'Order events not yet delivered to the group plus delivered but not acknowledged',
      labelNames,
      registers,
    });
    this.age = new Gauge({
      name: 'events_oldest_unprocessed_age_seconds',
      help: 'Age of the oldest order event the group has not finished (0 when none)',
      labelNames,
      registers,
    });
    this.dlq = new Gauge({
      name: 'events_consumer_dlq_depth',
      help: "Events in the group's dead-letter stream",
      labelNames,
      registers,
    });
    this.live = new Gauge({
      name: 'events_consumers_live',
      help: 'Consumers of the group whose heartbeat is within the liveness window',
      labelNames,
      registers,
    });
    this.heartbeat = new Gauge({
      name: 'events_consumer_heartbeat_age_seconds',
      help: 'Age of the last heartbeat of each consumer of each group',
      labelNames: ['group', 'consumer'] as const,
      registers,
    });
  }

  start(): void {
    this.periodic = startPeriodic(
      this.o.intervalMs,
      () => this.evaluate(),
      (err) => this.options.logger.warn({ err }, 'consumer group check failed'),
    );
  }

  async stop(): Promise<void> {
    await this.periodic?.stop();
  }

  async evaluate(): Promise<void> {
    const { log, groups, owner } = this.options;
    const measured: [string, GroupStats][] = [];
    for (const group of groups) {
      // Created here too, from the log's start: a group nobody ran yet must not let trimming
      // drop the events it will need, and its backlog shows from day one.
      await log.ensureGroup(group);
      measured.push([group, await log.stats(group)]);
    }
    this.heartbeat.reset();
    for (const [group, stats] of measured) this.export(group, stats);
    if (!(await log.holdLease('monitor', owner, this.o.intervalMs * 3))) return;
    for (const [group, stats] of measured) await this.alert(group, stats);
  }

  private liveCount(stats: GroupStats): number {
    return stats.consumers.filter((c) => c.heartbeatAgeMs <= this.o.deadAfterMs).length;
  }

  private export(group: string, stats: GroupStats): void {
    this.lag.set({ group }, stats.lag);
    this.age.set({ group }, stats.oldestUnprocessedAgeMs / 1000);
    this.dlq.set({ group }, stats.dlqDepth);
    this.live.set({ group }, this.liveCount(stats));
    for (const c of stats.consumers) {
      if (c.heartbeatAgeMs <= this.o.deadAfterMs * 30) {
        this.heartbeat.set({ group, consumer: c.consumer }, c.heartbeatAgeMs / 1000);
      }
    }
  }

  private async alert(group: string, stats: GroupStats): Promise<void> {
    const now = Date.now();
    const live = this.liveCount(stats);
    // Right after start nobody has had the chance to beat yet: no verdict before one window.
    const settled = now - this.startedAt > this.o.deadAfterMs;
    const age = stats.oldestUnprocessedAgeMs;
    // [kind, crossed, cleared]: the age alert resolves below a lower bar (hysteresis).
    const checks: [ConsumerAlertKind, boolean, boolean][] = [
      ['no_live_consumer', settled && live === 0, !(settled && live === 0)],
      ['oldest_event_age', age > this.o.maxAgeMs, age < this.o.maxAgeMs * AGE_ALERT_RESOLVE_SHARE],
      ['dead_letters', stats.dlqDepth >= this.o.dlqThreshold, stats.dlqDepth < this.o.dlqThreshold],
    ];
    for (const [kind, crossed, cleared] of checks) {
      await this.alertFor(group, kind).update(
        crossed,
        now,
        (state): ConsumerAlert => ({
          alert: `events_consumer_${kind}`,
          state,
          group,
          lag: stats.lag,
          oldestUnprocessedAgeSeconds: stats.oldestUnprocessedAgeMs / 1000,
          dlqDepth: stats.dlqDepth,
          liveConsumers: live,
          at: new Date(now).toISOString(),
          service: this.options.service,
        }),
        cleared,
      );
    }
  }

  private alertFor(group: string, kind: ConsumerAlertKind): ThresholdAlert {
    const key = `${group}:${kind}`;
    let alert = this.alerts.get(key);
    if (!alert) {
      const memory = this.options.memories?.(key);
      alert = new ThresholdAlert({
        name: `events consumer ${kind} alert`,
        channel: this.options.alerts,
        log: this.options.logger,
        repeatMs: this.o.repeatMs,
        ...(memory ? { memory } : {}),
      });
      this.alerts.set(key, alert);
    }
    return alert;
  }
}
