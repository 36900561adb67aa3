/**
 * Without Redis, a cache with `snapshotFile` keeps its entries across a restart: written when the
 * router stops, read back when it starts.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startHarness } from './harness.ts';
import { TEST_POLICY } from './policy.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'router-snapshot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, 'cache.jsonl');
const POLICY = `${TEST_POLICY}cache:
  threshold: 0.9
  ttlSeconds: 600
  snapshotFile: ${file}
  snapshotIntervalSeconds: 0
`;
const headers = { 'x-tenant-id': 'acme' };

describe('a cache snapshot', () => {
  it('keeps the entries across a restart of the router', async () => {
    const first = await startHarness(POLICY);
    try {
      await first.chat('How do python generators work?', {}, headers);
      await vi.waitFor(async () => {
        expect((await first.chat('How do python generators work?', {}, headers)).upstreamCalled).toBe(false);
      });
    } finally {
      await first.close();
    }
    expect(existsSync(file)).toBe(true);
    const second = await startHarness(POLICY);
    try {
      await vi.waitFor(async () => {
        const again = await second.chat('How do python generators work?', {}, headers);
        expect(again.upstreamCalled).toBe(false);
        expect(again.response.headers['x-router-cache']).toBe('hit');
      });
      expect(
        (await second.chat('How do python generators work?', {}, { 'x-tenant-id': 'globex' })).upstreamCalled,
      ).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('is also written while the router serves, every snapshotIntervalSeconds', async () => {
    const periodic = path.join(dir, 'periodic.jsonl');
    const h = await startHarness(
      POLICY.replace(file, periodic).replace('snapshotIntervalSeconds: 0', 'snapshotIntervalSeconds: 1'),
    );
    try {
      await h.chat('How do python decorators work?', {}, headers);
      await vi.waitFor(
        () => expect(existsSync(periodic) && readFileSync(periodic, 'utf8')).toContain('decorators'),
        { timeout: 20_000, interval: 100 },
      );
    } finally {
      await h.close();
    }
  });
});
