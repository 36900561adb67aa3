import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ServerProcess {
  port: number;
  /** The admin HTTP port, when the server reports one. */
  adminPort: number | undefined;
  child: ChildProcess;
  /** Peak resident memory (kB) read from /proc, when available. */
  peakRssKb(): number | undefined;
  /** CPU time (user + system, ms) the process has used so far, read from /proc. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/**
 * Starts a node script (TypeScript through tsx, JavaScript as is) in its own process (as Envoy's ext_proc server would be) and waits for the
 * stdout JSON line that carries its port (`port` or `grpcPort`).
 */
export function startServerProcess(args: string[], timeoutMs = 15_000): Promise<ServerProcess> {
  // TypeScript runs through tsx; built JavaScript runs as users run it, without the loader.
  const loader = args[0]?.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...loader, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${args.join(' ')} did not report a port in ${timeoutMs} ms`));
    }, timeoutMs);
    if (!child.stdout) throw new Error('the server process has no stdout');
    const lines = createInterface({ input: child.stdout });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
    lines.on('line', (line) => {
      let value: { port?: number; grpcPort?: number; adminPort?: number };
      try {
        value = JSON.parse(line);
      } catch {
        return;
      }
      const port = value.grpcPort ?? value.port;
      if (port === undefined) return;
      clearTimeout(timer);
      lines.close();
      child.stdout?.resume(); // keep draining the server's log (one line per request) without parsing it
      resolve({
        port,
        adminPort: value.adminPort,
        child,
        peakRssKb() {
          try {
            const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
            return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
          } catch {
            return undefined;
          }
        },
        cpuMs() {
          const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
          // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
          return (Number(fields[11]) + Number(fields[12])) * 10;
        },
        stop: () =>
          new Promise((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/**
 * The router as built (`npm run build`), as it runs in production, serving `policyFile` on free
 * loopback ports, without watching the file unless `watch`.
 */
export function startRouterProcess(
  policyFile: string,
  timeoutMs?: number,
  watch = false,
): Promise<ServerProcess> {
  return startServerProcess(
    [
      'dist/cli.js',
      'serve',
      '--policy',
      policyFile,
      '--host',
      '127.0.0.1',
      '--grpc-port',
      '0',
      '--admin-port',
      '0',
      ...(watch ? [] : ['--no-watch']),
    ],
    timeoutMs,
  );
}
