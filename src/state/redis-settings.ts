import { z } from 'zod';

/**
 * The policy's `redis` block: the one Redis the router's shared state lives in (the semantic
 * cache's documents and replication, what learned selection has learnt). Without it, that state is
 * kept in memory by each router process.
 */
export const RedisSettingsSchema = z
  .object({
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
      .optional()
      .describe(
        'The Redis to use, e.g. `redis://redis:6379/0` (`rediss://` for TLS). A URL with a password is better kept out of the file: see `urlEnv`.',
      ),
    urlEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional()
      .describe(
        'The name of an environment variable holding the URL (read when the policy loads; a variable that is unset or empty is an error). Set `url` or `urlEnv`, not both.',
      ),
    optional: z
      .boolean()
      .default(false)
      .describe(
        'With `urlEnv`: when the variable is unset or empty, run without Redis (shared state in memory, said in a warning) instead of refusing the policy. For a policy that runs both with and without a Redis (the shipped default: the compose stack sets the variable).',
      ),
    keyPrefix: z
      .string()
      .min(1)
      .default('semantic-router:')
      .describe(
        'Prefix of every key and channel the router uses, so routers of different deployments can share one Redis.',
      ),
    connectTimeoutMs: z
      .number()
      .int()
      .positive()
      .max(60_000)
      .default(1000)
      .describe('How long a connection attempt may take before it counts as failed.'),
    commandTimeoutMs: z
      .number()
      .int()
      .positive()
      .max(10_000)
      .default(100)
      .describe(
        "How long a request may wait on one Redis command; past it the command fails and the request goes on without Redis (a cache miss, the selector's own state). While Redis is down, commands fail at once.",
      ),
  })
  .strict()
  .refine((settings) => (settings.url === undefined) !== (settings.urlEnv === undefined), {
    message: 'set url or urlEnv (exactly one)',
  })
  .describe(
    "Where the router's shared state lives (cache entries and replication, selection learning), so that replicas share it and it survives restarts. Without it, each router keeps that state in its own memory. A Redis outage is counted once and logged once; the router keeps serving from memory and resumes when Redis returns.",
  );

export type RedisSettings = z.infer<typeof RedisSettingsSchema>;

/** The URL the settings name (from the environment for `urlEnv`); throws when it cannot be had. */
export function redisUrl(settings: RedisSettings, env: NodeJS.ProcessEnv = process.env): string {
  if (settings.url !== undefined) return settings.url;
  const name = settings.urlEnv ?? '';
  const value = env[name];
  if (value === undefined || value === '')
    throw new Error(`environment variable ${name} (redis.urlEnv) is not set`);
  if (!/^rediss?:\/\//.test(value))
    throw new Error(`environment variable ${name} (redis.urlEnv) is not a redis:// URL`);
  return value;
}

/** The URL with any password replaced, for logs and health reports. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://(unparsable URL)';
  }
}
