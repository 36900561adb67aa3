/**
 * The emulator stands on its own: its files import Node's built-ins, the dependencies its
 * package.json declares and each other, never the router they are used to test.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as Manifest;

/** Every TypeScript file of the package, relative to its root. */
function packageFiles(): string[] {
  return fs
    .readdirSync(PACKAGE_ROOT, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.split(path.sep).includes('node_modules'));
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/** Why `specifier`, imported by `file`, reaches outside the package; undefined when it does not. */
function importProblem(file: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) {
    const target = path.resolve(PACKAGE_ROOT, path.dirname(file), specifier);
    return target.startsWith(PACKAGE_ROOT + path.sep) ? undefined : 'a file outside the package';
  }
  if (specifier.startsWith('node:') || builtinModules.includes(specifier)) return undefined;
  const name = packageNameOf(specifier);
  const declared = { ...manifest.dependencies, ...manifest.devDependencies };
  return name === manifest.name || name in declared
    ? undefined
    : 'a package its package.json does not declare';
}

describe('the emulator package', () => {
  it('imports nothing of the router, only its own files, Node built-ins and its declared dependencies', () => {
    const files = packageFiles();
    expect(files).toContain(path.join('src', 'index.ts'));
    const problems: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(path.join(PACKAGE_ROOT, file), 'utf8');
      for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
        const problem = importProblem(file, imported.fileName);
        if (problem) problems.push(`${file} imports ${imported.fileName}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('sees an import of the router as one', () => {
    expect(importProblem(path.join('src', 'chat.ts'), '../../../src/extproc/messages.ts')).toBeDefined();
    expect(importProblem(path.join('src', 'chat.ts'), 'semantic-router')).toBeDefined();
    expect(importProblem(path.join('src', 'chat.ts'), './wire-types.ts')).toBeUndefined();
    expect(importProblem(path.join('src', 'chat.ts'), '@grpc/grpc-js')).toBeUndefined();
  });
});
