import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Imports go one way. Each unit of `src/` (a top-level folder, or a file at the top) may import only
 * the units listed for it; ARCHITECTURE.md shows the same table. Type-only imports count: a type is
 * coupling too. Test files are not checked (they may reach into `test/support/`).
 */
const BASE = ['errors.ts', 'headers.ts'];
const ALLOWED_IMPORTS: Record<string, readonly string[]> = {
  'errors.ts': [],
  'headers.ts': [],
  request: BASE,
  models: BASE,
  response: BASE,
  decision: BASE,
  state: BASE,
  signals: [...BASE, 'request', 'models'],
  plugins: [...BASE, 'request', 'signals'],
  selection: [...BASE, 'request', 'signals', 'response', 'state'],
  stages: [...BASE, 'request', 'signals', 'selection', 'response', 'state'],
  mutation: [...BASE, 'request', 'signals', 'plugins', 'selection'],
  cache: [...BASE, 'request', 'models', 'response', 'signals', 'stages', 'state'],
  policy: [
    ...BASE,
    'request',
    'models',
    'response',
    'signals',
    'decision',
    'plugins',
    'selection',
    'stages',
    'state',
  ],
  'pipeline.ts': [
    ...BASE,
    'request',
    'response',
    'signals',
    'decision',
    'plugins',
    'selection',
    'stages',
    'policy',
  ],
  'explain.ts': [...BASE, 'request', 'signals', 'policy', 'pipeline.ts'],
  extproc: [...BASE, 'request', 'response', 'mutation', 'policy', 'pipeline.ts'],
  observability: [...BASE, 'request', 'response', 'signals', 'selection', 'policy', 'pipeline.ts'],
  'admin-api': [...BASE, 'request', 'policy', 'explain.ts', 'observability'],
  training: [...BASE, 'request', 'models', 'signals', 'selection'],
};

/** Entry points and wiring: they may import any unit, and no unit above may import them. */
const WIRING = new Set([
  'main.ts',
  'cli.ts',
  'cli-relaunch.ts',
  'registry.ts',
  'classify.ts',
  'train-projection.ts',
  'train-name-tagger.ts',
  'replay-command.ts',
]);

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'src');

interface ImportEdge {
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    const isSource = entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts');
    return isSource && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** The unit a path under `src/` belongs to, or `undefined` for a path outside `src/`. */
function unitOf(file: string): string | undefined {
  const relative = path.relative(SRC, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep)[0];
}

/** Every relative import (static, re-export, dynamic) that crosses from one unit into another. */
function crossingImports(): ImportEdge[] {
  return sourceFiles(SRC).flatMap((file) => {
    const from = unitOf(file) as string;
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    return info.importedFiles
      .filter((imported) => imported.fileName.startsWith('.'))
      .map((imported) => {
        const target = path.resolve(path.dirname(file), imported.fileName);
        return {
          file: path.relative(SRC, file),
          from,
          to: unitOf(target) ?? `outside src: ${imported.fileName}`,
        };
      })
      .filter((edge) => edge.to !== edge.from);
  });
}

/** The package a bare import specifier names (`@scope/name/sub` → `@scope/name`). */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

describe('what the router imports from outside', () => {
  it('imports only Node built-ins and its production dependencies (no dev tool, no test package)', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const allowed = new Set(Object.keys(manifest.dependencies));
    const strays = sourceFiles(SRC).flatMap((file) =>
      ts
        .preProcessFile(readFileSync(file, 'utf8'), true, true)
        .importedFiles.map((imported) => imported.fileName)
        .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'))
        .filter((specifier) => !allowed.has(packageOf(specifier)))
        .map((specifier) => `${path.relative(SRC, file)} imports ${specifier}`),
    );
    expect(strays).toEqual([]);
  });
});

describe('import direction', () => {
  const edges = crossingImports();

  it('finds the imports it checks', () => {
    expect(edges.length).toBeGreaterThan(100);
    expect(edges).toContainEqual(expect.objectContaining({ from: 'signals', to: 'request' }));
  });

  it('names every unit of src/ in the table or as wiring', () => {
    const units = new Set(sourceFiles(SRC).map((file) => unitOf(file) as string));
    const unlisted = [...units].filter((unit) => !(unit in ALLOWED_IMPORTS) && !WIRING.has(unit));
    expect(unlisted).toEqual([]);
  });

  it('has no import against the direction', () => {
    const against = edges
      .filter((edge) => !WIRING.has(edge.from))
      .filter((edge) => !(ALLOWED_IMPORTS[edge.from] ?? []).includes(edge.to))
      .map(
        (edge) =>
          `${edge.file} imports ${edge.to} (${edge.from} may import: ${ALLOWED_IMPORTS[edge.from]?.join(', ') || 'nothing'})`,
      );
    expect(against).toEqual([]);
  });

  it('has a table without cycles', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const cycles: string[] = [];
    const visit = (unit: string, trail: string[]): void => {
      if (done.has(unit)) return;
      if (visiting.has(unit)) {
        cycles.push([...trail, unit].join(' → '));
        return;
      }
      visiting.add(unit);
      for (const next of ALLOWED_IMPORTS[unit] ?? []) visit(next, [...trail, unit]);
      visiting.delete(unit);
      done.add(unit);
    };
    for (const unit of Object.keys(ALLOWED_IMPORTS)) visit(unit, []);
    expect(cycles).toEqual([]);
  });

  it('has no file of src/ importing another file of src/ that imports it back', () => {
    const graph = new Map<string, string[]>();
    for (const file of sourceFiles(SRC)) {
      const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      graph.set(
        file,
        info.importedFiles
          .filter((imported) => imported.fileName.startsWith('.'))
          .map((imported) => path.resolve(path.dirname(file), imported.fileName)),
      );
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'closed'>();
    const visit = (file: string, trail: string[]): void => {
      const seen = state.get(file);
      if (seen === 'closed') return;
      if (seen === 'open') {
        const start = trail.indexOf(file);
        cycles.push([...trail.slice(start), file].map((f) => path.relative(SRC, f)).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'closed');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
