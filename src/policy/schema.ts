import { z } from 'zod';
import { type Rule, RuleSchema } from '../decision/rule-schema.ts';
import { ModelSchema } from '../selection/model-spec.ts';
import { type RedisSettings, RedisSettingsSchema } from '../state/redis-settings.ts';
import type { Registry } from './registry.ts';

export const API_VERSION = 'semantic-router.io/v1';
export const KIND = 'RoutingPolicy';

const Name = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/, 'names are lower-case letters, digits, ".", "_" and "-"');

const SettingsSchema = z
  .object({
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .max(64 * 1024 * 1024)
      .default(10 * 1024 * 1024)
      .describe('Larger request bodies are answered 413.'),
    maxJsonDepth: z
      .number()
      .int()
      .min(4)
      .max(1000)
      .default(64)
      .describe(
        'A body that nests arrays and objects deeper is answered 400 (checked before parsing, so a hostile body costs little).',
      ),
    maxJsonValues: z
      .number()
      .int()
      .min(16)
      .max(10_000_000)
      .default(100_000)
      .describe(
        'A body with more JSON values (array elements and object members, counted over the whole body) is answered 400. Parsing millions of tiny values takes seconds; chat bodies have a few thousand.',
      ),
    maxMessages: z
      .number()
      .int()
      .positive()
      .max(1_000_000)
      .default(2048)
      .describe('A request with more messages is answered 400.'),
    budgetMs: z
      .number()
      .int()
      .min(10)
      .max(60_000)
      .default(1000)
      .describe(
        "The router answers every request body within this time. Work that grows with the request (scanning a long prompt, counting its tokens) runs in slices that let other requests through, and stops when the budget is spent: signals still running then count as failed (see `onGuardFailure`), and a request still unanswered gets the `onError` answer. Keep it below the `message_timeout` of Envoy's ext_proc filter, or Envoy gives up first (and, with `failure_mode_allow: true`, forwards the request unchecked).",
      ),
    chatPaths: z
      .array(z.string().startsWith('/'))
      .min(1)
      .default(['/v1/chat/completions', '/chat/completions'])
      .describe(
        'Request paths (query string ignored) treated as OpenAI chat completions; others pass through.',
      ),
    modelsPaths: z
      .array(z.string().startsWith('/'))
      .default(['/v1/models', '/models'])
      .describe(
        '`GET` on these paths (query string ignored) is answered by the router: the virtual models and every model of the policy, in the OpenAI list format. `[]` passes them through to the backend.',
      ),
    virtualModels: z
      .array(z.string().min(1))
      .default(['auto'])
      .describe('Model names that ask the router to choose.'),
    honorRequestedModel: z
      .boolean()
      .default(true)
      .describe(
        'When the request names a model of this policy, forward to it whatever decision matched (its plugins, including reject, still apply). `false`: always route by policy.',
      ),
    unknownModel: z
      .enum(['route', 'reject'])
      .default('route')
      .describe('A requested model that is neither virtual nor in `models`: route by policy, or answer 400.'),
    signalTimeoutMs: z
      .number()
      .positive()
      .default(200)
      .describe(
        'A signal that waits on a model (`embedding`, `domain`, `jailbreak`) longer than this fails: it does not match (and is counted), and its answer is unknown (see `onGuardFailure`). Other signals are bounded by `budgetMs`.',
      ),
    onError: z
      .enum(['default-route', 'reject'])
      .default('default-route')
      .describe(
        'An internal failure while routing, or a request still unanswered when `budgetMs` is spent: forward to the default decision without its plugins (fail open) or answer 503 (fail closed). When the policy has guards, `onGuardFailure` decides instead: a failure could have hidden what a guard would have caught.',
      ),
    onGuardFailure: z
      .enum(['reject', 'continue'])
      .default('reject')
      .describe(
        'A guard is a decision that protects: it has a `reject` or `pii` plugin, or says `guard: true`. When a guard cannot be evaluated (a signal its rule reads failed or timed out, so its rule might have held), when one of its plugins fails, or when routing fails or runs out of time in a policy with guards: `reject` answers 503 `guard_unavailable` and forwards nothing (fail closed); `continue` carries on as if the guard did not match (fail open) and counts `guard_skipped`.',
      ),
  })
  .strict();

/** The policy's sentence encoder: every embedding signal (and later the cache) reads its vectors. */
const EncoderSchema = z
  .discriminatedUnion('type', [
    z
      .object({ type: z.literal('static') })
      .strict()
      .describe('The embedded encoder: GloVe-derived word vectors, 100 dimensions, built at first start.'),
    z
      .object({
        type: z.literal('onnx'),
        model: z.string().min(1).describe('Path of the ONNX encoder (relative to the policy file).'),
        tokenizer: z
          .string()
          .min(1)
          .describe("Path of the encoder's Hugging Face `tokenizer.json` (relative to the policy file)."),
        pooling: z
          .enum(['mean', 'cls'])
          .default('mean')
          .describe('How token vectors become one sentence vector, when the model outputs token vectors.'),
        maxTokens: z.number().int().positive().max(8192).default(256).describe('Longer texts are truncated.'),
        name: Name.optional().describe('Names the encoder in logs and vector ids; the file name by default.'),
      })
      .strict()
      .describe('A sentence encoder you provide (BERT, MiniLM, ModernBERT style) with its tokenizer.'),
  ])
  .describe(
    'The sentence encoder of `embedding` signals: `static` (embedded, default) or `onnx` (your own model). Trained heads (`domain`, `jailbreak`) read the encoder they were trained on.',
  );

export type EncoderSpec = z.infer<typeof EncoderSchema>;

function nonEmpty<T>(items: T[], what: string): [T, ...T[]] {
  const [first, ...rest] = items;
  if (first === undefined) throw new Error(`the registry has no ${what} types`);
  return [first, ...rest];
}

/** Builds the one schema of the policy file from the signal and plugin types of a registry. */
export function createPolicySchema(registry: Registry) {
  const entry = (type: string, params: z.ZodObject, extra: z.ZodRawShape) =>
    params.extend({ type: z.literal(type), ...extra }).strict();
  const signalEntries = registry.signals.map((d) =>
    entry(d.type, d.params, { name: Name, description: z.string().optional() }),
  );
  const pluginEntries = registry.plugins.map((d) => entry(d.type, d.params, {}));
  const selectionEntries = registry.selections.map((d) =>
    d.params.extend({ method: z.literal(d.method).describe(d.description) }).strict(),
  );
  const SelectionSpec = z
    .discriminatedUnion('method', nonEmpty(selectionEntries, 'selection'))
    .default({ method: 'static' })
    .describe('How the model is chosen among the candidates that may serve the request; see Selection.');
  const SignalSpec = z.discriminatedUnion('type', nonEmpty(signalEntries, 'signal'));
  const PluginSpec = z.discriminatedUnion('type', nonEmpty(pluginEntries, 'plugin'));

  const DecisionSchema = z
    .object({
      name: Name.describe('Unique; sent in `x-router-decision` and used as a metrics label.'),
      description: z.string().optional(),
      priority: z
        .number()
        .int()
        .default(0)
        .describe('Higher priorities are evaluated first; equal priorities keep file order.'),
      when: RuleSchema.describe('The condition.'),
      models: z.array(z.string().min(1)).min(1).describe('Candidate models, in order of preference.'),
      selection: SelectionSpec,
      plugins: z
        .array(PluginSpec)
        .default([])
        .describe('Run in order once this decision is chosen; see Plugins.'),
      guard: z
        .boolean()
        .optional()
        .describe(
          'The decision protects (see `settings.onGuardFailure`). By default, a decision with a `reject` or `pii` plugin is a guard; set `true` for another that must not be skipped (e.g. one that sends suspected attacks to the most robust model), or `false` to let a failure pass it by.',
        ),
    })
    .strict();

  const DefaultDecisionSchema = z
    .object({
      name: Name.default('default'),
      description: z.string().optional(),
      models: z
        .array(z.string().min(1))
        .min(1)
        .describe('Candidate models; the first is also the fail-open target.'),
      selection: SelectionSpec,
      plugins: z.array(PluginSpec).default([]).describe('See Plugins.'),
    })
    .strict()
    .describe('Used when no decision matches, and when routing fails with `onError: default-route`.');

  const stageBlocks = Object.fromEntries(
    registry.stages.map((d) => [d.key, d.params.strict().optional().describe(d.description)]),
  );
  return z
    .object({
      apiVersion: z.literal(API_VERSION),
      kind: z.literal(KIND),
      metadata: z
        .object({ name: Name.describe('Shown in /readyz and logs.'), description: z.string().optional() })
        .strict()
        .optional(),
      settings: SettingsSchema.default(SettingsSchema.parse({})),
      encoder: EncoderSchema.default({ type: 'static' }),
      models: z.array(ModelSchema).min(1).describe('Every model the router may choose.'),
      signals: z.array(SignalSpec).default([]).describe('Facts computed for every request; see Signals.'),
      decisions: z.array(DecisionSchema).default([]).describe('Routing decisions; see Rules.'),
      defaultDecision: DefaultDecisionSchema,
      redis: RedisSettingsSchema.optional(),
      ...stageBlocks,
    })
    .strict();
}

/** The checked policy as written (defaults filled in). Signal and plugin specs keep their own params. */
export interface Policy {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata?: { name: string; description?: string | undefined } | undefined;
  settings: z.infer<typeof SettingsSchema>;
  encoder: EncoderSpec;
  models: z.infer<typeof ModelSchema>[];
  signals: SignalSpec[];
  decisions: DecisionSpec[];
  defaultDecision: Omit<DecisionSpec, 'priority' | 'when' | 'guard'>;
  redis?: RedisSettings | undefined;
  /** The blocks of the registry's stages, by key (`cache: {...}`), when present. */
  [stage: string]: unknown;
}

export type PolicySettings = z.infer<typeof SettingsSchema>;

export interface SignalSpec {
  type: string;
  name: string;
  description?: string | undefined;
  [param: string]: unknown;
}

export interface SelectionSpec {
  method: string;
  [param: string]: unknown;
}

export interface PluginSpec {
  type: string;
  [param: string]: unknown;
}

export interface DecisionSpec {
  name: string;
  description?: string | undefined;
  priority: number;
  when: Rule;
  models: string[];
  selection: SelectionSpec;
  plugins: PluginSpec[];
  guard?: boolean | undefined;
}
