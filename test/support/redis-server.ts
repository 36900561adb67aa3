import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A real `redis-server` for tests, on a free port of 127.0.0.1, persisting nothing. It can be
 * killed and started again on the same port (an outage and a recovery). `.ci/run` installs
 * redis-server from Debian when it is missing; the README says how to install it elsewhere.
 */
export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** Stops it answering (SIGSTOP) while its connections stay open: a hung Redis. */
  pause(): void;
  /** Lets a paused server answer again (SIGCONT), with everything it held. */
  resume(): void;
  /** Kills it and removes its folder. */
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function requireRedisServer(): void {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'redis-server is not installed: `apt-get install redis-server` (Debian/Ubuntu) or `brew install redis`',
    );
  }
}

/** Starts a redis-server for a test; call `close()` when done. */
export async function startTestRedis(): Promise<TestRedis> {
  requireRedisServer();
  const dir = mkdtempSync(path.join(tmpdir(), 'router-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const args = [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ];
      const server = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = server;
      let output = '';
      const onData = (data: Buffer) => {
        output += data.toString();
        if (output.includes('Ready to accept connections')) {
          server.stdout?.off('data', onData);
          server.stdout?.resume();
          resolve();
        }
      };
      server.stdout?.on('data', onData);
      server.stderr?.resume();
      server.once('exit', (code) =>
        reject(new Error(`redis-server exited (${code}) before it was ready: ${output}`)),
      );
      server.once('error', reject);
    });

  const kill = async () => {
    const server = child;
    child = undefined;
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    async close() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
