import { spawnSync } from 'node:child_process';

/** The variable that carries the arguments of a relaunched CLI (JSON array). */
const ARGUMENTS_VARIABLE = 'SEMANTIC_ROUTER_CLI_ARGUMENTS';

/**
 * onnxruntime reads the process's command line when it starts a session and crashes (SIGSEGV) on
 * one of 32 KiB or more, as a long prompt given to `explain` makes. A CLI started with a long
 * command line runs itself again with its arguments in an environment variable instead, and waits;
 * the relaunched CLI takes them back into `process.argv`. Call first thing.
 */
export function relaunchWhenCommandLineIsLong(limitBytes = 16 * 1024): void {
  const carried = process.env[ARGUMENTS_VARIABLE];
  if (carried !== undefined) {
    delete process.env[ARGUMENTS_VARIABLE];
    process.argv = [...process.argv.slice(0, 2), ...(JSON.parse(carried) as string[])];
    return;
  }
  const args = process.argv.slice(2);
  const bytes = args.reduce((total, arg) => total + Buffer.byteLength(arg) + 1, 0);
  const script = process.argv[1];
  if (bytes < limitBytes || script === undefined) return;
  const child = spawnSync(process.execPath, [...process.execArgv, script], {
    stdio: 'inherit',
    env: { ...process.env, [ARGUMENTS_VARIABLE]: JSON.stringify(args) },
  });
  process.exit(child.status ?? 1);
}
