import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestRedis, type TestRedis } from '../../test/support/redis-server.ts';
import { RedisConnections } from './redis-connections.ts';
import { type RedisSettings, RedisSettingsSchema, redactedUrl, redisUrl } from './redis-settings.ts';

const settings = (url: string, more: Partial<RedisSettings> = {}): RedisSettings =>
  RedisSettingsSchema.parse({ url, keyPrefix: 'test:', ...more });

/** Generous: the machine may be busy; nothing here measures time. */
const WAIT = { timeout: 20_000, interval: 20 };

function recordingEvents() {
  const happened: string[] = [];
  return {
    happened,
    events: {
      unavailable: (url: string) => happened.push(`down ${url}`),
      restored: (url: string) => happened.push(`up ${url}`),
    },
  };
}

describe('the redis block', () => {
  it('takes exactly one of url and urlEnv', () => {
    expect(RedisSettingsSchema.safeParse({}).success).toBe(false);
    expect(RedisSettingsSchema.safeParse({ url: 'redis://a', urlEnv: 'B' }).success).toBe(false);
    expect(RedisSettingsSchema.safeParse({ url: 'http://a' }).success).toBe(false);
    expect(RedisSettingsSchema.parse({ urlEnv: 'REDIS_URL' })).toMatchObject({
      keyPrefix: 'semantic-router:',
      commandTimeoutMs: 100,
    });
  });

  it('reads the URL from the environment for urlEnv, and says which variable is missing', () => {
    const fromEnv = RedisSettingsSchema.parse({ urlEnv: 'ROUTER_REDIS' });
    expect(redisUrl(fromEnv, { ROUTER_REDIS: 'redis://cache:6379/1' })).toBe('redis://cache:6379/1');
    expect(() => redisUrl(fromEnv, {})).toThrow('ROUTER_REDIS (redis.urlEnv) is not set');
    expect(() => redisUrl(fromEnv, { ROUTER_REDIS: 'cache:6379' })).toThrow('not a redis:// URL');
  });

  it('hides a password in what it logs', () => {
    expect(redactedUrl('redis://user:s3cret@cache:6379/0')).toBe('redis://user:***@cache:6379/0');
    expect(redactedUrl('redis://cache:6379')).toBe('redis://cache:6379');
  });
});

describe('shared Redis connections, against a real redis-server', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis.close();
  });

  it('shares one connection per redis block and prefixes every key', async () => {
    const connections = new RedisConnections(recordingEvents().events);
    try {
      const shared = connections.connect(settings(redis.url));
      expect(connections.connect(settings(redis.url))).toBe(shared);
      await vi.waitFor(() => expect(shared.available).toBe(true), WAIT);
      await shared.client.set(shared.key('greeting'), 'hello');
      expect(await shared.client.get('test:greeting')).toBe('hello');
    } finally {
      await connections.close();
    }
  });

  it('reports an outage once, fails commands at once while it lasts, and recovers with subscriptions', async () => {
    const { happened, events } = recordingEvents();
    const connections = new RedisConnections(events);
    try {
      const shared = connections.connect(settings(redis.url));
      const heard: string[] = [];
      const subscriber = shared.subscriber();
      subscriber.on('message', (_channel: string, message: string) => heard.push(message));
      await subscriber.subscribe(shared.key('news'));
      await vi.waitFor(() => expect(shared.available).toBe(true), WAIT);
      const seen: boolean[] = [];
      shared.onAvailability((available) => seen.push(available));

      await redis.kill();
      await vi.waitFor(() => expect(shared.available).toBe(false), WAIT);
      // Several reconnection attempts fail while it is down; the outage is still reported once.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await expect(shared.client.get(shared.key('greeting'))).rejects.toThrow();
      expect(happened).toEqual([`down ${redis.url}`]);

      await redis.start();
      await vi.waitFor(() => expect(shared.available).toBe(true), WAIT);
      expect(happened).toEqual([`down ${redis.url}`, `up ${redis.url}`]);
      expect(seen).toEqual([false, true]);
      await vi.waitFor(async () => {
        await shared.client.publish(shared.key('news'), 'back');
        expect(heard).toContain('back');
      }, WAIT);
    } finally {
      await connections.close();
    }
  }, 60_000);

  it('counts a Redis that is not there at start as one outage, and fails commands at once', async () => {
    const { happened, events } = recordingEvents();
    const connections = new RedisConnections(events);
    const nowhere = await startTestRedis();
    const url = nowhere.url;
    await nowhere.close();
    try {
      const shared = connections.connect(settings(url, { connectTimeoutMs: 200 }));
      await vi.waitFor(() => expect(happened).toEqual([`down ${url}`]), WAIT);
      await expect(shared.client.set(shared.key('x'), '1')).rejects.toThrow();
      expect(shared.available).toBe(false);
    } finally {
      await connections.close();
    }
  });

  it('closes the connections a new policy no longer names', async () => {
    const { happened, events } = recordingEvents();
    const connections = new RedisConnections(events);
    try {
      const old = connections.connect(settings(redis.url, { keyPrefix: 'old:' }));
      const kept = connections.connect(settings(redis.url, { keyPrefix: 'new:' }));
      await vi.waitFor(() => expect(old.available && kept.available).toBe(true), WAIT);
      await connections.closeAllBut(kept);
      await vi.waitFor(() => expect(old.client.status).toBe('end'), WAIT);
      expect(happened).toEqual([]);
      expect(await kept.client.ping()).toBe('PONG');
      expect(connections.connect(settings(redis.url, { keyPrefix: 'new:' }))).toBe(kept);
    } finally {
      await connections.close();
    }
  });
});
