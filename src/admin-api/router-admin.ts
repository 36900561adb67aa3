import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { RouterError } from '../errors.ts';
import { explainRequest } from '../explain.ts';
import { type AdminAccess, checkAdminAccess } from '../observability/admin-access.ts';
import { formatIssue } from '../policy/policy-error.ts';
import type { RuntimePolicy } from '../policy/runtime-policy.ts';
import { parseChatRequest } from '../request/chat-request.ts';
import { RouterRequest } from '../request/router-request.ts';

/** The router's own gRPC API, `proto/semantic_router/v1/admin.proto`. */
const ADMIN_PROTO_FILE = fileURLToPath(
  new URL('../../proto/semantic_router/v1/admin.proto', import.meta.url),
);
export const ADMIN_SERVICE_NAME = 'semantic_router.v1.RouterAdmin';

interface ExplainRequestMessage {
  chat_completion_json?: string;
  headers?: Record<string, string>;
}

interface AdminPackage {
  semantic_router: { v1: { RouterAdmin: grpc.ServiceClientConstructor } };
}

/** Loads the RouterAdmin service definition (same loader options as Envoy's protos). */
export function loadAdminService(): grpc.ServiceClientConstructor {
  const definition = protoLoader.loadSync(ADMIN_PROTO_FILE, {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return (grpc.loadPackageDefinition(definition) as unknown as AdminPackage).semantic_router.v1.RouterAdmin;
}

/** The descriptions a policy gives, as `PolicyInfo` carries them (entries without one left out). */
function policyDescriptions(policy: RuntimePolicy['policy']) {
  const described = (entries: readonly { key: string; description?: string | undefined }[]) =>
    Object.fromEntries(
      entries.flatMap(({ key, description }) => (description === undefined ? [] : [[key, description]])),
    );
  return {
    description: policy.metadata?.description ?? '',
    model_descriptions: described(policy.models.map((m) => ({ key: m.name, description: m.description }))),
    decision_descriptions: described(
      [...policy.decisions, policy.defaultDecision].map((d) => ({ key: d.name, description: d.description })),
    ),
    signal_descriptions: described(
      policy.signals.map((s) => ({ key: `${s.type}:${s.name}`, description: s.description })),
    ),
  };
}

/** Refuses a call `access` does not admit (UNAUTHENTICATED or PERMISSION_DENIED); true when refused. */
function refused(
  access: AdminAccess,
  call: grpc.ServerUnaryCall<unknown, unknown>,
  callback: grpc.sendUnaryData<unknown>,
): boolean {
  const authorization = call.metadata.get('authorization')[0];
  const refusal = checkAdminAccess(
    access,
    call.getPeer(),
    typeof authorization === 'string' ? authorization : authorization?.toString(),
  );
  if (!refusal) return false;
  const code = refusal.status === 401 ? grpc.status.UNAUTHENTICATED : grpc.status.PERMISSION_DENIED;
  callback({ code, details: refusal.message });
  return true;
}

/**
 * The RouterAdmin implementation over the policy being served, for the callers `access` admits. A
 * request that is not a chat completion answers INVALID_ARGUMENT with the parser's message. Answers
 * name the policy file, never its path on the host.
 */
export function createRouterAdmin(
  policies: { readonly current: RuntimePolicy },
  access: AdminAccess,
): grpc.UntypedServiceImplementation {
  return {
    Explain(
      call: grpc.ServerUnaryCall<ExplainRequestMessage, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      if (refused(access, call, callback)) return;
      let request: RouterRequest;
      try {
        const headers = new Map(
          Object.entries(call.request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
        );
        const chat = parseChatRequest(Buffer.from(call.request.chat_completion_json ?? ''));
        request = new RouterRequest('explain', headers, chat);
      } catch (error) {
        const message = error instanceof RouterError ? error.message : 'invalid request';
        callback({ code: grpc.status.INVALID_ARGUMENT, details: message });
        return;
      }
      explainRequest(policies.current, request).then(
        (explanation) =>
          callback(null, {
            decision: explanation.decision,
            decision_description: explanation.decisionDescription ?? '',
            model: explanation.model ?? '',
            reason: explanation.reason,
            ...(explanation.rejected ? { rejection: explanation.rejected } : {}),
            signals: explanation.signals,
            stages: Object.fromEntries(
              Object.entries(explanation.stages ?? {}).map(([name, said]) => [name, JSON.stringify(said)]),
            ),
          }),
        (error: Error) => callback({ code: grpc.status.INTERNAL, details: error.message }),
      );
    },
    InvalidateCache(
      call: grpc.ServerUnaryCall<Record<string, string | undefined>, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      if (refused(access, call, callback)) return;
      const filter: Record<string, string> = {};
      for (const field of ['tenant', 'category', 'decision', 'model']) {
        const value = call.request[field];
        if (typeof value === 'string') filter[field] = value;
      }
      const stages = policies.current.stages.filter((stage) => stage.invalidate);
      Promise.all(stages.map((stage) => stage.invalidate?.(filter) ?? 0)).then(
        (counts) => callback(null, { removed: String(counts.reduce((sum, n) => sum + n, 0)) }),
        (error: Error) => callback({ code: grpc.status.UNAVAILABLE, details: error.message }),
      );
    },
    GetPolicy(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
      if (refused(access, call, callback)) return;
      const policy = policies.current;
      const file = basename(policy.source);
      callback(null, {
        name: policy.policy.metadata?.name ?? '',
        source: file,
        sha256: policy.digest,
        models: [...policy.models.keys()],
        decisions: [...policy.decisions.map((d) => d.name), policy.defaultDecision.name],
        signals: policy.signals.map((s) => s.key),
        warnings: policy.warnings.map((w) => formatIssue(w, file)),
        ...policyDescriptions(policy.policy),
      });
    },
  };
}
