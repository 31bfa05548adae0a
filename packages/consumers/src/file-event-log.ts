import { appendFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { decodeOrderEvent, segmentFile } from '@edge/order-events';
import type {
  DeadLetter,
  Delivery,
  EventLog,
  GroupStats,
  ParkedEntry,
  RetryState,
} from './event-log.js';
import { DEFAULT_DEDUPE_TTL_MS } from './redis-event-log.js';
import {
  comparePositions,
  entryIdOf,
  type Position,
  positionOf,
  SegmentTail,
  type TailLine,
} from './segment-tail.js';

/**
 * Entries the embedded log keeps at least, once every group is past them; fewer than the Redis
 * stream's 100,000 because a restarted reader reads them all.
 */
export const DEFAULT_EMBEDDED_LOG_MAX_LEN = 10_000;

export interface FileEventLogOptions {
  /**
   * Segment 0 of the log the embedded saga store appends
   * (`<DATA_DIR>/saga/events/order-events.jsonl`); later segments sit beside it.
   */
  file: string;
  /** Where each group's state (position, pending, dead letters, dedupe records) is kept. */
  stateDir: string;
  /** How often a blocked read looks at the file for new lines; default 50 ms. */
  pollMs?: number;
  dedupeTtlMs?: number;
  /** Segments every group is past are deleted while this many entries remain; default 10,000. */
  maxLen?: number;
}

interface Pending {
  consumer: string;
  /** Epoch ms of the last delivery, or when it becomes claimable again (retryLater). */
  idleSince: number;
  deliveries: number;
}

interface GroupState {
  /** Entry id (`<segment>-<line>`) of the last entry delivered to the group; `0-0` for none. */
  lastDelivered: string;
  pending: Record<string, Pending>;
  dead: DeadLetter[];
  nextDeadId: number;
  /** Event id -> epoch ms when the dedupe record expires. */
  done: Record<string, number>;
  /** Entry id -> its retry state, while it is pending. */
  retries: Record<string, RetryState>;
}

/**
 * A state file written before segments (positions are line numbers of what is now segment 0)
 * or before retry states.
 */
type StoredState = Omit<GroupState, 'lastDelivered' | 'retries'> & {
  lastDelivered: string | number;
  retries?: Record<string, RetryState>;
};

function migrated(stored: StoredState): GroupState {
  const retries = stored.retries ?? {};
  if (typeof stored.lastDelivered === 'string') {
    return { ...stored, lastDelivered: stored.lastDelivered, retries };
  }
  const pending = Object.fromEntries(
    Object.entries(stored.pending).map(([id, held]) => [entryIdOf(positionOf(id)), held]),
  );
  return {
    ...stored,
    lastDelivered: entryIdOf({ segment: 0, line: stored.lastDelivered }),
    pending,
    retries,
  };
}

function freshState(): GroupState {
  return { lastDelivered: '0-0', pending: {}, dead: [], nextDeadId: 1, done: {}, retries: {} };
}

/** The first position the group still needs: its oldest pending entry, else the next new one. */
function floorOf(state: GroupState): Position {
  const last = positionOf(state.lastDelivered);
  let floor = { segment: last.segment, line: last.line + 1 };
  for (const id of Object.keys(state.pending)) {
    const position = positionOf(id);
    if (comparePositions(position, floor) < 0) floor = position;
  }
  return floor;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The embedded event log for `npm start` without Redis: it tails the segment files the saga's
 * file store appends (entry id = `<segment>-<line>`) and keeps each group's state in a file of
 * its own, written atomically after every change, so a restart resumes where it stopped. One
 * process owns the state (the embedded stack runs every group in one consumers process).
 *
 * Like the Redis stream's trim, the log is capped above consumer lag: a segment is deleted only
 * when every group's persisted state is past it (a crash can then only redeliver, never lose)
 * and at least `maxLen` entries remain, and memory holds only the lines from the lowest
 * position some group still needs. A lagging group keeps the files long; its lag alert says so.
 */
export class FileEventLog implements EventLog {
  private readonly file: string;
  private readonly stateDir: string;
  private readonly pollMs: number;
  private readonly dedupeTtlMs: number;
  private readonly maxLen: number;
  private tail: SegmentTail;
  private readonly groups = new Map<string, GroupState>();
  /** Each group's floor as last written to its state file: what trimming may rely on. */
  private readonly durableFloors = new Map<string, Position>();
  private readonly opened = new Map<string, Promise<GroupState>>();
  private loaded: Promise<void> | undefined;
  private writes = new Map<string, Promise<void>>();
  private io: Promise<void> = Promise.resolve();
  private readonly leases = new Map<string, { owner: string; until: number }>();

  constructor(options: FileEventLogOptions) {
    this.file = options.file;
    this.stateDir = options.stateDir;
    this.pollMs = options.pollMs ?? 50;
    this.dedupeTtlMs = options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS;
    this.maxLen = options.maxLen ?? DEFAULT_EMBEDDED_LOG_MAX_LEN;
    this.tail = new SegmentTail(this.file);
  }

  /** Lines of the log held in memory. */
  get retainedLines(): number {
    return this.tail.retainedLines;
  }

  /** Reads, trims and this process's own appends, one at a time: see `appendSegment`. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.io.then(work);
    this.io = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private refreshing: Promise<void> | undefined;

  /**
   * Read whatever complete lines were appended since the last look, then trim. Every group's
   * reader calls this; concurrent calls share one read.
   */
  private refresh(): Promise<void> {
    this.refreshing ??= this.exclusive(async () => {
      await this.loadGroups();
      await this.tail.read(this.floor());
      await this.tail.trim(this.floor(), this.maxLen);
    }).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** The lowest durable floor of all groups; undefined when there is no group. */
  private floor(): Position | undefined {
    let lowest: Position | undefined;
    for (const floor of this.durableFloors.values()) {
      if (!lowest || comparePositions(floor, lowest) < 0) lowest = floor;
    }
    return lowest;
  }

  /** Every group with a state file holds the log, not only those this process has touched yet. */
  private loadGroups(): Promise<void> {
    this.loaded ??= (async () => {
      let names: string[];
      try {
        names = await readdir(this.stateDir);
      } catch {
        return;
      }
      for (const name of names) {
        if (!name.endsWith('.json')) continue;
        const group = name.slice(0, -'.json'.length);
        let state: GroupState;
        try {
          state = migrated(
            JSON.parse(await readFile(this.statePath(group), 'utf8')) as StoredState,
          );
        } catch {
          continue;
        }
        this.groups.set(group, state);
        this.durableFloors.set(group, floorOf(state));
      }
    })();
    return this.loaded;
  }

  private state(group: string): Promise<GroupState> {
    let opened = this.opened.get(group);
    if (!opened) {
      opened = this.openGroup(group);
      this.opened.set(group, opened);
    }
    return opened;
  }

  /**
   * A group new to the log starts at its oldest entry, like a Redis group created at `0`: its
   * state is written first so trimming holds for it, then the tail is re-read if memory
   * already dropped lines it needs.
   */
  private async openGroup(group: string): Promise<GroupState> {
    await this.loadGroups();
    const known = this.groups.get(group);
    if (known) return known;
    const state = freshState();
    this.groups.set(group, state);
    await this.persist(group);
    if (this.tail.misses(floorOf(state))) {
      await this.exclusive(async () => {
        const reread = new SegmentTail(this.file);
        await reread.read(this.floor());
        this.tail = reread;
      });
    }
    return state;
  }

  private statePath(group: string): string {
    return join(this.stateDir, `${group}.json`);
  }

  /** Writes of one group in order, each a whole file replaced by rename. */
  private persist(group: string): Promise<void> {
    const previous = this.writes.get(group) ?? Promise.resolve();
    const next = previous.then(async () => {
      const state = this.groups.get(group);
      if (!state) return;
      const now = Date.now();
      for (const [id, until] of Object.entries(state.done)) if (until < now) delete state.done[id];
      // Text and floor of the same moment: trimming relies on the floor once this is on disk.
      const text = JSON.stringify(state);
      const floor = floorOf(state);
      const path = this.statePath(group);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(`${path}.tmp`, text);
      await rename(`${path}.tmp`, path);
      this.durableFloors.set(group, floor);
    });
    this.writes.set(
      group,
      next.catch(() => {}),
    );
    return next;
  }

  private delivery(line: TailLine, deliveries: number, retry?: RetryState): Delivery {
    const { entry } = line;
    return {
      entryId: line.id,
      raw: entry?.event ?? line.raw,
      decoded: entry
        ? decodeOrderEvent(entry.event)
        : { ok: false, error: 'line is not an event entry' },
      ...(entry?.group ? { group: entry.group } : {}),
      deliveries,
      ...(retry ? { retry } : {}),
    };
  }

  async ensureGroup(group: string): Promise<void> {
    await this.state(group);
  }

  async claimIdle(
    group: string,
    consumer: string,
    minIdleMs: number,
    count: number,
  ): Promise<Delivery[]> {
    const state = await this.state(group);
    // A restarted process holds no line before its first read.
    await this.refresh();
    const now = Date.now();
    const claimed: Delivery[] = [];
    const ids = Object.keys(state.pending).sort((a, b) =>
      comparePositions(positionOf(a), positionOf(b)),
    );
    for (const id of ids) {
      const held = state.pending[id];
      if (!held || now - held.idleSince < minIdleMs) continue;
      const line = this.tail.find(positionOf(id));
      if (!line) continue;
      state.pending[id] = { consumer, idleSince: now, deliveries: held.deliveries + 1 };
      claimed.push(this.delivery(line, held.deliveries + 1, state.retries[id]));
      if (claimed.length >= count) break;
    }
    if (claimed.length > 0) await this.persist(group);
    return claimed;
  }

  async readNew(
    group: string,
    consumer: string,
    count: number,
    blockMs: number,
  ): Promise<Delivery[]> {
    const state = await this.state(group);
    const deadline = Date.now() + blockMs;
    let taken: TailLine[];
    for (;;) {
      await this.refresh();
      taken = this.tail.after(positionOf(state.lastDelivered), count);
      const last = taken.at(-1);
      if (last) {
        state.lastDelivered = last.id;
        break;
      }
      if (Date.now() >= deadline) return [];
      await sleep(this.pollMs);
    }
    const now = Date.now();
    for (const line of taken) state.pending[line.id] = { consumer, idleSince: now, deliveries: 1 };
    await this.persist(group);
    return taken.map((line) => this.delivery(line, 1));
  }

  async ack(group: string, entryId: string): Promise<void> {
    const state = await this.state(group);
    delete state.pending[entryId];
    delete state.retries[entryId];
    await this.persist(group);
  }

  async isDone(group: string, eventId: string): Promise<boolean> {
    const until = (await this.state(group)).done[eventId];
    return until !== undefined && until >= Date.now();
  }

  async complete(group: string, entryId: string, eventId: string): Promise<void> {
    const state = await this.state(group);
    state.done[eventId] = Date.now() + this.dedupeTtlMs;
    delete state.pending[entryId];
    delete state.retries[entryId];
    await this.persist(group);
  }

  async retryLater(
    group: string,
    consumer: string,
    entries: readonly ParkedEntry[],
    delayMs: number,
    claimIdleMs: number,
  ): Promise<void> {
    const state = await this.state(group);
    // As the Redis log does: never later than a claim after `claimIdleMs`.
    const idleSince = Date.now() - Math.max(0, claimIdleMs - delayMs);
    for (const { entryId, retry } of entries) {
      const held = state.pending[entryId];
      if (held?.consumer !== consumer) continue;
      held.idleSince = idleSince;
      state.retries[entryId] = retry;
    }
    await this.persist(group);
  }

  async hold(group: string, consumer: string, entryIds: readonly string[]): Promise<string[]> {
    const state = await this.state(group);
    const now = Date.now();
    const held = entryIds.filter((id) => state.pending[id]?.consumer === consumer);
    for (const id of held) (state.pending[id] as Pending).idleSince = now;
    if (held.length > 0) await this.persist(group);
    return held;
  }

  async deadLetter(
    group: string,
    consumer: string,
    delivery: Delivery,
    error: string,
  ): Promise<void> {
    const state = await this.state(group);
    state.dead.push({
      id: String(state.nextDeadId++),
      entryId: delivery.entryId,
      event: delivery.raw,
      error,
      deliveries: delivery.deliveries,
      consumer,
      failedAt: new Date().toISOString(),
    });
    delete state.pending[delivery.entryId];
    delete state.retries[delivery.entryId];
    await this.persist(group);
  }

  async deadLetters(group: string, limit: number): Promise<DeadLetter[]> {
    return (await this.state(group)).dead.slice(0, limit);
  }

  async replayDeadLetters(group: string, ids: readonly string[] | 'all'): Promise<string[]> {
    const state = await this.state(group);
    const chosen = state.dead.filter((d) => ids === 'all' || ids.includes(d.id));
    if (chosen.length === 0) return [];
    // Appended before the dead letters are dropped: a crash between the two replays twice,
    // which the group's dedupe record absorbs, rather than losing the event.
    await this.appendLines(
      chosen.map((d) => `${JSON.stringify({ event: d.event, group })}\n`).join(''),
    );
    state.dead = state.dead.filter((d) => !chosen.includes(d));
    await this.persist(group);
    return chosen.map((d) => d.id);
  }

  /** Returns the id of the newest entry read after the append: this one, or a later one. */
  async append(fields: { event: string }): Promise<string> {
    await this.appendLines(`${JSON.stringify({ event: fields.event })}\n`);
    await this.refresh();
    return entryIdOf(this.tail.newest);
  }

  /** Into the segment being read, under the read lock, so the reader cannot be past it yet. */
  private appendLines(text: string): Promise<void> {
    return this.exclusive(async () => {
      await this.tail.read(this.floor());
      const path = segmentFile(this.file, this.tail.appendSegment);
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, text);
    });
  }

  private readonly beats = new Map<string, number>();

  async heartbeat(group: string, consumer: string): Promise<void> {
    this.beats.set(`${group}\u0000${consumer}`, Date.now());
  }

  async stats(group: string): Promise<GroupStats> {
    await this.refresh();
    const state = await this.state(group);
    const now = Date.now();
    const pendingIds = Object.keys(state.pending);
    const last = positionOf(state.lastDelivered);
    const undelivered = this.tail.countAfter(last);
    const oldest = [
      ...pendingIds.map((id) => this.tail.find(positionOf(id))),
      this.tail.after(last, 1)[0],
    ]
      .filter((line) => line !== undefined)
      .sort((a, b) => comparePositions(a.position, b.position))[0];
    const consumers: GroupStats['consumers'] = [];
    for (const [key, at] of this.beats) {
      const [beatGroup, consumer] = key.split('\u0000');
      if (beatGroup === group && consumer) consumers.push({ consumer, heartbeatAgeMs: now - at });
    }
    return {
      lag: undelivered + pendingIds.length,
      oldestUnprocessedAgeMs: oldest ? Math.max(0, now - oldest.at) : 0,
      dlqDepth: state.dead.length,
      consumers,
    };
  }

  async holdLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const held = this.leases.get(name);
    if (held && held.owner !== owner && held.until > now) return false;
    this.leases.set(name, { owner, until: now + ttlMs });
    return true;
  }

  async close(): Promise<void> {
    await Promise.all(this.writes.values());
  }
}
