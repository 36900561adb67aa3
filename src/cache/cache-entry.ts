/** What the cache keeps in memory of one entry (its response lives in the document store). */
export interface CacheEntry {
  readonly id: string;
  /** The partition's id (see `PartitionKey`): a hit needs the same one. */
  readonly partition: string;
  readonly exactKey: string;
  readonly category: string;
  /** The tenant or user ('*' for a global cache), for invalidation. */
  readonly identity: string;
  readonly decision: string;
  readonly model: string;
  /** The last user turn it answers (at most 4 KiB: what the verifier reads). */
  readonly question: string;
  readonly vector: Float32Array;
  /** Milliseconds since epoch. */
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Bytes of the stored response and question. */
  readonly bytes: number;
}

/** Which entries an invalidation removes: those matching every given field (none: all). */
export interface InvalidationFilter {
  readonly identity?: string;
  readonly category?: string;
  readonly decision?: string;
  readonly model?: string;
}

export function matchesFilter(entry: CacheEntry, filter: InvalidationFilter): boolean {
  return (
    (filter.identity === undefined || entry.identity === filter.identity) &&
    (filter.category === undefined || entry.category === filter.category) &&
    (filter.decision === undefined || entry.decision === filter.decision) &&
    (filter.model === undefined || entry.model === filter.model)
  );
}

/** An entry as JSON (its vector as base64 of its float32 bytes), to keep in Redis. */
export function entryToJson(entry: CacheEntry): Record<string, unknown> {
  return {
    ...entry,
    vector: Buffer.from(entry.vector.buffer, entry.vector.byteOffset, entry.vector.byteLength).toString(
      'base64',
    ),
  };
}

/** The entry in JSON read back; undefined when it is not one. */
export function entryFromJson(value: unknown): CacheEntry | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const strings = [
    'id',
    'partition',
    'exactKey',
    'category',
    'identity',
    'decision',
    'model',
    'question',
    'vector',
  ];
  const numbers = ['createdAt', 'expiresAt', 'bytes'];
  if (!strings.every((k) => typeof v[k] === 'string') || !numbers.every((k) => typeof v[k] === 'number'))
    return undefined;
  const bytes = Buffer.from(v.vector as string, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) return undefined;
  const vector = new Float32Array(bytes.length / 4);
  new Uint8Array(vector.buffer).set(bytes);
  return { ...(v as unknown as CacheEntry), vector };
}
