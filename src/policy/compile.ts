import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { type SignalConstraint, satisfiable } from '../decision/analysis.ts';
import { type CompiledRule, compileRule } from '../decision/rule.ts';
import type { ModelLibrary } from '../models/model-library.ts';
import { sharedModelLibrary } from '../models/shared-model-library.ts';
import { canonicalJson } from '../request/canonical-json.ts';
import type { ModelSpec } from '../selection/model-spec.ts';
import type { Selector } from '../selection/selector.ts';
import { type CompiledSignal, type SignalContext, signalKey } from '../signals/signal.ts';
import { signalOrder } from '../signals/signal-runner.ts';
import type { RouteStage } from '../stages/route-stage.ts';
import type { RedisConnections, SharedRedis } from '../state/redis-connections.ts';
import type { RedisSettings } from '../state/redis-settings.ts';
import type { Locator } from './parse.ts';
import { PolicyError, type PolicyIssue } from './policy-error.ts';
import type { Registry } from './registry.ts';
import type { CompiledDecision, CompiledPlugin, RuntimePolicy } from './runtime-policy.ts';
import type { EncoderSpec, PluginSpec, Policy, SelectionSpec, SignalSpec } from './schema.ts';

/** Stands in for a selector that could not be built: the policy is refused, so it never runs. */
const UNBUILT_SELECTOR: Selector = {
  select() {
    throw new Error('this selector could not be built');
  },
};

type Path = (string | number)[];

/** What signal factories get: the model library and the policy's encoder, paths resolved from `baseDir`. */
export function createSignalContext(
  encoder: EncoderSpec,
  models: ModelLibrary,
  baseDir: string,
): SignalContext {
  const resolvePath = (path: string) => resolve(baseDir, path);
  return {
    models,
    resolvePath,
    encoder: () =>
      encoder.type === 'static'
        ? models.staticEncoder()
        : models.transformerEncoder({
            model: resolvePath(encoder.model),
            tokenizer: resolvePath(encoder.tokenizer),
            pooling: encoder.pooling,
            maxTokens: encoder.maxTokens,
            name: encoder.name,
          }),
  };
}

function specParams(spec: SignalSpec | PluginSpec): Record<string, unknown> {
  const { type: _type, name: _name, description: _description, ...params } = spec;
  return params;
}

/**
 * Builds a RuntimePolicy: creates every signal and plugin, checks references, compiles rules, and
 * reports decisions that can never match or are always pre-empted by higher-priority ones.
 * Throws a PolicyError with every error found; warnings are kept on the result.
 */
export function compilePolicy(
  policy: Policy,
  registry: Registry,
  options: {
    source: string;
    text: string;
    locate?: Locator;
    /** Where models come from; the process-wide library by default. */
    models?: ModelLibrary;
    /** The folder relative paths are resolved from; the source file's folder by default. */
    baseDir?: string;
    /**
     * The router's process-wide state, which selectors keep what they learn in (it outlives the
     * policy); a fresh one by default.
     */
    processState?: object;
    /**
     * The router's Redis connections: a policy with a `redis` block gets its connection from here.
     * Without them (validate, explain) the policy's state is kept in memory.
     */
    redis?: RedisConnections;
  },
): RuntimePolicy {
  const processState = options.processState ?? {};
  const issues: PolicyIssue[] = [];
  const issueAt = (severity: PolicyIssue['severity'], path: Path, message: string): PolicyIssue => ({
    severity,
    path,
    message,
    ...options.locate?.(path),
  });
  const report = (severity: PolicyIssue['severity'], path: Path, message: string) =>
    issues.push(issueAt(severity, path, message));

  const models = new Map<string, ModelSpec>();
  policy.models.forEach((model, i) => {
    if (models.has(model.name))
      report('error', ['models', i, 'name'], `model ${model.name} is defined twice`);
    models.set(model.name, model);
  });
  const virtualModels = new Set(policy.settings.virtualModels);
  for (const [i, name] of policy.settings.virtualModels.entries()) {
    if (models.has(name)) {
      report('error', ['settings', 'virtualModels', i], `${name} is both a virtual model and a real one`);
    }
  }

  const context = createSignalContext(
    policy.encoder,
    options.models ?? sharedModelLibrary(),
    options.baseDir ?? dirname(resolve(options.source)),
  );
  const signals: CompiledSignal[] = [];
  const signalParams: Record<string, unknown>[] = [];
  const vets: Promise<PolicyIssue[]>[] = [];
  const fixed = new Map<number, boolean>();
  const indexByKey = new Map<string, number>();
  policy.signals.forEach((spec, i) => {
    const definition = registry.signals.find((d) => d.type === spec.type);
    const key = signalKey(spec.type, spec.name);
    if (!definition) return; // the schema already rejected unknown types
    if (indexByKey.has(key)) {
      report('error', ['signals', i, 'name'], `signal ${key} is defined twice`);
      return;
    }
    const params = specParams(spec);
    const problems = definition.validate?.(params) ?? [];
    for (const problem of problems) report('error', ['signals', i], problem);
    if (problems.length > 0) return;
    try {
      const signal = definition.create(params, context);
      indexByKey.set(key, signals.length);
      signals.push({
        key,
        type: spec.type,
        signal,
        waitsOnModel: definition.waitsOnModel === true,
        readByGuard: false,
        cheap: definition.cheap === true,
      });
      signalParams.push(params);
      const constant = definition.constant?.(params);
      if (constant !== undefined) {
        fixed.set(signals.length - 1, constant);
        report(
          'warning',
          ['signals', i],
          `signal ${key} ${constant ? 'always' : 'never'} matches, whatever the request: a rule that reads it does not depend on it`,
        );
      }
      if (definition.vet) {
        const path = ['signals', i];
        vets.push(
          definition.vet(params).then(
            (problems) => problems.map((p) => issueAt('error', [...path, ...(p.at ?? [])], p.message)),
            (error: Error) => [issueAt('error', path, `cannot check signal ${key}: ${error.message}`)],
          ),
        );
      }
    } catch (error) {
      report('error', ['signals', i], `cannot build signal ${key}: ${(error as Error).message}`);
    }
  });

  const constraints: SignalConstraint[] = [];
  for (let a = 0; a < signals.length; a++) {
    for (let b = 0; b < signals.length; b++) {
      const sa = signals[a];
      const sb = signals[b];
      if (a === b || !sa || !sb || sa.type !== sb.type) continue;
      const relate = registry.signals.find((d) => d.type === sa.type)?.relate;
      const relation = relate?.(signalParams[a] ?? {}, signalParams[b] ?? {}) ?? 'unknown';
      if (relation !== 'unknown') constraints.push({ a, b, relation });
    }
  }

  const buildPlugins = (specs: PluginSpec[], path: Path): CompiledPlugin[] =>
    specs.flatMap((spec, i) => {
      const definition = registry.plugins.find((d) => d.type === spec.type);
      if (!definition) return [];
      const params = specParams(spec);
      const problems = definition.validate?.(params) ?? [];
      for (const problem of problems) report('error', [...path, i], problem);
      if (problems.length > 0) return [];
      try {
        return [
          { type: spec.type, plugin: definition.create(params), protects: definition.protects === true },
        ];
      } catch (error) {
        report('error', [...path, i], `cannot build plugin ${spec.type}: ${(error as Error).message}`);
        return [];
      }
    });
  const redis = connectRedis(policy.redis, options.redis, report);
  const buildSelector = (spec: SelectionSpec, decision: string, path: Path): Selector => {
    const definition = registry.selections.find((d) => d.method === spec.method);
    const { method: _method, ...params } = spec;
    const problems = definition?.validate?.(params) ?? [];
    for (const problem of problems) report('error', path, problem);
    try {
      if (definition && problems.length === 0)
        return definition.create(params, { decision, processState, redis, signalContext: context });
    } catch (error) {
      report('error', path, `cannot build selection ${spec.method}: ${(error as Error).message}`);
    }
    return UNBUILT_SELECTOR;
  };
  const isGuard = (plugins: readonly CompiledPlugin[], declared: boolean | undefined) =>
    declared ?? plugins.some((plugin) => plugin.protects);

  const resolveModels = (names: string[], path: Path): ModelSpec[] =>
    names.flatMap((name, i) => {
      const model = models.get(name);
      if (!model)
        report(
          'error',
          [...path, i],
          `unknown model ${name} (defined models: ${[...models.keys()].join(', ')})`,
        );
      return model ? [model] : [];
    });

  const stages: RouteStage[] = [];
  for (const definition of registry.stages) {
    const block = policy[definition.key];
    if (block === undefined) continue;
    const params = block as Record<string, unknown>;
    const problems = definition.validate?.(params) ?? [];
    for (const problem of problems) report('error', [definition.key], problem);
    if (problems.length > 0) continue;
    try {
      stages.push(
        definition.create(params, {
          processState,
          redis,
          resolvePath: context.resolvePath,
          encoder: context.encoder,
        }),
      );
    } catch (error) {
      report('error', [definition.key], `cannot build ${definition.key}: ${(error as Error).message}`);
    }
  }

  const used = new Set<number>();
  const decisionNames = new Set<string>();
  const decisions: (CompiledDecision & { index: number; rule: CompiledRule })[] = policy.decisions.map(
    (spec, i) => {
      if (decisionNames.has(spec.name))
        report('error', ['decisions', i, 'name'], `decision ${spec.name} is defined twice`);
      decisionNames.add(spec.name);
      const rule = compileRule(
        spec.when,
        (key) => indexByKey.get(key),
        (key, path) =>
          report(
            'error',
            ['decisions', i, 'when', ...path],
            `unknown signal ${key} (declare it under signals)`,
          ),
      );
      const plugins = buildPlugins(spec.plugins, ['decisions', i, 'plugins']);
      const guard = isGuard(plugins, spec.guard);
      for (const key of collectLeaves(rule)) {
        used.add(key);
        const signal = signals[key];
        if (guard && signal) signal.readByGuard = true;
      }
      return {
        index: i,
        name: spec.name,
        ...(spec.description !== undefined && { description: spec.description }),
        priority: spec.priority,
        rule,
        candidates: resolveModels(spec.models, ['decisions', i, 'models']),
        plugins,
        setup: setupDigest(spec.plugins),
        guard,
        selector: buildSelector(spec.selection, spec.name, ['decisions', i, 'selection']),
      };
    },
  );
  const defaultSpec = policy.defaultDecision;
  if (decisionNames.has(defaultSpec.name)) {
    report('error', ['defaultDecision', 'name'], `${defaultSpec.name} is also the name of a decision`);
  }
  const defaultPlugins = buildPlugins(defaultSpec.plugins, ['defaultDecision', 'plugins']);
  const defaultDecision: CompiledDecision = {
    name: defaultSpec.name,
    ...(defaultSpec.description !== undefined && { description: defaultSpec.description }),
    priority: Number.NEGATIVE_INFINITY,
    rule: undefined,
    candidates: resolveModels(defaultSpec.models, ['defaultDecision', 'models']),
    plugins: defaultPlugins,
    setup: setupDigest(defaultSpec.plugins),
    guard: isGuard(defaultPlugins, undefined),
    selector: buildSelector(defaultSpec.selection, defaultSpec.name, ['defaultDecision', 'selection']),
  };

  signals.forEach((s, i) => {
    if (!used.has(i)) {
      const at = policy.signals.findIndex((spec) => signalKey(spec.type, spec.name) === s.key);
      report(
        'warning',
        ['signals', at],
        `signal ${s.key} is not used by any decision (it still shows in explain)`,
      );
    }
  });

  decisions.sort((a, b) => b.priority - a.priority || a.index - b.index);
  if (!issues.some((i) => i.severity === 'error')) analyseReachability(decisions, constraints, fixed, report);
  if (issues.some((i) => i.severity === 'error')) throw new PolicyError(options.source, issues);

  return {
    policy,
    source: options.source,
    digest: createHash('sha256').update(options.text).digest('hex'),
    settings: policy.settings,
    models,
    signals,
    signalOrder: signalOrder(signals),
    stages,
    redis,
    decisions: decisions.map(({ index: _index, ...decision }) => decision),
    defaultDecision,
    chatPaths: new Set(policy.settings.chatPaths),
    modelsPaths: new Set(policy.settings.modelsPaths),
    loadedAt: Date.now(),
    virtualModels,
    hasGuards: defaultDecision.guard || decisions.some((d) => d.guard),
    warnings: issues,
    vetting: Promise.all(vets).then((found) => found.flat()),
  };
}

/** The policy's Redis connection, when it names one and the router has connections to give. */
function connectRedis(
  settings: RedisSettings | undefined,
  connections: RedisConnections | undefined,
  report: (severity: PolicyIssue['severity'], path: Path, message: string) => void,
): SharedRedis | undefined {
  if (!settings || !connections) return undefined;
  const { optional, urlEnv } = settings;
  if (optional && urlEnv !== undefined && !process.env[urlEnv]) {
    report('warning', ['redis', 'urlEnv'], `${urlEnv} is not set: shared state is kept in memory`);
    return undefined;
  }
  try {
    return connections.connect(settings);
  } catch (error) {
    report('error', ['redis', settings.urlEnv === undefined ? 'url' : 'urlEnv'], (error as Error).message);
    return undefined;
  }
}

function collectLeaves(rule: CompiledRule, into: number[] = []): number[] {
  if (rule.op === 'signal') into.push(rule.index);
  else if (rule.op === 'not') collectLeaves(rule.rule, into);
  else for (const r of rule.rules) collectLeaves(r, into);
  return into;
}

function analyseReachability(
  ordered: readonly { index: number; name: string; rule: CompiledRule }[],
  constraints: readonly SignalConstraint[],
  fixed: ReadonlyMap<number, boolean>,
  report: (severity: PolicyIssue['severity'], path: Path, message: string) => void,
): void {
  ordered.forEach((decision, position) => {
    const path = ['decisions', decision.index, 'when'];
    const alone = satisfiable([decision.rule], [], constraints, fixed);
    if (alone === 'no') {
      report('error', path, `decision ${decision.name} can never match: its rule contradicts itself`);
      return;
    }
    const earlier = ordered.slice(0, position);
    const reachable = satisfiable(
      [decision.rule],
      earlier.map((d) => d.rule),
      constraints,
      fixed,
    );
    if (reachable === 'no') {
      const shadows = earlier.filter(
        (d) => satisfiable([decision.rule, d.rule], [], constraints, fixed) !== 'no',
      );
      report(
        'error',
        path,
        `decision ${decision.name} is unreachable: whenever it matches, ${shadows
          .map((d) => d.name)
          .join(' or ')} matches first (raise its priority or narrow the earlier rule)`,
      );
    } else if (alone === 'unknown' || reachable === 'unknown') {
      report('warning', path, `decision ${decision.name} has too many signals to check for reachability`);
    }
  });
  const always = ordered.find((d) => satisfiable([], [d.rule], constraints, fixed) === 'no');
  if (always) {
    report(
      'warning',
      ['decisions', always.index, 'when'],
      `decision ${always.name} always matches: the default decision is never used`,
    );
  }
}

/** A digest of a decision's plugins and their settings (see `CompiledDecision.setup`). */
function setupDigest(plugins: readonly PluginSpec[]): string {
  return createHash('sha256').update(canonicalJson(plugins)).digest('base64url').slice(0, 16);
}
