import { describe, expect, it } from 'vitest';
import { checkAdminAccess, isLoopback, withoutPaths } from './admin-access.ts';

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.0.0.1:5000', true],
    ['127.9.8.7', true],
    ['[::1]:5000', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['ipv4:127.0.0.1:50051', true],
    ['localhost', true],
    ['10.0.0.1:3', false],
    ['192.168.1.5', false],
    ['[fe80::1]:4', false],
    ['::ffff:10.1.1.1', false],
    ['128.0.0.1', false],
    ['', false],
  ])('%s → %s', (address, expected) => {
    expect(isLoopback(address)).toBe(expected);
  });
});

describe('checkAdminAccess', () => {
  it('without a token, serves loopback callers only', () => {
    expect(checkAdminAccess({ token: undefined }, '127.0.0.1:4000', undefined)).toBeUndefined();
    expect(checkAdminAccess({ token: undefined }, '10.1.2.3:4000', 'Bearer anything')).toMatchObject({
      status: 403,
    });
  });

  it('with a token, wants it from every caller, loopback included', () => {
    const access = { token: 't0ken' };
    expect(checkAdminAccess(access, '10.1.2.3:4000', 'Bearer t0ken')).toBeUndefined();
    expect(checkAdminAccess(access, '127.0.0.1:4000', undefined)).toMatchObject({ status: 401 });
    expect(checkAdminAccess(access, '127.0.0.1:4000', 'Bearer t0ke')).toMatchObject({ status: 401 });
    expect(checkAdminAccess(access, '127.0.0.1:4000', 't0ken')).toMatchObject({ status: 401 });
  });
});

describe('withoutPaths', () => {
  it('shortens absolute paths to file names and leaves other slashes alone', () => {
    expect(withoutPaths("ENOENT: open '/srv/app/models/jailbreak/head.onnx'")).toBe(
      "ENOENT: open 'head.onnx'",
    );
    expect(withoutPaths('classifier /srv/app/models/domain')).toBe('classifier domain');
    expect(withoutPaths('a ratio of 1/2 and GET /v1')).toBe('a ratio of 1/2 and GET /v1');
  });
});
