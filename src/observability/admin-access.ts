import { createHash, timingSafeEqual } from 'node:crypto';
import { basename } from 'node:path';

/** Who may use the router's admin endpoints beyond health and readiness. */
export interface AdminAccess {
  /** A bearer token every caller must present; without one, only callers on loopback are served. */
  readonly token: string | undefined;
}

/** Why an admin call is refused, or undefined when it may go on. */
export type AdminRefusal = { status: 401 | 403; message: string } | undefined;

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * Whether an address is loopback: a bare one (`127.0.0.1`, `::1`, `::ffff:127.0.0.1`, `localhost`)
 * or a peer with its port (`127.0.0.1:5000`, `[::1]:5000`, as grpc-js reports it).
 */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  let host = address.startsWith('ipv4:') || address.startsWith('ipv6:') ? address.slice(5) : address;
  if (host.startsWith('unix:')) return true;
  if (host.startsWith('[')) host = host.slice(1, host.indexOf(']'));
  else if (host.indexOf(':') === host.lastIndexOf(':') && host.includes(':'))
    host = host.slice(0, host.indexOf(':'));
  if (host.startsWith('::ffff:')) host = host.slice(7);
  return host === '::1' || host === 'localhost' || IPV4_LOOPBACK.test(host);
}

/**
 * Checks an admin call: with a configured token, the caller must send `authorization: Bearer
 * <token>` (compared in constant time); without one, only loopback callers are served, so that an
 * admin port exposed by mistake reveals nothing.
 */
export function checkAdminAccess(
  access: AdminAccess,
  remoteAddress: string | undefined,
  authorization: string | undefined,
): AdminRefusal {
  if (access.token === undefined) {
    return isLoopback(remoteAddress)
      ? undefined
      : {
          status: 403,
          message: 'admin calls from other hosts need the router to be started with an admin token',
        };
  }
  const presented = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
  if (presented !== undefined && timingSafeEqual(digest(presented), digest(access.token))) return undefined;
  return { status: 401, message: 'missing or wrong admin token (authorization: Bearer <token>)' };
}

/** Absolute file paths in a text shortened to their file names, for answers that leave the host. */
export function withoutPaths(text: string): string {
  return text.replace(/(?:[A-Za-z]:)?(?:[/\\][^\s'"`:,()/\\]+){2,}/g, (path) => basename(path));
}
