/** Local replies: the response Envoy makes itself for an ImmediateResponse or a filter error. */
import { HeaderMutationError } from './errors.ts';
import { HeaderList } from './header-list.ts';
import { applyHeaderMutation, type HeaderMutationOptions, type RejectedMutation } from './header-mutation.ts';
import { statusCodeNumber } from './status-codes.ts';
import type { ImmediateResponse } from './wire-types.ts';

export interface LocalReply {
  status: number;
  headers: HeaderList;
  body: Buffer;
  rejected: RejectedMutation[];
  /** Set when the header mutation failed as a whole (Envoy logs it and sends the reply without it). */
  mutationError?: string;
}

/**
 * Builds a local reply like Envoy's `sendLocalReply`: the status (values under 200 become 200), the
 * processor's header mutation checked against the filter's rules, and for a non-empty body its
 * content-length and, when none was set, `content-type: text/plain`.
 */
export function localReply(
  status: number,
  body: Buffer,
  mutation: ImmediateResponse['headers'],
  options: Omit<HeaderMutationOptions, 'replacingMessage' | 'skipContentLength'>,
): LocalReply {
  const headers = new HeaderList();
  let rejected: RejectedMutation[] = [];
  let mutationError: string | undefined;
  try {
    rejected = applyHeaderMutation(headers, mutation, {
      ...options,
      replacingMessage: false,
      skipContentLength: false,
    });
  } catch (error) {
    if (!(error instanceof HeaderMutationError)) throw error;
    mutationError = error.message;
  }
  if (body.length > 0) {
    headers.set('content-length', String(body.length));
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain');
  }
  const reply: LocalReply = { status: Math.max(status, 200), headers, body, rejected };
  if (mutationError !== undefined) reply.mutationError = mutationError;
  return reply;
}

/** The local reply for a processor's ImmediateResponse. */
export function immediateReply(
  response: ImmediateResponse,
  options: Omit<HeaderMutationOptions, 'replacingMessage' | 'skipContentLength'>,
): LocalReply {
  const status = statusCodeNumber(response.status?.code);
  const body = response.body ? Buffer.from(response.body) : Buffer.alloc(0);
  return localReply(status, body, response.headers, options);
}
