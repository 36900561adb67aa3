import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Memo } from '../request/memo.ts';
import { entryFromJson, entryToJson } from './cache-entry.ts';
import type { StoredCompletion } from './completion.ts';
import type { SemanticCache } from './semantic-cache.ts';
import { TurnBudget } from './turn-budget.ts';

const FORMAT = 'semantic-router-cache-snapshot/1';
/** Entries written per turn of the event loop. */
const BATCH = 250;
/** Time a turn of the event loop may spend reading entries back. */
const TURN_MS = 4;
/** A line longer than this is not one the router wrote (answers are at most 16 MiB): skipped. */
const MAX_LINE_CHARS = 40 * 1024 * 1024;

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Writes the cache's live entries and their answers to `file` as JSON lines (a header naming the
 * encoder, then one entry per line), through a temporary file renamed over it, a batch per turn of
 * the event loop. Resolves to the number of entries written.
 */
export async function saveSnapshot(cache: SemanticCache, file: string, encoder: string): Promise<number> {
  const temporary = `${file}.${process.pid}.tmp`;
  const out = createWriteStream(temporary, { mode: 0o600 });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {});
  const write = async (line: string) => {
    if (!out.write(`${line}\n`))
      await Promise.race([new Promise<void>((resolve) => out.once('drain', () => resolve())), failed]);
  };
  let written = 0;
  try {
    await write(JSON.stringify({ format: FORMAT, encoder, savedAt: Date.now() }));
    for (const entry of cache.liveEntries()) {
      const completion = await cache.document(entry.id);
      if (!completion) continue;
      await write(JSON.stringify({ entry: entryToJson(entry), completion }));
      if (++written % BATCH === 0) await nextTurn();
    }
    await Promise.race([new Promise<void>((resolve) => out.end(resolve)), failed]);
    await rename(temporary, file);
    return written;
  } catch (error) {
    out.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Reads a snapshot written by {@link saveSnapshot} back into the cache: the entries not yet expired,
 * when it was made with the same encoder (other vectors would not compare), within the quotas. A
 * missing file reads nothing; a damaged line is skipped. Resolves to the number of entries taken.
 */
export async function loadSnapshot(cache: SemanticCache, file: string, encoder: string): Promise<number> {
  let input: ReturnType<typeof createReadStream>;
  try {
    input = createReadStream(file, { encoding: 'utf8' });
    await new Promise<void>((resolve, reject) => {
      input.once('open', () => resolve());
      input.once('error', reject);
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let header = true;
  let taken = 0;
  // Each entry taken may be an HNSW insert: requests go on between a few milliseconds of them.
  const budget = new TurnBudget(TURN_MS);
  try {
    for await (const line of lines) {
      if (header) {
        header = false;
        const head = parse(line) as { format?: unknown; encoder?: unknown } | undefined;
        if (head?.format !== FORMAT || head.encoder !== encoder) return 0;
        continue;
      }
      await budget.spent();
      if (line.length > MAX_LINE_CHARS) continue;
      const item = parse(line) as { entry?: unknown; completion?: unknown } | undefined;
      const entry = entryFromJson(item?.entry);
      const completion = item?.completion;
      if (!entry || typeof completion !== 'object' || completion === null || Array.isArray(completion))
        continue;
      if (cache.restore(entry, completion as StoredCompletion)) taken++;
    }
  } finally {
    lines.close();
    input.destroy();
  }
  return taken;
}

function parse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

interface Snapshot {
  readonly file: string;
  readonly encoder: string;
  /** How often it is also written while the router serves; 0: only when it stops. */
  readonly intervalMs: number;
}

/** What reading or writing one cache's snapshot did. */
export type SnapshotResult = { file: string; entries: number } | { file: string; error: Error };

/** Told what reading a snapshot back at start, and writing one while serving, did (the router logs them). */
export interface SnapshotReporter {
  read(result: SnapshotResult): void;
  written(result: SnapshotResult): void;
}

interface SnapshotState {
  /** The snapshot of each cache of the process (the latest policy's). */
  readonly files: Map<SemanticCache, Snapshot>;
  readonly restored: WeakSet<SemanticCache>;
  /** Reading a snapshot back, by cache: saving waits for it (or would write only what was read so far). */
  readonly reading: Map<SemanticCache, Promise<unknown>>;
  /** Writing one, by cache: one at a time. */
  readonly writing: Map<SemanticCache, Promise<SnapshotResult>>;
  readonly timers: Map<SemanticCache, NodeJS.Timeout>;
  reporter?: SnapshotReporter;
}

const SNAPSHOTS = new Memo<'snapshots', SnapshotState>();

function snapshotState(processState: object): SnapshotState {
  return SNAPSHOTS.of(processState, 'snapshots', () => ({
    files: new Map(),
    restored: new WeakSet(),
    reading: new Map(),
    writing: new Map(),
    timers: new Map(),
  }));
}

/** Tells `reporter` what reading and writing snapshots does, from now on. */
export function reportSnapshots(processState: object, reporter: SnapshotReporter): void {
  snapshotState(processState).reporter = reporter;
}

/**
 * Names the snapshot of a process's cache (a policy's `snapshotFile`), written every
 * `intervalMs` from now on; the first time for that cache, reads the file back into it, in the
 * background.
 */
export function useSnapshot(processState: object, cache: SemanticCache, snapshot: Snapshot): void {
  const state = snapshotState(processState);
  state.files.set(cache, snapshot);
  clearInterval(state.timers.get(cache));
  state.timers.delete(cache);
  if (snapshot.intervalMs > 0) {
    const timer = setInterval(() => {
      if (cache.closed) {
        clearInterval(timer);
        return;
      }
      void write(state, cache).then((result) => state.reporter?.written(result));
    }, snapshot.intervalMs);
    timer.unref();
    state.timers.set(cache, timer);
  }
  if (state.restored.has(cache)) return;
  state.restored.add(cache);
  const { file } = snapshot;
  const reading = loadSnapshot(cache, file, snapshot.encoder)
    .then(
      (entries) => state.reporter?.read({ file, entries }),
      (error: Error) => state.reporter?.read({ file, error }),
    )
    .finally(() => state.reading.delete(cache));
  state.reading.set(cache, reading);
}

/** Writes a cache's snapshot once the one read at start is read whole, one write at a time. */
function write(state: SnapshotState, cache: SemanticCache): Promise<SnapshotResult> {
  const known = state.writing.get(cache);
  if (known) return known;
  const { file, encoder } = state.files.get(cache) as Snapshot;
  const writing = Promise.resolve(state.reading.get(cache))
    .then(() => saveSnapshot(cache, file, encoder))
    .then(
      (entries): SnapshotResult => ({ file, entries }),
      (error: Error): SnapshotResult => ({ file, error }),
    )
    .finally(() => state.writing.delete(cache));
  state.writing.set(cache, writing);
  return writing;
}

/** Writes the snapshot of every cache still in use, after any write under way (when the router stops). */
export async function saveSnapshots(processState: object): Promise<SnapshotResult[]> {
  const state = snapshotState(processState);
  for (const timer of state.timers.values()) clearInterval(timer);
  state.timers.clear();
  const caches = [...state.files.keys()].filter((cache) => !cache.closed);
  await Promise.all(caches.map((cache) => state.writing.get(cache)));
  return Promise.all(caches.map((cache) => write(state, cache)));
}
