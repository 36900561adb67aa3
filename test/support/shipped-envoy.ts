/**
 * The ext_proc filter settings of the shipped envoy/envoy.yaml that decide what Envoy does when the
 * router is slow or fails, as emulator options: tests that probe those paths run the way the
 * shipped stack would.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FilterConfig } from 'envoy-extproc-emulator';
import { parse } from 'yaml';
import { REPO_ROOT } from './default-policy.ts';

const EXT_PROC_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor';

function seconds(duration: unknown): number {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(String(duration));
  if (!match) throw new Error(`not a duration: ${String(duration)}`);
  return Number(match[1]);
}

/** Finds the ext_proc filter's typed config anywhere in the bootstrap. */
function findExtProc(node: unknown): Record<string, unknown> | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  if ((node as Record<string, unknown>)['@type'] === EXT_PROC_TYPE) return node as Record<string, unknown>;
  for (const value of Object.values(node)) {
    const found = findExtProc(value);
    if (found) return found;
  }
  return undefined;
}

export function shippedFilterConfig(): FilterConfig {
  const config = findExtProc(parse(fs.readFileSync(path.join(REPO_ROOT, 'envoy', 'envoy.yaml'), 'utf8')));
  if (!config) throw new Error('envoy/envoy.yaml has no ext_proc filter');
  return {
    failureModeAllow: config.failure_mode_allow === true,
    messageTimeoutMs: seconds(config.message_timeout) * 1000,
    maxMessageTimeoutMs: seconds(config.max_message_timeout) * 1000,
  };
}
