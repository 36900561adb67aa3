#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { explainPrompts, readPromptsJsonl } from './explain.ts';
import { DEFAULT_POLICY_FILE, startRouter } from './main.ts';
import { createLogger } from './observability/logger.ts';
import { loadPolicyFile } from './policy/load.ts';
import { formatIssue, PolicyError } from './policy/policy-error.ts';
import { policyJsonSchema, renderPolicyReference } from './policy/reference.ts';
import { builtinRegistry } from './registry.ts';

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535)
    throw new InvalidArgumentError('not a port number');
  return parsed;
}

function collectHeader(value: string, previous: Record<string, string>): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('headers are written name=value');
  return { ...previous, [value.slice(0, at).trim().toLowerCase()]: value.slice(at + 1).trim() };
}

function reportPolicyError(error: unknown): never {
  if (error instanceof PolicyError) {
    for (const issue of error.issues) console.error(formatIssue(issue, error.source));
  } else console.error((error as Error).message ?? String(error));
  process.exit(1);
}

const program = new Command()
  .name('semantic-router')
  .description(
    'Semantic router for LLM traffic: an Envoy external processor that routes chat requests by policy.',
  )
  .showHelpAfterError();

program
  .command('serve')
  .description('serve ext_proc (gRPC) for Envoy, and the admin endpoints (/healthz, /readyz, /metrics)')
  .option('--policy <file>', 'policy file (reloaded when it changes)', DEFAULT_POLICY_FILE)
  .option('--grpc-port <port>', 'ext_proc and gRPC health port', port, 50051)
  .option('--admin-port <port>', 'admin HTTP port', port, 9190)
  .option('--host <address>', 'address to listen on', '0.0.0.0')
  .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', 'info')
  .option('--no-watch', 'do not reload the policy when the file changes')
  .action(async (options) => {
    const logger = createLogger(options.logLevel);
    const router = await startRouter({
      policyFile: options.policy,
      grpcHost: options.host,
      grpcPort: options.grpcPort,
      adminHost: options.host,
      adminPort: options.adminPort,
      watch: options.watch,
      logger,
    }).catch(reportPolicyError);
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down: draining open streams');
      router.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });

program
  .command('validate')
  .description('check a policy file; prints every error with its line, exits 1 if there is any')
  .argument('<file>', 'policy file')
  .action((file: string) => {
    try {
      const policy = loadPolicyFile(file, builtinRegistry);
      for (const warning of policy.warnings) console.error(formatIssue(warning, file));
      console.log(
        `${file}: ok (${policy.models.size} models, ${policy.signals.length} signals, ${policy.decisions.length} decisions + default)`,
      );
    } catch (error) {
      reportPolicyError(error);
    }
  });

program
  .command('explain')
  .description('show how prompts would be routed: one JSON line {id, decision, model, signals} per prompt')
  .argument('[prompt]', 'a prompt (sent as the only user message)')
  .option('--policy <file>', 'policy file', DEFAULT_POLICY_FILE)
  .option('--jsonl <file>', 'prompts, one JSON object per line: {id, text} or {id, messages}')
  .option('--model <name>', 'the model the request names', 'auto')
  .option('-H, --header <name=value>', 'a request header (repeatable)', collectHeader, {})
  .action(async (prompt: string | undefined, options) => {
    let policy: ReturnType<typeof loadPolicyFile>;
    try {
      policy = loadPolicyFile(options.policy, builtinRegistry);
    } catch (error) {
      reportPolicyError(error);
    }
    if ((prompt === undefined) === (options.jsonl === undefined)) {
      console.error('give either a prompt or --jsonl FILE');
      process.exit(2);
    }
    const inputs = options.jsonl
      ? readPromptsJsonl(readFileSync(options.jsonl, 'utf8'))
      : [{ id: '1', text: prompt ?? '' }];
    for await (const line of explainPrompts(policy, inputs, {
      model: options.model,
      headers: options.header,
    })) {
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
  });

program
  .command('schema')
  .description('print the policy JSON Schema (for editor completion and CI checks)')
  .action(() => {
    process.stdout.write(`${JSON.stringify(policyJsonSchema(builtinRegistry), null, 2)}\n`);
  });

program
  .command('reference')
  .description('print the policy reference in Markdown (docs/policy-reference.md)')
  .action(() => {
    process.stdout.write(renderPolicyReference(builtinRegistry));
  });

await program.parseAsync();
