import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { Exchange, type RouterContext } from './exchange.ts';
import { IdleStreams } from './idle-streams.ts';
import type { ProcessingRequest, ProcessingResponse } from './messages.ts';
import { EXT_PROC_SERVICE_NAME, loadExtProcService } from './protos.ts';
import { canSetResetLimit, liftResetLimit, retireBeforeResetLimit } from './stream-resets.ts';

/** Largest ext_proc message accepted: a buffered body up to the schema's limit plus framing. */
const MAX_MESSAGE_BYTES = 80 * 1024 * 1024;

export interface ExtProcServer {
  server: grpc.Server;
  health: HealthImplementation;
  port: number;
  /** Stops accepting streams, lets open ones finish for up to `graceMs`, then cancels the rest. */
  close(graceMs: number): Promise<void>;
}

/**
 * Serves Envoy's ExternalProcessor on one bidi stream per HTTP exchange, and the standard gRPC
 * health service on the same port. Answers are written in the order the messages came, including
 * when routing a body is asynchronous. A failure inside the router gets the exchange's failure
 * answer (see `Exchange.failureAnswer`) and is reported; it never breaks the stream.
 */
function createExtProcHandler(
  ctx: RouterContext,
  idleStreams: IdleStreams,
  idleTimeoutMs: number,
): grpc.handleBidiStreamingCall<ProcessingRequest, ProcessingResponse> {
  return (call) => {
    const events = ctx.events();
    const exchange = new Exchange(ctx, events);
    let tail: Promise<void> | undefined;
    let finished = false;
    // A stream on which nothing arrives for this long is closed, so a stalled peer holds nothing.
    const watched = idleStreams.watch(() => {
      events.idle();
      call.emit('error', {
        code: grpc.status.DEADLINE_EXCEEDED,
        details: `no ext_proc message for ${idleTimeoutMs} ms`,
      });
      finish('error');
    });
    const finish = (how: 'completed' | 'cancelled' | 'error') => {
      if (finished) return;
      finished = true;
      watched.done();
      exchange.finish(how);
    };
    const failed = (message: ProcessingRequest, error: unknown) => {
      events.protocolError(error);
      return exchange.failureAnswer(message);
    };
    const answer = (message: ProcessingRequest): ProcessingResponse | Promise<ProcessingResponse> => {
      try {
        const response = exchange.handle(message);
        return response instanceof Promise ? response.catch((error) => failed(message, error)) : response;
      } catch (error) {
        return failed(message, error);
      }
    };
    const write = (message: ProcessingRequest, response: ProcessingResponse) => {
      // In observability mode Envoy ignores answers, so none are sent.
      if (!message.observability_mode && !call.cancelled && call.writable) call.write(response);
    };
    const settle = (pending: Promise<void>) => {
      tail = pending;
      void pending.finally(() => {
        if (tail === pending) tail = undefined;
      });
    };
    call.on('data', (message: ProcessingRequest) => {
      watched.active();
      if (tail) {
        settle(tail.then(() => answer(message)).then((response) => write(message, response)));
        return;
      }
      const response = answer(message);
      if (response instanceof Promise) settle(response.then((r) => write(message, r)));
      else write(message, response);
    });
    call.on('end', () => {
      const close = () => {
        finish(call.cancelled ? 'cancelled' : 'completed');
        if (!call.cancelled) call.end();
      };
      // A cancelled call also ends its read side, before 'cancelled' is emitted: when the exchange
      // is not complete, wait one turn so that a cancellation is told apart from a half-close.
      const done = () => (exchange.complete ? close() : setImmediate(close));
      if (tail) tail.then(done, done);
      else done();
    });
    call.on('cancelled', () => finish('cancelled'));
    call.on('error', (error) => {
      events.streamError(error);
      finish('error');
    });
  };
}

/**
 * Most answers are one of a few frozen constants ("continue", "pass through"); they are encoded
 * once instead of on every message.
 */
function withCachedConstantAnswers(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const process = service.Process;
  if (!process) throw new Error('the ExternalProcessor service has no Process method');
  const encoded = new WeakMap<object, Buffer>();
  const responseSerialize = (value: ProcessingResponse): Buffer => {
    let bytes = encoded.get(value);
    if (!bytes) {
      bytes = process.responseSerialize(value);
      if (Object.isFrozen(value)) encoded.set(value, bytes);
    }
    return bytes;
  };
  return { ...service, Process: { ...process, responseSerialize } };
}

/** Another gRPC service to serve on the same port (e.g. the router's admin API). */
export interface ExtraService {
  name: string;
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
}

/** How long an ext_proc stream may go without a message by default: Envoy's ext_proc stream timeout. */
const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 600_000;

export interface ExtProcServerOptions {
  /** Other gRPC services served on the same port (e.g. the router's admin API). */
  extraServices?: readonly ExtraService[];
  /** A stream without a message for this long is closed (DEADLINE_EXCEEDED). */
  streamIdleTimeoutMs?: number;
}

/**
 * Starts the ext_proc gRPC server on `host:port` (port 0 picks a free one). The HTTP/2 limit on
 * streams a peer may reset is lifted where Node.js allows it, and otherwise a connection is retired
 * gracefully before the limit would close it (see `stream-resets.ts`).
 */
export async function startExtProcServer(
  ctx: RouterContext,
  host: string,
  port: number,
  options: ExtProcServerOptions = {},
): Promise<ExtProcServer> {
  const extraServices = options.extraServices ?? [];
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    'grpc.keepalive_permit_without_calls': 1,
  });
  const lifted = canSetResetLimit() && liftResetLimit(server);
  const idleTimeoutMs = options.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
  const idleStreams = new IdleStreams(idleTimeoutMs);
  server.addService(withCachedConstantAnswers(loadExtProcService().service), {
    Process: createExtProcHandler(ctx, idleStreams, idleTimeoutMs),
  });
  for (const extra of extraServices) server.addService(extra.definition, extra.implementation);
  const health = new HealthImplementation({ '': 'SERVING', [EXT_PROC_SERVICE_NAME]: 'SERVING' });
  for (const extra of extraServices) health.setStatus(extra.name, 'SERVING');
  health.addToServer(server);
  const boundPort = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  if (!lifted && !retireBeforeResetLimit(server, () => ctx.connectionRetired())) {
    ctx.warn(
      'cannot watch HTTP/2 stream resets on this grpc-js: a peer that resets over 1000 streams in a burst loses its connection',
    );
  }
  return {
    server,
    health,
    port: boundPort,
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        for (const name of ['', EXT_PROC_SERVICE_NAME, ...extraServices.map((e) => e.name)]) {
          health.setStatus(name, 'NOT_SERVING');
        }
        const force = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          idleStreams.stop();
          resolve();
        });
      }),
  };
}
