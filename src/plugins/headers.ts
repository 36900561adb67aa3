import { z } from 'zod';
import { Headers } from '../headers.ts';
import { definePlugin } from './plugin.ts';

/**
 * Headers a policy must not set: framing, the request id, and the router's own routing headers
 * (`x-selected-model` and everything under `x-router-`, e.g. the cluster Envoy routes to).
 */
const RESERVED = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  Headers.selectedModel,
  Headers.requestId,
]);
const isReserved = (name: string) => RESERVED.has(name) || name.startsWith('x-router-');

const Params = z
  .object({
    set: z
      .record(
        z.string().regex(/^[a-z0-9-]+$/, 'header names are lower-case letters, digits and dashes'),
        z.string(),
      )
      .describe('Headers set on the forwarded request (overwriting any the client sent).'),
  })
  .strict();

/** Adds headers to the forwarded request, e.g. a tenant tag or an upstream API version. */
export const headersPlugin = definePlugin({
  type: 'headers',
  description: 'Sets headers on the forwarded request.',
  params: Params,
  validate(params) {
    return Object.keys(params.set)
      .filter(isReserved)
      .map((name) => `header ${name} is managed by the router or by Envoy and cannot be set by a policy`);
  },
  create(params) {
    const entries = Object.entries(params.set);
    return {
      apply(plan) {
        for (const [name, value] of entries) plan.requestHeaders.set(name, value);
      },
    };
  },
});
