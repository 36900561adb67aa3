/**
 * The parts of the shipped default policy that the deployment files (Envoy routes and limits,
 * compose backends) must mirror: `models[].name`, `models[].endpoint.cluster` and
 * `settings.maxBodyBytes`. Nothing else is read here; the router validates the full policy.
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

const PolicyFacts = z.looseObject({
  settings: z.looseObject({ maxBodyBytes: z.number().int().positive().optional() }).optional(),
  models: z
    .array(
      z.looseObject({
        name: z.string().min(1),
        endpoint: z.looseObject({ cluster: z.string().min(1) }),
      }),
    )
    .min(1),
});

export interface PolicyFacts {
  models: PolicyModel[];
  /** `settings.maxBodyBytes`, when the policy sets it. */
  maxBodyBytes: number | undefined;
}

/** Reads the deployment-relevant facts of a policy file; throws a clear error if it can't. */
export function readPolicy(file: string = DEFAULT_POLICY_PATH): PolicyFacts {
  const shown = path.relative(REPO_ROOT, file) || file;
  if (!fs.existsSync(file)) {
    throw new Error(
      `${shown} does not exist. The Envoy routes and the compose backends are checked against the models ` +
        'it lists (models: [{ name, endpoint: { cluster } }]), so it must be present.',
    );
  }
  const parsed = PolicyFacts.safeParse(parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(
      `${shown} does not list its models as models: [{ name, endpoint: { cluster } }]: ${z.prettifyError(parsed.error)}`,
    );
  }
  return {
    models: parsed.data.models.map((m) => ({ name: m.name, cluster: m.endpoint.cluster })),
    maxBodyBytes: parsed.data.settings?.maxBodyBytes,
  };
}

/** The policy's models with the Envoy cluster each is served by. */
export function readPolicyModels(file: string = DEFAULT_POLICY_PATH): PolicyModel[] {
  return readPolicy(file).models;
}
