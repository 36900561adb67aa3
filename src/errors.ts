/** Closed set of error kinds; each maps to one HTTP status and one metric label. */
export type RouterErrorCode = 'bad_request' | 'payload_too_large' | 'rejected' | 'unavailable' | 'internal';

const HTTP_STATUS: Record<RouterErrorCode, number> = {
  bad_request: 400,
  payload_too_large: 413,
  rejected: 403,
  unavailable: 503,
  internal: 500,
};

/**
 * The router's one error type. `message` is safe to send to the client; `cause` goes to logs only.
 * `status` defaults to the code's HTTP status (a policy's reject plugin may choose another).
 */
export class RouterError extends Error {
  readonly code: RouterErrorCode;
  readonly status: number;

  constructor(code: RouterErrorCode, message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RouterError';
    this.code = code;
    this.status = options.status ?? HTTP_STATUS[code];
  }
}

/** OpenAI-style error `type` for a status, as clients of the OpenAI API expect. */
function openAiErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** The JSON body OpenAI-compatible clients parse on errors. */
export function openAiErrorBody(status: number, message: string, code: string | null = null): string {
  return JSON.stringify({ error: { message, type: openAiErrorType(status), param: null, code } });
}
