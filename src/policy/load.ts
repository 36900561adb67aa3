import { readFileSync } from 'node:fs';
import type { ModelLibrary } from '../models/model-library.ts';
import { compilePolicy } from './compile.ts';
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
