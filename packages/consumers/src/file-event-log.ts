import { appendFile, mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { decodeOrderEvent, type EncodedEntry } from '@edge/order-events';
import type { DeadLetter, Delivery, EventLog, GroupStats } from './event-log.js';
import { DEFAULT_DEDUPE_TTL_MS } from './redis-event-log.js';

export interface FileEventLogOptions {
  /** The JSON-lines log the embedded saga store appends (`<DATA_DIR>/saga/events/order-events.jsonl`). */
  file: string;
  /** Where each group's state (position, pending, dead letters, dedupe records) is kept. */
  stateDir: string;
  /** How often a blocked read looks at the file for new lines; default 50 ms. */
  pollMs?: number;
  dedupeTtlMs?: number;
}

interface Pending {
  consumer: string;
  /** Epoch ms of the last delivery, or when it becomes claimable again (retryLater). */
  idleSince: number;
  deliveries: number;
}

interface GroupState {
  /** Line number (1-based) of the last entry delivered to the group. */
  lastDelivered: number;
  pending: Record<string, Pending>;
  dead: DeadLetter[];
  nextDeadId: number;
  /** Event id -> epoch ms when the dedupe record expires. */
  done: Record<string, number>;
}

interface Line {
  id: number;
  entry: EncodedEntry | undefined;
  raw: string;
  /** When the event happened (its `occurredAt`), else when this process first read the line. */
  at: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function parseLine(raw: string): EncodedEntry | undefined {
  try {
    const value = JSON.parse(raw) as Partial<EncodedEntry>;
    if (typeof value.event !== 'string') return undefined;
    return typeof value.group === 'string'
      ? { event: value.event, group: value.group }
      : { event: value.event };
  } catch {
    return undefined;
  }
}

function occurredAt(entry: EncodedEntry | undefined): number {
  if (!entry) return Date.now();
  try {
    const at = Date.parse((JSON.parse(entry.event) as { occurredAt?: string }).occurredAt ?? '');
    return Number.isNaN(at) ? Date.now() : at;
  } catch {
    return Date.now();
  }
}

/**
 * The embedded event log for `npm start` without Redis: it tails the JSON-lines file the
 * saga's file store appends (entry id = line number) and keeps each group's state in a file of
 * its own, written atomically after every change, so a restart resumes where it stopped. One
 * process owns the state (the embedded stack runs every group in one consumers process); the
 * log is never trimmed (the saga owns the file).
 */
export class FileEventLog implements EventLog {
  private readonly file: string;
  private readonly stateDir: string;
  private readonly pollMs: number;
  private readonly dedupeTtlMs: number;
  private readonly lines: Line[] = [];
  private readOffset = 0;
  private readonly groups = new Map<string, GroupState>();
  private writes = new Map<string, Promise<void>>();
  private readonly leases = new Map<string, { owner: string; until: number }>();

  constructor(options: FileEventLogOptions) {
    this.file = options.file;
    this.stateDir = options.stateDir;
    this.pollMs = options.pollMs ?? 50;
    this.dedupeTtlMs = options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS;
  }

  private refreshing: Promise<void> | undefined;

  /**
   * Read whatever complete lines were appended since the last look. Every group's reader calls
   * this; concurrent calls share one read, or two of them would append the same lines twice.
   */
  private refresh(): Promise<void> {
    this.refreshing ??= this.readAppended().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async readAppended(): Promise<void> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.file, 'r');
    } catch {
      return; // No event yet: the saga creates the file with its first one.
    }
    try {
      const { size } = await handle.stat();
      if (size <= this.readOffset) return;
      const buffer = Buffer.alloc(size - this.readOffset);
      await handle.read(buffer, 0, buffer.length, this.readOffset);
      const text = buffer.toString('utf8');
      // A line still being written has no newline yet: leave it for the next look.
      const end = text.lastIndexOf('\n');
      if (end < 0) return;
      for (const raw of text.slice(0, end).split('\n')) {
        const entry = parseLine(raw);
        this.lines.push({ id: this.lines.length + 1, entry, raw, at: occurredAt(entry) });
      }
      this.readOffset += Buffer.byteLength(text.slice(0, end + 1));
    } finally {
      await handle.close();
    }
  }

  private async state(group: string): Promise<GroupState> {
    const known = this.groups.get(group);
    if (known) return known;
    let loaded: GroupState;
    try {
      loaded = JSON.parse(await readFile(this.statePath(group), 'utf8')) as GroupState;
    } catch {
      loaded = { lastDelivered: 0, pending: {}, dead: [], nextDeadId: 1, done: {} };
    }
    this.groups.set(group, loaded);
    return loaded;
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
      const path = this.statePath(group);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(`${path}.tmp`, JSON.stringify(state));
      await rename(`${path}.tmp`, path);
    });
    this.writes.set(
      group,
      next.catch(() => {}),
    );
    return next;
  }

  private delivery(line: Line, deliveries: number): Delivery {
    const { entry } = line;
    return {
      entryId: String(line.id),
      raw: entry?.event ?? line.raw,
      decoded: entry
        ? decodeOrderEvent(entry.event)
        : { ok: false, error: 'line is not an event entry' },
      ...(entry?.group ? { group: entry.group } : {}),
      deliveries,
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
    const now = Date.now();
    const claimed: Delivery[] = [];
    const ids = Object.keys(state.pending).sort((a, b) => Number(a) - Number(b));
    for (const id of ids) {
      const held = state.pending[id];
      if (!held || now - held.idleSince < minIdleMs) continue;
      const line = this.lines[Number(id) - 1];
      if (!line) continue;
      state.pending[id] = { consumer, idleSince: now, deliveries: held.deliveries + 1 };
      claimed.push(this.delivery(line, held.deliveries + 1));
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
    for (;;) {
      await this.refresh();
      if (this.lines.length > state.lastDelivered) break;
      if (Date.now() >= deadline) return [];
      await sleep(this.pollMs);
    }
    const taken = this.lines.slice(state.lastDelivered, state.lastDelivered + count);
    const now = Date.now();
    for (const line of taken)
      state.pending[String(line.id)] = { consumer, idleSince: now, deliveries: 1 };
    state.lastDelivered += taken.length;
    await this.persist(group);
    return taken.map((line) => this.delivery(line, 1));
  }

  async ack(group: string, entryId: string): Promise<void> {
    const state = await this.state(group);
    delete state.pending[entryId];
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
    await this.persist(group);
  }

  async retryLater(
    group: string,
    _consumer: string,
    entryId: string,
    delayMs: number,
    claimIdleMs: number,
  ): Promise<void> {
    const state = await this.state(group);
    const held = state.pending[entryId];
    if (!held) return;
    held.idleSince = Date.now() - Math.max(0, claimIdleMs - delayMs);
    await this.persist(group);
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
    await appendFile(
      this.file,
      chosen.map((d) => `${JSON.stringify({ event: d.event, group })}\n`).join(''),
    );
    state.dead = state.dead.filter((d) => !chosen.includes(d));
    await this.persist(group);
    return chosen.map((d) => d.id);
  }

  async append(fields: { event: string }): Promise<string> {
    await mkdir(dirname(this.file), { recursive: true });
    await appendFile(this.file, `${JSON.stringify({ event: fields.event })}\n`);
    await this.refresh();
    return String(this.lines.length);
  }

  private readonly beats = new Map<string, number>();

  async heartbeat(group: string, consumer: string): Promise<void> {
    this.beats.set(`${group}\u0000${consumer}`, Date.now());
  }

  async stats(group: string): Promise<GroupStats> {
    await this.refresh();
    const state = await this.state(group);
    const now = Date.now();
    const pendingIds = Object.keys(state.pending).map(Number);
    const undelivered = this.lines.length - state.lastDelivered;
    const oldestId = Math.min(...pendingIds, undelivered > 0 ? state.lastDelivered + 1 : Infinity);
    const oldest = Number.isFinite(oldestId) ? this.lines[oldestId - 1] : undefined;
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
