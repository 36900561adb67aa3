/**
 * Every HTTP header name the router reads or writes, in one place. Envoy lower-cases header keys.
 */
export const Headers = {
  /** Set on the forwarded request; Envoy's route table picks the cluster from it. */
  selectedModel: 'x-selected-model',
  /** Name of the decision that chose the model. */
  decision: 'x-router-decision',
  /** Why the decision matched, as a short human-readable list of the signals that fired. */
  reason: 'x-router-reason',
  /** The router's id for this request (Envoy's `x-request-id` when present), echoed on the response. */
  requestId: 'x-request-id',
  /** Set on responses so a client can see which model and decision served it. */
  responseModel: 'x-router-model',
  contentLength: 'content-length',
  contentType: 'content-type',
  path: ':path',
  method: ':method',
  status: ':status',
} as const;
