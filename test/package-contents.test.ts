/**
 * What `npm pack` would publish is the router and nothing else: its build, policies, protos and
 * models. The Envoy emulator (its own workspace package), the demo, the tests, the benchmarks and
 * the scripts never ship. The listing is `npm pack --dry-run` without lifecycle scripts (so nothing is
 * rebuilt while other tests run) and offline.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/default-policy.ts';

const run = promisify(execFile);

/** Files at the top of the package that npm always includes, and the router's own folders. */
const ROUTER_FILES = new Set(['package.json', 'README.md', 'LICENSE']);
const ROUTER_FOLDERS = ['dist/', 'policies/', 'proto/', 'models/'];

/** The path a dist/ file is compiled from, relative to src/ and without its extension. */
const BUILD_OUTPUT = /^dist\/(.+?)(?:\.d)?\.js(?:\.map)?$/;

/** Why a packed file is not the router's; undefined when it is. */
function notTheRouter(file: string): string | undefined {
  if (ROUTER_FILES.has(file)) return undefined;
  if (!ROUTER_FOLDERS.some((folder) => file.startsWith(folder))) return 'outside the router’s folders';
  if (!file.startsWith('dist/')) return undefined;
  const module = BUILD_OUTPUT.exec(file)?.[1];
  if (module === undefined) return 'not a build output';
  if (module.endsWith('.test')) return 'a compiled test';
  if (!fs.existsSync(path.join(REPO_ROOT, 'src', `${module}.ts`))) {
    return 'built from no source under src/ (left from an older build? `npm run prepare` builds dist/ afresh)';
  }
  return undefined;
}

/** Runs npm: the one running this test when there is one, else the npm on the PATH. */
async function npm(args: string[]): Promise<string> {
  const npmCli = process.env.npm_execpath;
  const [command, prefix] =
    npmCli && /npm-cli\.js$/.test(npmCli) ? [process.execPath, [npmCli]] : ['npm', []];
  const { stdout } = await run(command, [...prefix, ...args], {
    cwd: REPO_ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

async function packedFiles(): Promise<string[]> {
  const stdout = await npm(['pack', '--dry-run', '--json', '--ignore-scripts', '--offline']);
  const [pack] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
  return (pack?.files ?? []).map((file) => file.path);
}

describe('the published package', () => {
  // npm compresses the whole package (about 60 MB of models) to list it: seconds, more on a busy
  // machine, hence the long timeout.
  it('holds the built router and its policies, protos and models, and nothing else', async () => {
    const files = await packedFiles();
    expect(files).toEqual(expect.arrayContaining(['package.json', 'dist/cli.js', 'policies/default.yaml']));
    const strangers = files.flatMap((file) => {
      const reason = notTheRouter(file);
      return reason === undefined ? [] : [`${file}: ${reason}`];
    });
    expect(strangers).toEqual([]);
  }, 120_000);

  it.each([
    { name: 'the emulator package', file: 'packages/envoy-extproc-emulator/src/index.ts' },
    { name: 'an emulator built into dist/', file: 'dist/emulator/emulator-client.js' },
    { name: 'the demo', file: 'demo/demo.ts' },
    { name: 'a test', file: 'test/cli.test.ts' },
    { name: 'a test support file', file: 'test/support/tiny-encoder/tiny-encoder.ts' },
    { name: 'a compiled test', file: 'dist/pipeline.test.js' },
    { name: 'a benchmark', file: 'bench/bench.ts' },
    { name: 'a script', file: 'scripts/eval-models.ts' },
  ])('would refuse $name', ({ file }) => {
    expect(notTheRouter(file)).toBeDefined();
  });

  it('would accept the router’s own files', () => {
    for (const file of [
      'dist/cli.js',
      'dist/extproc/server.js.map',
      'proto/semantic_router/v1/admin.proto',
    ]) {
      expect(notTheRouter(file), file).toBeUndefined();
    }
  });
});
