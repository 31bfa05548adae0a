import { LIST_SORTS, type SagaListSort } from '@edge/saga-wire';
import { z } from 'zod';
import { PROVIDERS, type ProviderName } from './provider-client.js';
import { ACTIVE_STATUSES, SAGA_STATUSES, type Saga, type SagaStatus } from './saga.js';
import { type SagaListState, STATUS_FILTERS } from './saga-api-schemas.js';
import { compensatingSince } from './saga-retention.js';
import type { SagaStore } from './saga-store.js';
import {
  compensationReason,
  currentStep,
  lastProblem,
  STEP_PROVIDER,
  type TimelineEntry,
} from './saga-timeline.js';
import { acceptsReplay, parkedUntil } from './saga-view.js';

/**
 * Sagas read per status for one search. A status holding more is read in part, and what is
 * built from it (the matches, their totals, the stuck count) says "N+".
 */
export const SEARCH_SCAN_LIMIT = 5_000;
export const DEFAULT_PAGE_SIZE = 50;

const optionalText = z
  .string()
  .trim()
  .max(200)
  .optional()
  .transform((v) => (v ? v : undefined));
const optionalAmount = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) {
      ctx.addIssue({ code: 'custom', message: 'must be an amount like 12.50' });
      return z.NEVER;
    }
    return Math.round(n * 100);
  });

/** The filters of the page and of `GET /sagas`, from a query string. */
export const searchQuery = z.object({
  status: z.enum(STATUS_FILTERS).optional(),
  /** Older name of `status`, kept for the CLI and scripts. */
  state: z.enum(STATUS_FILTERS).optional(),
  step: optionalText,
  provider: z
    .enum(PROVIDERS)
    .optional()
    .or(z.literal('').transform(() => undefined)),
  reason: optionalText,
  /** Minimum age in minutes since the last change. */
  olderThanMin: z.coerce.number().int().min(0).max(525_600).optional(),
  orderId: optionalText,
  userId: optionalText,
  /** Amount range in major units (12.50), compared in cents. */
  minAmount: optionalAmount,
  maxAmount: optionalAmount,
  q: optionalText,
  /**
   * A deferred or parked refund is changed at every retry, so the default order (newest change)
   * shows the one the compensation-age alert is about last; `oldest_compensation` shows it first.
   */
  sort: z.enum(LIST_SORTS).default('newest_change'),
  cursor: optionalText,
  limit: z.coerce.number().int().min(1).max(1000).default(DEFAULT_PAGE_SIZE),
});
export type SearchQuery = z.output<typeof searchQuery>;

/** One saga as an operator's list shows it. */
export interface SagaSummary {
  id: string;
  status: SagaStatus;
  stuck: boolean;
  orderId: string | null;
  userId: string;
  partnerId: string | null;
  amountCents: number | null;
  currency: string | null;
  step: string | null;
  provider: ProviderName | null;
  reason: string | null;
  /** The last provider answer or local refusal that went wrong; null once completed or compensated. */
  lastProblem: TimelineEntry | null;
  /** Set while a step waits past its horizon because the provider asked (Retry-After). */
  parkedUntil: string | null;
  /**
   * While compensating: when the compensation began (its last `compensation_required` or
   * `replayed`), the clock of `saga_compensation_oldest_age_seconds`.
   */
  compensatingSince: string | null;
  /** An operator's replay takes it (`acceptsReplay`): the page offers replay on these only. */
  replayable: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface SearchResult {
  items: SagaSummary[];
  /** The records of `items`, in the same order (the API returns their full views). */
  sagas: Saga[];
  /** Sagas per status in the store, exact; `stuck` counts the active sagas read (see `exact`). */
  counts: Record<SagaStatus | 'stuck', number>;
  /**
   * Statuses this search read only SEARCH_SCAN_LIMIT sagas of, because they hold more: what is
   * built from them covers the sagas read, not every one.
   */
  truncated: SagaStatus[];
  /** False when `matched` (with `totals` and `replayable`), or the stuck count, is a lower bound. */
  exact: { matched: boolean; stuck: boolean };
  /** How many match the filters, over every page (of the sagas read, see `exact`). */
  matched: number;
  /** Total amount of every match, per currency. */
  totals: Record<string, number>;
  /**
   * The matches a replay accepts (`acceptsReplay`), over every page, with their total per
   * currency: what the bulk replay offers and its confirmation states. A filter such as
   * `completed` matches sagas that no replay would touch, so the bulk replay never counts them.
   */
  replayable: { ids: string[]; totals: Record<string, number> };
  nextCursor: string | null;
}

export function summarize(saga: Saga, stuck: boolean): SagaSummary {
  const step = currentStep(saga);
  const state = saga.state;
  return {
    id: saga.id,
    status: state.status,
    stuck,
    orderId: saga.context.orderId ?? null,
    userId: saga.input.userId,
    partnerId: saga.input.partnerId,
    amountCents: saga.context.totalCents ?? null,
    currency: saga.context.currency ?? null,
    step: step ?? null,
    provider: step ? STEP_PROVIDER[step] : null,
    // Sagas compensated before the engine kept the cause across a replay still hold the refusal.
    reason:
      state.status === 'compensating' || state.status === 'compensated'
        ? (compensationReason(saga) ?? state.reason)
        : 'reason' in state
          ? state.reason
          : null,
    lastProblem: lastProblem(saga) ?? null,
    parkedUntil: parkedUntil(saga) ?? null,
    compensatingSince: isoOrNull(compensatingSince(saga)),
    replayable: acceptsReplay(saga, stuck),
    createdAt: saga.createdAt,
    updatedAt: saga.updatedAt,
  };
}

/** What "needs attention" means: dead-lettered, or stuck. */
function needsAttention(s: SagaSummary): boolean {
  return s.status === 'dead_lettered' || s.stuck;
}

const statusFilterOf = (f: SearchQuery): SagaListState => f.status ?? f.state ?? 'attention';

/** Amount per currency; sagas without an amount yet (no order priced) add nothing. */
function totalsOf(sagas: SagaSummary[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const s of sagas) {
    if (s.amountCents !== null && s.currency) {
      totals[s.currency] = (totals[s.currency] ?? 0) + s.amountCents;
    }
  }
  return totals;
}

function matches(s: SagaSummary, f: SearchQuery, now: number): boolean {
  const status = statusFilterOf(f);
  if (status === 'attention' && !needsAttention(s)) return false;
  if (status === 'stuck' && !s.stuck) return false;
  if (status !== 'attention' && status !== 'any' && status !== 'stuck' && s.status !== status) {
    return false;
  }
  if (f.step && s.step !== f.step) return false;
  if (f.provider && s.provider !== f.provider) return false;
  if (f.reason && !(s.reason ?? '').toLowerCase().includes(f.reason.toLowerCase())) return false;
  if (f.olderThanMin !== undefined && now - Date.parse(s.updatedAt) < f.olderThanMin * 60_000) {
    return false;
  }
  if (f.orderId && s.orderId !== f.orderId) return false;
  if (f.userId && s.userId !== f.userId) return false;
  if (f.minAmount !== undefined && (s.amountCents ?? -1) < f.minAmount) return false;
  if (f.maxAmount !== undefined && (s.amountCents ?? Number.POSITIVE_INFINITY) > f.maxAmount) {
    return false;
  }
  if (f.q) {
    const text = [s.id, s.orderId, s.userId, s.partnerId, s.reason, s.step, s.lastProblem?.summary]
      .join(' ')
      .toLowerCase();
    if (!text.includes(f.q.toLowerCase())) return false;
  }
  return true;
}

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What a sort and its cursor compare: enough of a summary to place it in either order. */
type SortKey = Pick<SagaSummary, 'id' | 'updatedAt' | 'compensatingSince'>;

/** Newest change first; the id breaks ties so the order, and so the cursor, is total. */
function newestFirst(a: SortKey, b: SortKey): number {
  return b.updatedAt.localeCompare(a.updatedAt) || b.id.localeCompare(a.id);
}

/** The longest-compensating first; the rest after them, newest change first. */
function oldestCompensationFirst(a: SortKey, b: SortKey): number {
  if (a.compensatingSince !== null && b.compensatingSince !== null) {
    return a.compensatingSince.localeCompare(b.compensatingSince) || a.id.localeCompare(b.id);
  }
  if (a.compensatingSince !== null) return -1;
  if (b.compensatingSince !== null) return 1;
  return newestFirst(a, b);
}

const SORT_ORDER: Record<SagaListSort, (a: SortKey, b: SortKey) => number> = {
  newest_change: newestFirst,
  oldest_compensation: oldestCompensationFirst,
};

const encodeCursor = (s: SortKey) =>
  Buffer.from(JSON.stringify([s.updatedAt, s.id, s.compensatingSince])).toString('base64url');

function decodeCursor(cursor: string): SortKey | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') {
      const since = typeof value[2] === 'string' ? value[2] : null;
      return { updatedAt: value[0], id: value[1], compensatingSince: since };
    }
  } catch {
    // An unreadable cursor starts from the top rather than failing the page.
  }
  return undefined;
}

/** Every status's sagas, up to SEARCH_SCAN_LIMIT each, in SAGA_STATUSES order. */
export function scanSagas(store: SagaStore): Promise<Saga[][]> {
  return Promise.all(SAGA_STATUSES.map((status) => store.listByStatus(status, SEARCH_SCAN_LIMIT)));
}

/** The statuses whose sagas a status filter can match (stuck sagas are active by definition). */
function statusesMatching(filter: SagaListState): readonly SagaStatus[] {
  switch (filter) {
    case 'attention':
      return ['dead_lettered', ...ACTIVE_STATUSES];
    case 'stuck':
      return ACTIVE_STATUSES;
    case 'any':
      return SAGA_STATUSES;
    default:
      return [filter];
  }
}

/**
 * What a search reads: the statuses its filter can match, plus the active ones for the stuck
 * count. Terminal sagas, nearly all of a store that keeps them for its retention period, are
 * read only when a filter names them; the active ones are the in-flight few, or, during an
 * outage, the backlog the operator is there for.
 */
function statusesToRead(filter: SagaListState): SagaStatus[] {
  return [...new Set([...statusesMatching(filter), ...ACTIVE_STATUSES])];
}

/**
 * Filter, count and page sagas for operators. Counts per status come from the store's indexes;
 * the records of the statuses to read (up to SEARCH_SCAN_LIMIT each) are filtered here, since
 * the store indexes sagas by status only.
 */
export async function searchSagas(
  store: SagaStore,
  isStuck: (saga: Saga) => boolean,
  f: SearchQuery,
  now = Date.now(),
): Promise<SearchResult> {
  const filter = statusFilterOf(f);
  const statuses = statusesToRead(filter);
  const [counts, lists] = await Promise.all([
    store.countByStatus(),
    Promise.all(statuses.map((status) => store.listByStatus(status, SEARCH_SCAN_LIMIT))),
  ]);
  const records = new Map(lists.flat().map((saga) => [saga.id, saga]));
  const all = [...records.values()].map((saga) => summarize(saga, isStuck(saga)));
  const truncated = statuses.filter((status) => counts[status] > SEARCH_SCAN_LIMIT);
  const order = SORT_ORDER[f.sort];
  const matched = all.filter((s) => matches(s, f, now)).sort(order);
  const replayable = matched.filter((s) => s.replayable);
  const after = f.cursor ? decodeCursor(f.cursor) : undefined;
  const start = after ? matched.findIndex((s) => order(s, after) > 0) : 0;
  const from = start < 0 ? matched.length : start;
  const items = matched.slice(from, from + f.limit);
  const last = items.at(-1);
  return {
    items,
    sagas: items.map((s) => records.get(s.id)).filter((s): s is Saga => s !== undefined),
    counts: { ...counts, stuck: all.filter((s) => s.stuck).length },
    truncated,
    exact: {
      matched: !truncated.some((status) => statusesMatching(filter).includes(status)),
      stuck: !truncated.some((status) => ACTIVE_STATUSES.includes(status)),
    },
    matched: matched.length,
    totals: totalsOf(matched),
    replayable: { ids: replayable.map((s) => s.id), totals: totalsOf(replayable) },
    nextCursor: last && from + f.limit < matched.length ? encodeCursor(last) : null,
  };
}
