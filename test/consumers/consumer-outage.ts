import { waitUntil } from '@edge/testkit';
import type { ConsumerWorld } from './consumer-fixture';

/**
 * A provider outage as the order-event consumers meet it in production: the email provider and
 * the warehouse fail for `outageMs` in every way a provider fails, orders keep being confirmed
 * (and some cancelled) the whole time, and, if asked, one of the two instances is lost (kill -9)
 * halfway through and replaced, as a deploy or a node loss during an outage would.
 */
export interface ConsumerOutagePlan {
  outageMs: number;
  /** Orders confirmed, spread evenly over the outage; every tenth is cancelled right after. */
  orders: number;
  /** Retry-After of the 429 phases, in seconds. */
  retryAfterS: number;
  /** Kill -9 one of the two instances halfway through the outage and start a replacement. */
  replaceMidway: boolean;
}

/** What the operator checks afterwards; `failures` empty means every promise held. */
export interface ConsumerOutageReport {
  outageMs: number;
  orders: number;
  cancelled: number;
  emails: number;
  pickLists: number;
  cancelledPickLists: number;
  /** Calls that reached the email provider's send route (proof the outage was met). */
  emailCalls: number;
  deadLetters: Record<string, number>;
  /** The distinct errors the dead letters hold, with how many hold each (what an operator reads). */
  deadLetterErrors: Record<string, number>;
  /** The consumers' own page for an event waiting longer than the default 2 min. */
  oldestEventAlert: { fired: number; resolved: number };
  /** The largest oldest-unprocessed age the groups reported, in seconds. */
  maxOldestAgeS: number;
  /** From the end of the outage until every group had processed everything. */
  caughtUpAfterOutageMs: number;
  failures: string[];
}

const GROUPS = ['fulfilment', 'notification', 'fraud'] as const;
const ALL_GROUPS = GROUPS.join(',');
/** Longer than the consumers' handler timeout (10 s): the email is sent, the answer is too late. */
const LATE_ANSWER_MS = 12_000;
/** How long after the outage every group must have caught up: far above the 30 s backoff cap. */
const CATCH_UP_MS = 180_000;

async function injectFault(url: string, spec: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/__faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });
  if (res.status !== 201) throw new Error(`fault refused: ${res.status} ${await res.text()}`);
}

/**
 * Rules apply in the order added, each until it expires, so each route's phases follow one
 * another: email provider down (connection refused), 503, 429 with Retry-After, then applied
 * but answered after the consumer gave up; the warehouse 503 then 429; the user service (the
 * email's address) down at the start.
 */
async function injectOutage(w: ConsumerWorld, plan: ConsumerOutagePlan): Promise<void> {
  const at = (share: number) => Math.round(plan.outageMs * share);
  const emails = 'POST /emails';
  await injectFault(w.mock.urls.notification, {
    route: emails,
    mode: 'down',
    durationMs: at(0.25),
  });
  await injectFault(w.mock.urls.notification, {
    route: emails,
    mode: 'error',
    status: 503,
    durationMs: at(0.5),
  });
  await injectFault(w.mock.urls.notification, {
    route: emails,
    mode: '429',
    retryAfterS: plan.retryAfterS,
    durationMs: at(0.75),
  });
  await injectFault(w.mock.urls.notification, {
    route: emails,
    mode: 'applied_late',
    latencyMs: LATE_ANSWER_MS,
    durationMs: plan.outageMs,
  });
  for (const route of ['POST /pick-lists', 'POST /pick-lists/:orderId/cancel']) {
    await injectFault(w.mock.urls.inventory, {
      route,
      mode: 'error',
      status: 503,
      durationMs: at(0.5),
    });
    await injectFault(w.mock.urls.inventory, {
      route,
      mode: '429',
      retryAfterS: plan.retryAfterS,
      durationMs: plan.outageMs,
    });
  }
  await injectFault(w.mock.urls.user, {
    route: 'GET /users/:id',
    mode: 'down',
    durationMs: at(0.1),
  });
}

interface PickList {
  orderId: string;
  status: string;
}

async function pickLists(w: ConsumerWorld): Promise<PickList[]> {
  const res = await fetch(`${w.mock.urls.inventory}/__pick-lists`);
  return ((await res.json()) as { items: PickList[] }).items;
}

async function emailCalls(w: ConsumerWorld): Promise<number> {
  const res = await fetch(`${w.mock.urls.notification}/__calls`);
  return ((await res.json()) as Record<string, number>)['POST /emails'] ?? 0;
}

/** Publishes the plan's orders evenly over the outage; resolves when the last is published. */
async function publishOrders(
  w: ConsumerWorld,
  plan: ConsumerOutagePlan,
  startedAt: number,
): Promise<number[]> {
  const cancelled: number[] = [];
  for (let n = 1; n <= plan.orders; n++) {
    const due = startedAt + ((n - 1) * plan.outageMs) / plan.orders;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await w.publishConfirmed(n, `u-${(n % 50) + 1}`);
    if (n % 10 === 0) {
      await w.publishCancelled(n, `u-${(n % 50) + 1}`);
      cancelled.push(n);
    }
  }
  return cancelled;
}

/** Watches the groups' oldest-unprocessed age while the run lasts (the page's own measure). */
function watchOldestAge(w: ConsumerWorld, proc: () => Parameters<ConsumerWorld['metric']>[0]) {
  let max = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const group of GROUPS) {
        const age = await w
          .metric(proc(), 'events_oldest_unprocessed_age_seconds', group)
          .catch(() => undefined);
        if (age !== undefined && age > max) max = age;
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return max;
    },
  };
}

/** Run the outage against a fresh world; resolves once every group caught up (or the wait ends). */
export async function runConsumerOutage(
  w: ConsumerWorld,
  plan: ConsumerOutagePlan,
): Promise<ConsumerOutageReport> {
  const startedAt = Date.now();
  await injectOutage(w, plan);
  const first = await w.startConsumers(ALL_GROUPS);
  let survivor = await w.startConsumers(ALL_GROUPS);
  const watcher = watchOldestAge(w, () => survivor);
  const replaced = (async () => {
    if (!plan.replaceMidway) return;
    await new Promise((resolve) => setTimeout(resolve, plan.outageMs / 2));
    await first.kill();
    survivor = await w.startConsumers(ALL_GROUPS);
  })();
  const cancelled = await publishOrders(w, plan, startedAt);
  await replaced;
  const outageEndsAt = startedAt + plan.outageMs;
  if (Date.now() < outageEndsAt) {
    await new Promise((resolve) => setTimeout(resolve, outageEndsAt - Date.now()));
  }
  // Every group at lag 0 with nothing pending: each event handled, none waiting for a retry.
  // Allowed: the longest backoff (30 s), a dead instance's claim idle time (30 s), slack.
  const caughtUp = await waitUntil(
    'every group caught up after the outage',
    async () => {
      for (const group of GROUPS) {
        if ((await w.metric(survivor, 'events_consumer_lag', group)) !== 0) return undefined;
        if ((await w.metric(survivor, 'events_oldest_unprocessed_age_seconds', group)) !== 0) {
          return undefined;
        }
      }
      return true;
    },
    CATCH_UP_MS,
    500,
  ).catch(() => false);
  const caughtUpAfterOutageMs = Date.now() - outageEndsAt;
  const maxOldestAgeS = await watcher.stop();
  const report = await check(w, plan, survivor, {
    cancelled,
    caughtUpAfterOutageMs,
    maxOldestAgeS,
  });
  if (!caughtUp) report.failures.unshift(`not caught up ${CATCH_UP_MS / 1000} s after the outage`);
  return report;
}

async function check(
  w: ConsumerWorld,
  plan: ConsumerOutagePlan,
  survivor: Parameters<ConsumerWorld['metric']>[0],
  run: { cancelled: number[]; caughtUpAfterOutageMs: number; maxOldestAgeS: number },
): Promise<ConsumerOutageReport> {
  const failures: string[] = [];
  const outbox = (await w.outbox()) as { orderId: string; template?: string }[];
  const lists = await pickLists(w);
  const count = (items: { orderId: string }[], orderId: string) =>
    items.filter((i) => i.orderId === orderId).length;
  const cancelled = new Set(run.cancelled.map((n) => `o-test-${n}`));
  for (let n = 1; n <= plan.orders; n++) {
    const orderId = `o-test-${n}`;
    const confirmations = count(
      outbox.filter((e) => e.template === 'order_confirmed'),
      orderId,
    );
    if (confirmations !== 1) failures.push(`${orderId}: ${confirmations} confirmation emails`);
    const list = lists.filter((l) => l.orderId === orderId);
    if (list.length !== 1) failures.push(`${orderId}: ${list.length} pick lists`);
    if (cancelled.has(orderId)) {
      const cancels = count(
        outbox.filter((e) => e.template === 'order_cancelled'),
        orderId,
      );
      if (cancels !== 1) failures.push(`${orderId}: ${cancels} cancellation emails`);
      if (list[0]?.status !== 'cancelled') {
        failures.push(`${orderId}: pick list ${list[0]?.status ?? 'missing'}, not cancelled`);
      }
    } else if (list[0] !== undefined && list[0].status !== 'open') {
      failures.push(`${orderId}: pick list ${list[0].status}`);
    }
  }
  const deadLetters: Record<string, number> = {};
  const deadLetterErrors: Record<string, number> = {};
  const viewer = await w.operatorToken('viewer');
  for (const group of GROUPS) {
    const depth = (await w.metric(survivor, 'events_consumer_dlq_depth', group)) ?? -1;
    deadLetters[group] = depth;
    if (depth !== 0) failures.push(`${group}: ${depth} dead letters`);
    const res = await fetch(
      `http://127.0.0.1:${String(survivor.ready['port'])}/dead-letters/${group}`,
      { headers: { authorization: `Bearer ${viewer}` } },
    );
    const { items = [] } = (await res.json()) as { items?: { error: string }[] };
    for (const { error } of items) {
      // Ids and counts vary per entry; the kind of error is what matters here.
      const kind = `${group}: ${error.replace(/[0-9a-f-]{8,}|\d+/g, 'N').slice(0, 160)}`;
      deadLetterErrors[kind] = (deadLetterErrors[kind] ?? 0) + 1;
    }
  }
  const alerts = w.alerts.received.map((a) => a.body);
  const oldest = alerts.filter((a) => a['alert'] === 'events_consumer_oldest_event_age');
  const oldestEventAlert = {
    fired: oldest.filter((a) => a['state'] === 'firing').length,
    resolved: oldest.filter((a) => a['state'] === 'resolved').length,
  };
  const deadLetterAlerts = alerts.filter((a) => a['alert'] === 'events_consumer_dead_letters');
  if (deadLetterAlerts.length > 0) failures.push(`${deadLetterAlerts.length} dead-letter alerts`);
  // The page must come while the outage lasts (an event waiting past 2 min), and end with it.
  const pageDue = run.maxOldestAgeS > 120;
  if (pageDue && oldestEventAlert.fired === 0) {
    failures.push(`events waited ${run.maxOldestAgeS} s and no oldest-event alert fired`);
  }
  if (oldestEventAlert.fired > 0 && oldestEventAlert.resolved === 0) {
    failures.push('the oldest-event alert fired and never resolved');
  }
  const emails = outbox.length;
  const calls = await emailCalls(w);
  if (calls <= emails) failures.push(`only ${calls} email calls: the outage was not met`);
  return {
    outageMs: plan.outageMs,
    orders: plan.orders,
    cancelled: run.cancelled.length,
    emails,
    pickLists: lists.length,
    cancelledPickLists: lists.filter((l) => l.status === 'cancelled').length,
    emailCalls: calls,
    deadLetters,
    deadLetterErrors,
    oldestEventAlert,
    maxOldestAgeS: run.maxOldestAgeS,
    caughtUpAfterOutageMs: run.caughtUpAfterOutageMs,
    failures,
  };
}
