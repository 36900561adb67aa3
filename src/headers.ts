/**
 * Every HTTP header name the router reads or writes, in one place. Envoy lower-cases header keys.
 */
export const Headers = {
  /** Set on the forwarded request: the model the router chose (access logs, backends that read it). */
  selectedModel: 'x-selected-model',
  /**
   * Set on the forwarded request: the chosen model's `endpoint.cluster`. Envoy's route sends the
   * request to the cluster it names (`cluster_header`).
   */
  cluster: 'x-router-cluster',
  /** Name of the decision that chose the model. */
  decision: 'x-router-decision',
  /** Why the decision matched, as a short human-readable list of the signals that fired. */
  reason: 'x-router-reason',
  /** The router's id for this request (Envoy's `x-request-id` when present), echoed on the response. */
  requestId: 'x-request-id',
  /**
   * Set on responses: the id to report the request's outcome by (feedback API). The same as
   * `x-request-id`; its own name says what it is for.
   */
  routerRequestId: 'x-router-request-id',
  /** Sent by a client: λ, the weight of cost against quality for this request (within the policy's bounds). */
  costWeight: 'x-router-cost-weight',
  /** Set on responses so a client can see which model and decision served it. */
  responseModel: 'x-router-model',
  contentLength: 'content-length',
  contentType: 'content-type',
  path: ':path',
  method: ':method',
  status: ':status',
} as const;
