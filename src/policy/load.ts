import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Embedder } from '../models/embedder.ts';
import type { ModelLibrary } from '../models/model-library.ts';
import { sharedModelLibrary } from '../models/shared-model-library.ts';
import { compilePolicy, createSignalContext } from './compile.ts';
import { parsePolicy } from './parse.ts';
import type { Registry } from './registry.ts';
import type { RuntimePolicy } from './runtime-policy.ts';

/** Parses and compiles policy text; throws a PolicyError listing every problem. */
export function loadPolicyText(
  text: string,
  registry: Registry,
  source: string,
  models?: ModelLibrary,
): RuntimePolicy {
  const { policy, locate } = parsePolicy(text, registry, source);
  return compilePolicy(policy, registry, { source, text, locate, ...(models && { models }) });
}

/** Reads, parses and compiles a policy file. */
export function loadPolicyFile(file: string, registry: Registry, models?: ModelLibrary): RuntimePolicy {
  return loadPolicyText(readFileSync(file, 'utf8'), registry, file, models);
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
