/**
 * Checks that docker-compose.yml, the Dockerfile and envoy/envoy.yaml agree with each other and
 * with policies/default.yaml, since Docker cannot run in CI.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { REPO_ROOT, readPolicyModels } from './support/default-policy.ts';

interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; target?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | null> | string[];
  ports?: (string | number | { target: number; published?: string | number; host_ip?: string })[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: Healthcheck;
}
interface Compose {
  version?: unknown;
  services: Record<string, Service>;
}
interface SocketAddress {
  address: string;
  port_value: number;
}
interface EnvoyCluster {
  name: string;
  type?: string;
  load_assignment: {
    endpoints: { lb_endpoints: { endpoint: { address: { socket_address: SocketAddress } } }[] }[];
  };
}

const COMPOSE_FILE = path.join(REPO_ROOT, 'docker-compose.yml');
const DOCKERFILE = path.join(REPO_ROOT, 'Dockerfile');

function readCompose(): Compose {
  const doc = parseDocument(fs.readFileSync(COMPOSE_FILE, 'utf8'), { uniqueKeys: true });
  expect([...doc.errors, ...doc.warnings].map((e) => e.message)).toEqual([]);
  return doc.toJS() as Compose;
}

function service(compose: Compose, name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
}

function argv(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : value.split(/\s+/).filter((s) => s !== '');
}

function argAfter(args: readonly string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  if (index >= 0) return args[index + 1];
  return args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

function environment(svc: Service): Record<string, string> {
  const env = svc.environment;
  if (!env) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

function dependsOn(svc: Service): Record<string, string | undefined> {
  const deps = svc.depends_on;
  if (!deps) return {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, undefined]));
  return Object.fromEntries(Object.entries(deps).map(([name, d]) => [name, d.condition]));
}

interface PortMapping {
  hostIp: string | undefined;
  published: number | undefined;
  target: number;
}

function ports(svc: Service): PortMapping[] {
  return (svc.ports ?? []).map((spec) => {
    if (typeof spec === 'object') {
      return {
        hostIp: spec.host_ip,
        published: spec.published === undefined ? undefined : Number(spec.published),
        target: spec.target,
      };
    }
    const parts = String(spec)
      .replace(/\/(tcp|udp)$/, '')
      .split(':');
    const target = Number(parts.at(-1));
    const published = parts.length >= 2 ? Number(parts.at(-2)) : undefined;
    const hostIp = parts.length >= 3 ? parts.slice(0, -2).join(':') : undefined;
    return { hostIp, published, target };
  });
}

/** `repo/name:tag@digest` -> its parts; the tag is undefined when missing. */
function imageRef(image: string): {
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
} {
  const [nameAndTag = '', digest] = image.split('@');
  const slash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.lastIndexOf(':');
  if (colon > slash) {
    return { repository: nameAndTag.slice(0, colon), tag: nameAndTag.slice(colon + 1), digest };
  }
  return { repository: nameAndTag, tag: undefined, digest };
}

function expectPinned(image: string, where: string): void {
  const { tag, digest } = imageRef(image);
  expect(tag ?? digest, `${where}: image "${image}" has no tag`).toBeDefined();
  expect(tag, `${where}: image "${image}" uses latest`).not.toBe('latest');
  // A pin names a version: a floating major tag such as "20" or "7-alpine" moves under you.
  if (tag && !digest) expect(tag, `${where}: tag of "${image}" names no full version`).toMatch(/\d+\.\d+/);
}

function healthcheckText(svc: Service): string {
  return argv(svc.healthcheck?.test).join(' ');
}

/** The base images of a Dockerfile, with ARG defaults substituted; stage names are skipped. */
function dockerfileBaseImages(text: string): string[] {
  const args = new Map<string, string>();
  const stages = new Set<string>();
  const images: string[] = [];
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const line of lines) {
    const arg = /^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)/i.exec(line);
    if (arg?.[1] && arg[2]) args.set(arg[1], arg[2].replace(/^"|"$/g, ''));
    const from = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from?.[1]) {
      const image = from[1].replace(
        /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
        (_m, name: string) => args.get(name) ?? '',
      );
      if (!stages.has(image)) images.push(image);
      if (from[2]) stages.add(from[2]);
    }
  }
  return images;
}

interface DockerfileStage {
  name: string | undefined;
  /** The image (or earlier stage) it starts from, with ARG defaults substituted. */
  base: string;
  /** The stage's part of the Dockerfile, from its FROM line to the next one. */
  text: string;
}

/** The stages of a Dockerfile, in order. */
function dockerfileStages(text: string): DockerfileStage[] {
  const args = new Map<string, string>();
  const stages: DockerfileStage[] = [];
  for (const line of text.split('\n')) {
    const arg = /^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)/i.exec(line);
    if (arg?.[1] && arg[2] && stages.length === 0) args.set(arg[1], arg[2].replace(/^"|"$/g, ''));
    const from = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from?.[1]) {
      const base = from[1].replace(
        /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
        (_m, name: string) => args.get(name) ?? '',
      );
      stages.push({ name: from[2], base, text: '' });
    }
    const current = stages.at(-1);
    if (current) current.text += `${line}\n`;
  }
  return stages;
}

function dockerfileStage(name: string): DockerfileStage {
  const stage = dockerfileStages(fs.readFileSync(DOCKERFILE, 'utf8')).find((s) => s.name === name);
  if (!stage) throw new Error(`the Dockerfile has no stage "${name}"`);
  return stage;
}

/** The Dockerfile stage a compose service builds (its `target`, or the last stage). */
function buildStage(svc: Service): DockerfileStage {
  const build = typeof svc.build === 'string' ? { context: svc.build } : (svc.build ?? {});
  expect(path.resolve(REPO_ROOT, build.context ?? '.')).toBe(REPO_ROOT);
  expect(build.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
  const stages = dockerfileStages(fs.readFileSync(DOCKERFILE, 'utf8'));
  const stage = build.target === undefined ? stages.at(-1) : stages.find((s) => s.name === build.target);
  if (!stage) throw new Error(`the Dockerfile has no stage "${build.target}"`);
  return stage;
}

function dockerfileInstruction(text: string, instruction: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => new RegExp(`^\\s*${instruction}\\s`, 'i').test(line))
    .map((line) => line.trim().slice(instruction.length).trim());
}

function envoyClusters(): EnvoyCluster[] {
  const envoy = parse(fs.readFileSync(path.join(REPO_ROOT, 'envoy', 'envoy.yaml'), 'utf8')) as {
    static_resources: { clusters: EnvoyCluster[] };
  };
  return envoy.static_resources.clusters;
}

function socketAddresses(cluster: EnvoyCluster): SocketAddress[] {
  return cluster.load_assignment.endpoints.flatMap((e) =>
    e.lb_endpoints.map((l) => l.endpoint.address.socket_address),
  );
}

/** The port a compose service listens on, read from how it is started. */
function listeningPort(compose: Compose, name: string): number | undefined {
  const svc = service(compose, name);
  const grpcPort = argAfter(argv(svc.command), '--grpc-port');
  if (grpcPort !== undefined) return Number(grpcPort);
  const port = environment(svc).PORT;
  return port === undefined ? undefined : Number(port);
}

describe('docker-compose.yml', () => {
  it('follows the compose spec without the obsolete version key', () => {
    const compose = readCompose();
    expect(compose.version).toBeUndefined();
    expect(Object.keys(compose.services).sort()).toEqual(
      ['backend-large', 'backend-small', 'envoy', 'redis', 'router'].sort(),
    );
  });

  it('pins every image to a versioned tag, and names locally built images after package.json', () => {
    const compose = readCompose();
    const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const [name, svc] of Object.entries(compose.services)) {
      expect(svc.image ?? svc.build, `${name} has neither image nor build`).toBeDefined();
      if (svc.image) expectPinned(svc.image, name);
      if (svc.build && svc.image) expect(imageRef(svc.image).tag, name).toBe(version);
    }
  });

  it('runs an Envoy release whose ext_proc has route_cache_action and allow_mode_override', () => {
    const image = imageRef(service(readCompose(), 'envoy').image ?? '');
    expect(image.repository).toBe('envoyproxy/envoy');
    const match = /^v(\d+)\.(\d+)\.(\d+)$/.exec(image.tag ?? '');
    expect(match, `envoy tag ${image.tag}`).not.toBeNull();
    expect(Number(match?.[1]) * 1000 + Number(match?.[2])).toBeGreaterThanOrEqual(1034);
  });

  it('mounts envoy/envoy.yaml read-only where the Envoy command reads its config', () => {
    const envoy = service(readCompose(), 'envoy');
    const configPath = argAfter(argv(envoy.command), '-c') ?? argAfter(argv(envoy.command), '--config-path');
    expect(configPath).toBeDefined();
    const mounts = (envoy.volumes ?? []).map((v) => {
      if (typeof v === 'object') return { source: v.source ?? '', target: v.target, mode: '' };
      const [source = '', target = '', mode = ''] = v.split(':');
      return { source, target, mode };
    });
    const mount = mounts.find((m) => m.target === configPath);
    expect(mount, `no volume mounted at ${configPath}`).toBeDefined();
    expect(path.resolve(REPO_ROOT, mount?.source ?? '')).toBe(path.join(REPO_ROOT, 'envoy', 'envoy.yaml'));
    expect(mount?.mode).toBe('ro');
    expect(fs.existsSync(path.join(REPO_ROOT, 'envoy', 'envoy.yaml'))).toBe(true);
  });

  it('publishes Envoy on 8080, its admin on 127.0.0.1:9901 and the router admin on 9190', () => {
    const compose = readCompose();
    expect(ports(service(compose, 'envoy'))).toEqual(
      expect.arrayContaining([
        { hostIp: undefined, published: 8080, target: 8080 },
        { hostIp: '127.0.0.1', published: 9901, target: 9901 },
      ]),
    );
    expect(ports(service(compose, 'router')).map((p) => p.target)).toContain(9190);
  });

  it('resolves every DNS cluster of envoy.yaml to a compose service on the port it listens on', () => {
    const compose = readCompose();
    const dnsClusters = envoyClusters().filter((c) => c.type === 'STRICT_DNS' || c.type === 'LOGICAL_DNS');
    expect(dnsClusters.length).toBeGreaterThan(0);
    const expected: Record<string, number> = { router: 50051, 'backend-small': 8000, 'backend-large': 8000 };
    for (const cluster of dnsClusters) {
      for (const address of socketAddresses(cluster)) {
        const where = `${cluster.name} -> ${address.address}:${address.port_value}`;
        expect(Object.keys(compose.services), where).toContain(address.address);
        expect(address.port_value, where).toBe(expected[address.address]);
        expect(listeningPort(compose, address.address), where).toBe(address.port_value);
      }
    }
  });

  it('runs one mock backend per model of policies/default.yaml, behind that model’s Envoy cluster', () => {
    const compose = readCompose();
    const models = readPolicyModels();
    const backends = Object.entries(compose.services).filter(([name]) => name.startsWith('backend-'));
    const served = backends.map(([, svc]) => environment(svc).MODEL_NAME);
    expect([...served].sort()).toEqual(models.map((m) => m.name).sort());
    const clusters = new Map(envoyClusters().map((c) => [c.name, c]));
    for (const model of models) {
      const cluster = clusters.get(model.cluster);
      expect(cluster, `Envoy cluster ${model.cluster} of ${model.name}`).toBeDefined();
      for (const address of cluster ? socketAddresses(cluster) : []) {
        expect(environment(service(compose, address.address)).MODEL_NAME, model.name).toBe(model.name);
      }
    }
    for (const [name, svc] of backends) {
      expect(buildStage(svc).name, name).toBe('demo-backends');
      expect(svc.entrypoint, `${name} runs what its image runs`).toBeUndefined();
    }
  });

  it('builds the router from the Dockerfile’s last stage, the one a plain docker build gives', () => {
    const router = service(readCompose(), 'router');
    expect(buildStage(router)).toEqual(dockerfileStages(fs.readFileSync(DOCKERFILE, 'utf8')).at(-1));
    expect(buildStage(router).name).toBe('runtime');
  });

  it('only depends on services that exist, and waits for health where a healthcheck exists', () => {
    const compose = readCompose();
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const [target, condition] of Object.entries(dependsOn(svc))) {
        expect(Object.keys(compose.services), `${name} depends on ${target}`).toContain(target);
        if (condition === 'service_healthy') {
          expect(compose.services[target]?.healthcheck?.test, `${target} needs a healthcheck`).toBeDefined();
        }
      }
    }
    expect(dependsOn(service(compose, 'envoy'))).toEqual({
      router: 'service_healthy',
      'backend-small': 'service_healthy',
      'backend-large': 'service_healthy',
    });
  });

  it('gives the router, redis and the backends healthchecks that probe the right port', () => {
    const compose = readCompose();
    for (const name of ['router', 'redis', 'backend-small', 'backend-large']) {
      const svc = service(compose, name);
      expect(svc.healthcheck?.disable, name).not.toBe(true);
      expect(healthcheckText(svc), name).not.toBe('');
    }
    expect(healthcheckText(service(compose, 'router'))).toContain('127.0.0.1:9190/readyz');
    for (const name of ['backend-small', 'backend-large']) {
      // The backends' image has no HEALTHCHECK: compose probes the port that PORT gives.
      const port = environment(service(compose, name)).PORT;
      expect(healthcheckText(service(compose, name)), name).toContain(`127.0.0.1:${port}/health`);
    }
  });

  it('starts the router on the agreed ports with a policy file that exists in the repository', () => {
    const compose = readCompose();
    const router = service(compose, 'router');
    const cmd =
      argv(router.command).length > 0
        ? argv(router.command)
        : jsonArgs(dockerfileInstruction(buildStage(router).text, 'CMD'));
    expect(cmd[0]).toBe('serve');
    expect(argAfter(cmd, '--grpc-port')).toBe('50051');
    expect(argAfter(cmd, '--admin-port')).toBe('9190');
    // Envoy reaches the router over the compose network, so it listens beyond loopback, with an admin token.
    expect(argAfter(cmd, '--host')).toBe('0.0.0.0');
    expect(
      environment(router).SEMANTIC_ROUTER_ADMIN_TOKEN ?? argAfter(cmd, '--admin-token-file'),
    ).toBeDefined();
    const policy = argAfter(cmd, '--policy');
    expect(policy, 'router command has no --policy').toBeDefined();
    expect(policy?.startsWith('/app/'), `${policy} is not under /app`).toBe(true);
    const inRepo = path.join(REPO_ROOT, (policy ?? '').slice('/app/'.length));
    expect(
      fs.existsSync(inRepo),
      `${path.relative(REPO_ROOT, inRepo)} does not exist in the repository`,
    ).toBe(true);
  });
});

function jsonArgs(lines: string[]): string[] {
  const last = lines.at(-1);
  return last === undefined ? [] : (JSON.parse(last) as string[]);
}

describe('Dockerfile', () => {
  it('exists and builds from pinned base images only', () => {
    expect(fs.existsSync(DOCKERFILE)).toBe(true);
    const images = dockerfileBaseImages(fs.readFileSync(DOCKERFILE, 'utf8'));
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) {
      expectPinned(image, 'Dockerfile FROM');
      // An LTS release whose HTTP/2 stack lets the router lift the stream reset limit (22.10 and later).
      expect(image).toMatch(/^node:(22|24|26)\.\d+\.\d+-bookworm-slim$/);
    }
  });

  it('builds with npm ci and skips the onnxruntime GPU download', () => {
    const text = dockerfileStage('build').text;
    expect(dockerfileInstruction(text, 'ENV').join('\n')).toContain('ONNXRUNTIME_NODE_INSTALL=skip');
    const runs = dockerfileInstruction(text, 'RUN').join('\n');
    expect(runs).toContain('npm ci');
    expect(runs).toContain('npm run build');
    expect(runs).toContain('npm prune --omit=dev');
    // The workspaces (the Envoy emulator) are neither installed nor linked into node_modules.
    expect(runs).toMatch(/npm ci[^\n]*--workspaces=false/);
    expect(runs).toMatch(/npm prune[^\n]*--workspaces=false/);
    // `prepare` builds dist/ from the sources, which are copied after the dependencies are installed.
    const scripts = JSON.parse(fs.readFileSync('package.json', 'utf8')).scripts ?? {};
    if (scripts.prepare) expect(runs).toMatch(/npm ci[^\n]*--ignore-scripts/);
    // Each dependency whose install script package.json allows is built all the same, with a compiler.
    const allowed = Object.entries(JSON.parse(fs.readFileSync('package.json', 'utf8')).allowScripts ?? {});
    for (const [name, allowedToRun] of allowed) {
      if (allowedToRun === true) expect(runs).toMatch(new RegExp(`npm rebuild[^\\n]*${name}`));
    }
    if (allowed.some(([, allowedToRun]) => allowedToRun === true))
      expect(runs).toMatch(/apt-get install[^\n]*g\+\+/);
  });

  it('runs node dist/cli.js as a non-root user, exposes the router ports and has a readiness healthcheck', () => {
    const text = dockerfileStage('runtime').text;
    const users = dockerfileInstruction(text, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0']).not.toContain(users.at(-1));
    expect(dockerfileInstruction(text, 'EXPOSE').join(' ').split(/\s+/)).toEqual(
      expect.arrayContaining(['50051', '9190']),
    );
    expect(jsonArgs(dockerfileInstruction(text, 'ENTRYPOINT'))).toEqual(['node', 'dist/cli.js']);
    expect(jsonArgs(dockerfileInstruction(text, 'CMD'))).toEqual([
      'serve',
      '--policy',
      '/app/policies/default.yaml',
      '--host',
      '0.0.0.0',
    ]);
    const healthcheck = dockerfileInstruction(text, 'HEALTHCHECK').join(' ');
    const probe = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 'CMD'.length)) as string[];
    expect(probe[0]).toBe('node');
    expect(probe.join(' ')).toContain('http://127.0.0.1:9190/readyz');
  });

  it('puts only the router in its image: its build, dependencies, policies, protos and models', () => {
    const copies = dockerfileInstruction(dockerfileStage('runtime').text, 'COPY').map((c) => c.split(/\s+/));
    for (const copy of copies) expect(copy[0], copy.join(' ')).toBe('--from=build');
    expect(copies.map((c) => c[1]).sort()).toEqual(
      ['package.json', 'node_modules', 'dist', 'policies', 'proto', 'models'].map((p) => `/app/${p}`).sort(),
    );
    // The router runs compiled JavaScript; tsx (and the test tools) are dev dependencies, pruned.
    const { dependencies } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const tool of ['tsx', 'typescript', 'vitest', 'envoy-extproc-emulator']) {
      expect(dependencies, tool).not.toHaveProperty(tool);
    }
  });

  it('builds the demo backends into a stage of their own that runs demo/mock-backend.ts with Node alone', () => {
    const stage = dockerfileStage('demo-backends');
    // Node strips TypeScript types by default from 22.18 (and 23.6) on.
    const [major = 0, minor = 0] = (/^node:(\d+)\.(\d+)/.exec(stage.base) ?? []).slice(1).map(Number);
    expect(major * 1000 + minor, stage.base).toBeGreaterThanOrEqual(22_018);
    const workdir = dockerfileInstruction(stage.text, 'WORKDIR').at(-1) ?? '/';
    const entrypoint = jsonArgs(dockerfileInstruction(stage.text, 'ENTRYPOINT'));
    expect(entrypoint[0]).toBe('node');
    expect(entrypoint).toHaveLength(2);
    const copies = dockerfileInstruction(stage.text, 'COPY').map((c) => c.split(/\s+/));
    expect(copies).toHaveLength(1);
    const [source = '', target = ''] = copies[0] ?? [];
    expect(source).toBe('demo/mock-backend.ts');
    expect(path.posix.resolve(workdir, target)).toBe(path.posix.resolve(workdir, entrypoint[1] ?? ''));
    // As an ES module, whatever package.json is (not) near it.
    expect(target).toMatch(/\.mts$/);
    expect(fs.existsSync(path.join(REPO_ROOT, source))).toBe(true);
  });

  it('can run demo/mock-backend.ts without tsx: only Node built-ins, only TypeScript that Node strips', () => {
    const file = path.join(REPO_ROOT, 'demo', 'mock-backend.ts');
    const imports = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true).importedFiles;
    expect(imports.map((i) => i.fileName).filter((name) => !name.startsWith('node:'))).toEqual([]);
    const program = ts.createProgram([file], {
      noEmit: true,
      strict: true,
      erasableSyntaxOnly: true,
      verbatimModuleSyntax: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node'],
      skipLibCheck: true,
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  });

  it('has a .dockerignore that keeps node_modules and the workspaces out but the demo backends in', () => {
    const ignore = fs
      .readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignore).toContain('node_modules');
    expect(ignore).toContain('dist');
    expect(ignore).toContain('packages');
    expect(ignore.some((l) => /^\/?demo\/?$/.test(l) || l.startsWith('demo/mock-backend.ts'))).toBe(false);
  });
});
