import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Embedder } from '../models/embedder.ts';
import type { ModelLibrary } from '../models/model-library.ts';
import { sharedModelLibrary } from '../models/shared-model-library.ts';
import type { RedisConnections } from '../state/redis-connections.ts';
import { compilePolicy, createSignalContext } from './compile.ts';
import { parsePolicy } from './parse.ts';
import { PolicyError } from './policy-error.ts';
import type { Registry } from './registry.ts';
import type { RuntimePolicy } from './runtime-policy.ts';

/** What a policy is compiled against besides its registry (see `compilePolicy`). */
export interface LoadOptions {
  /** Where models come from; the process-wide library by default. */
  models?: ModelLibrary;
  /** The router's process-wide state, kept across reloads; a fresh one by default. */
  processState?: object;
  /** The router's Redis connections (the policy's `redis` block connects through them); none by default. */
  redis?: RedisConnections;
}

/** Parses and compiles policy text; throws a PolicyError listing every problem. */
export function loadPolicyText(
  text: string,
  registry: Registry,
  source: string,
  options: LoadOptions = {},
): RuntimePolicy {
  const { policy, locate } = parsePolicy(text, registry, source);
  return compilePolicy(policy, registry, { source, text, locate, ...options });
}

/** Reads, parses and compiles a policy file. */
export function loadPolicyFile(file: string, registry: Registry, options: LoadOptions = {}): RuntimePolicy {
  return loadPolicyText(readFileSync(file, 'utf8'), registry, file, options);
}

/**
 * Reads, parses and compiles a policy file, then waits for the checks too slow to run while
 * compiling (regular expressions shown to run in linear time). This is how the router and the CLI
 * load a policy they will serve or vouch for; throws a PolicyError listing every problem.
 */
export async function loadVettedPolicyFile(
  file: string,
  registry: Registry,
  options: LoadOptions = {},
): Promise<RuntimePolicy> {
  const policy = loadPolicyFile(file, registry, options);
  const problems = await policy.vetting;
  if (problems.length > 0) throw new PolicyError(file, [...problems, ...policy.warnings]);
  return policy;
}

/**
 * The sentence encoder a policy file names (`encoder:`, the embedded one by default), loaded the way
 * the router loads it (paths relative to the file, same name and id), so a head trained over it
 * binds to that policy's encoder at run time. Only the policy's schema is checked, not its models.
 */
export async function loadPolicyEncoder(
  file: string,
  registry: Registry,
  models: ModelLibrary = sharedModelLibrary(),
): Promise<Embedder> {
  const { policy } = parsePolicy(readFileSync(file, 'utf8'), registry, file);
  return createSignalContext(policy.encoder, models, dirname(resolve(file)))
    .encoder()
    .get();
}
