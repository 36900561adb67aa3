import { z } from 'zod';
import { definePlugin } from './plugin.ts';

const Params = z
  .object({
    status: z.number().int().min(400).max(599).default(403).describe('HTTP status of the reply.'),
    message: z.string().min(1).describe('The error message sent to the client (OpenAI-style error body).'),
    code: z.string().min(1).default('request_rejected').describe('The `error.code` field of the reply.'),
  })
  .strict();

/** Answers the client with an OpenAI-style error instead of forwarding the request. */
export const rejectPlugin = definePlugin({
  type: 'reject',
  protects: true,
  description: 'Answers the request with an error status and message instead of forwarding it.',
  params: Params,
  create(params) {
    const reject = { status: params.status, message: params.message, code: params.code };
    return {
      apply(plan) {
        plan.reject = reject;
      },
    };
  },
});
