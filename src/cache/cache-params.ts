import { z } from 'zod';

const Threshold = z
  .number()
  .min(0)
  .max(1)
  .describe(
    "Lowest similarity (cosine under the policy's encoder) for a semantic hit; the verifier must agree as well. Set it from your own pairs with `semantic-router cache calibrate`.",
  );
const TtlSeconds = z
  .number()
  .int()
  .min(1)
  .max(31_536_000)
  .describe('How long an entry is served, in seconds.');
const MaxEntries = z
  .number()
  .int()
  .min(1)
  .max(10_000_000)
  .describe(
    "Entries kept per category (per replica's index); above it the least valuable leave first: expired ones, then those least hit per byte (aged: an entry hit long ago gives way to newer ones in time).",
  );

const Category = z
  .object({
    decision: z.string().min(1).optional().describe('The decision whose requests this category covers.'),
    domain: z
      .string()
      .min(1)
      .optional()
      .describe('A domain label (the evidence of a `domain` signal) whose requests this category covers.'),
    enabled: z.boolean().optional().describe('Whether requests of this category are looked up and stored.'),
    threshold: Threshold.optional(),
    ttlSeconds: TtlSeconds.optional(),
    maxEntries: MaxEntries.optional(),
  })
  .strict();

/** The policy's `cache` block. */
export const CacheParams = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe('Whether the cache runs at all (the default for each category).'),
    scope: z
      .enum(['tenant', 'global'])
      .default('tenant')
      .describe(
        '`tenant`: a hit needs the same identity (the `identityHeaders`); a request without them is neither looked up nor stored. `global`: every caller shares entries (only for answers that are the same for everyone).',
      ),
    identityHeaders: z
      .array(z.string().min(1).toLowerCase())
      .min(1)
      .default(['x-tenant-id'])
      .describe('Headers whose values together name the tenant or user an entry belongs to.'),
    threshold: Threshold.default(0.96),
    ttlSeconds: TtlSeconds.default(3600),
    maxEntries: MaxEntries.default(100_000),
    verifier: z
      .object({
        enabled: z.boolean().default(true).describe('Whether semantic candidates must pass the verifier.'),
        maxUnmatchedWords: z
          .number()
          .int()
          .min(0)
          .max(50)
          .default(6)
          .describe('Content words the two questions may not share (both sides together).'),
        maxUnmatchedShare: z
          .number()
          .min(0)
          .max(1)
          .default(0.34)
          .describe(
            "The same, as a share of the longer question's content words (the smaller limit applies).",
          ),
        maxExtraWords: z
          .number()
          .int()
          .min(0)
          .max(50)
          .default(1)
          .describe(
            'How many more unshared content words one question may have than the other (a paraphrase swaps words, a different question adds some).',
          ),
      })
      .strict()
      .default({ enabled: true, maxUnmatchedWords: 6, maxUnmatchedShare: 0.34, maxExtraWords: 1 })
      .describe(
        'What a semantic candidate must also agree on: negation, numbers and units, names, the question word, content words.',
      ),
    store: z
      .object({
        maxTemperature: z
          .number()
          .min(0)
          .max(2)
          .default(1)
          .describe('Requests sampled hotter than this are neither looked up nor stored.'),
        pii: z
          .boolean()
          .default(false)
          .describe(
            'Whether requests with personal data are cached: data a `pii` signal of the policy found or a `pii` plugin of the decision acted on (redacted, or kept to private models), or an identifier (e-mail, phone, card, IBAN, SSN, IP address) the cache finds itself with the same detectors, in any policy.',
          ),
        toolResults: z
          .boolean()
          .default(false)
          .describe('Whether conversations carrying tool or function results are cached.'),
      })
      .strict()
      .default({ maxTemperature: 1, pii: false, toolResults: false })
      .describe('What may be cached at all (requests asking for `n` > 1 choices never are).'),
    snapshotFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Without a `redis` block: a file (relative to the policy file) the entries and their answers are written to when the router stops (and every `snapshotIntervalSeconds`), and read back from when it starts, so that a restart keeps them; entries expired meanwhile, or made with another encoder, are dropped. The answers are kept in the clear: protect the file as the cache itself. Ignored with `redis`, which keeps them.',
      ),
    snapshotIntervalSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(600)
      .describe(
        'With `snapshotFile`: how often the snapshot is also written while the router serves, so that a crash loses at most this much (0: only when the router stops).',
      ),
    maxResponseBytes: z
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(1024 * 1024)
      .describe('Responses larger than this are not stored.'),
    loadAdaptive: z
      .object({
        maxInFlight: z
          .number()
          .int()
          .min(1)
          .describe('A model with more requests in flight than this (through this replica) is overloaded.'),
        maxLatencyMs: z
          .number()
          .min(0)
          .describe('So is one whose time to first byte (a moving average) is above this.'),
        maxErrorRate: z
          .number()
          .min(0)
          .max(1)
          .describe('So is one whose share of failed answers (5xx or cut; a moving average) is above this.'),
        threshold: Threshold.describe(
          "The lowest similarity an overloaded model's categories then accept (never above their own threshold; the verifier still applies).",
        ),
        ttlSeconds: TtlSeconds.describe(
          "The oldest entry an overloaded model's categories then serve (entries are kept this long, and served past their category's TTL only while the model is overloaded).",
        ),
      })
      .strict()
      .optional()
      .describe(
        'When the model that would answer is overloaded, its requests may be served from the cache more readily: a lower threshold and older entries, within these bounds. Absent: never.',
      ),
    categories: z
      .array(Category)
      .default([])
      .describe(
        "Per decision or per domain label: enabled, threshold, TTL, quota; the first that matches a request applies, the block's own values fill in the rest.",
      ),
  })
  .strict();

export type CacheParams = z.infer<typeof CacheParams>;

/** The settings that apply to one request's category. */
export interface CategorySettings {
  readonly name: string;
  readonly enabled: boolean;
  readonly threshold: number;
  readonly ttlSeconds: number;
  readonly maxEntries: number;
}

/** Cross-field checks: a category names exactly one of decision or domain. */
export function cacheParamProblems(params: CacheParams): string[] {
  return params.categories.flatMap((category, i) =>
    (category.decision === undefined) === (category.domain === undefined)
      ? [`categories[${i}] must name exactly one of decision or domain`]
      : [],
  );
}
