import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { type AdminAccess, checkAdminAccess } from '../observability/admin-access.ts';

const FEEDBACK_PROTO_FILE = fileURLToPath(
  new URL('../../proto/semantic_router/v1/feedback.proto', import.meta.url),
);
export const FEEDBACK_SERVICE_NAME = 'semantic_router.v1.RouterFeedback';

/** Most outcomes one call may carry. */
export const MAX_OUTCOMES_PER_CALL = 1000;

/** What takes outcomes: the router's learning hub. Answers `accepted`, `duplicate`, `unknown` or `invalid`. */
export interface OutcomeSink {
  report(id: string, outcome: unknown): Promise<'accepted' | 'duplicate' | 'unknown' | 'invalid'>;
}

interface OutcomeMessage {
  request_id?: string;
  result?: 'score' | 'thumbs_up' | 'success';
  score?: number;
  thumbs_up?: boolean;
  success?: boolean;
}

interface FeedbackPackage {
  semantic_router: { v1: { RouterFeedback: grpc.ServiceClientConstructor } };
}

/** Loads the RouterFeedback service definition. */
export function loadFeedbackService(): grpc.ServiceClientConstructor {
  const definition = protoLoader.loadSync(FEEDBACK_PROTO_FILE, {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return (grpc.loadPackageDefinition(definition) as unknown as FeedbackPackage).semantic_router.v1
    .RouterFeedback;
}

/** The outcome a message carries, in the hub's terms (`{score}`, `{thumbs}`, `{success}`), or undefined. */
function fromMessage(message: OutcomeMessage): unknown {
  switch (message.result) {
    case 'score':
      return { score: message.score };
    case 'thumbs_up':
      return { thumbs: message.thumbs_up ? 'up' : 'down' };
    case 'success':
      return { success: message.success };
    default:
      return undefined;
  }
}

/** The RouterFeedback implementation, for the callers `access` admits (the admin API's rules). */
export function createRouterFeedback(
  sink: OutcomeSink,
  access: AdminAccess,
): grpc.UntypedServiceImplementation {
  return {
    ReportOutcomes(
      call: grpc.ServerUnaryCall<{ outcomes?: OutcomeMessage[] }, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      const authorization = call.metadata.get('authorization')[0];
      const refusal = checkAdminAccess(
        access,
        call.getPeer(),
        typeof authorization === 'string' ? authorization : authorization?.toString(),
      );
      if (refusal) {
        const code = refusal.status === 401 ? grpc.status.UNAUTHENTICATED : grpc.status.PERMISSION_DENIED;
        callback({ code, details: refusal.message });
        return;
      }
      const outcomes = call.request.outcomes ?? [];
      if (outcomes.length > MAX_OUTCOMES_PER_CALL) {
        callback({
          code: grpc.status.INVALID_ARGUMENT,
          details: `at most ${MAX_OUTCOMES_PER_CALL} outcomes per call, got ${outcomes.length}`,
        });
        return;
      }
      Promise.all(outcomes.map((o) => sink.report(o.request_id ?? '', fromMessage(o)))).then(
        (statuses) =>
          callback(null, {
            results: statuses.map((status, i) => ({
              request_id: outcomes[i]?.request_id ?? '',
              status: `OUTCOME_STATUS_${status.toUpperCase()}`,
            })),
          }),
        (error: Error) => callback({ code: grpc.status.INTERNAL, details: error.message }),
      );
    },
  };
}
