/**
 * The models of the shipped default policy, as the deployment files (Envoy routes, compose backends)
 * must mirror them. Only the fields those files depend on are read: `models[].name` and
 * `models[].endpoint.cluster`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_POLICY_PATH = path.join(REPO_ROOT, 'policies', 'default.yaml');

export interface PolicyModel {
  name: string;
  cluster: string;
}

const PolicyModels = z.looseObject({
  models: z
    .array(
      z.looseObject({
        name: z.string().min(1),
        endpoint: z.looseObject({ cluster: z.string().min(1) }),
      }),
    )
    .min(1),
});

/** Reads `models: [{ name, endpoint: { cluster } }]` from a policy file; throws a clear error if it can't. */
export function readPolicyModels(file: string = DEFAULT_POLICY_PATH): PolicyModel[] {
  const shown = path.relative(REPO_ROOT, file) || file;
  if (!fs.existsSync(file)) {
    throw new Error(
      `${shown} does not exist. The Envoy routes and the compose backends are checked against the models ` +
        'it lists (models: [{ name, endpoint: { cluster } }]), so it must be present.',
    );
  }
  const parsed = PolicyModels.safeParse(parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(
      `${shown} does not list its models as models: [{ name, endpoint: { cluster } }]: ${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data.models.map((m) => ({ name: m.name, cluster: m.endpoint.cluster }));
}
