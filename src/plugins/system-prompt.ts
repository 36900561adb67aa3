import { z } from 'zod';
import { definePlugin } from './plugin.ts';

const Params = z
  .object({
    text: z.string().min(1).describe('The system prompt text.'),
    mode: z
      .enum(['replace', 'prepend', 'append', 'insert-if-missing'])
      .default('insert-if-missing')
      .describe(
        '`replace`: the first system message becomes this text (inserted if none); `prepend`/`append`: joined to the existing system message; `insert-if-missing`: only when the request has no system message.',
      ),
  })
  .strict();

/** Sets, extends or overrides the system prompt of the forwarded request. */
export const systemPromptPlugin = definePlugin({
  type: 'system-prompt',
  description: 'Sets, prepends, appends or inserts a system prompt in the forwarded request.',
  params: Params,
  create(params) {
    return {
      apply(plan) {
        plan.systemPrompt = { text: params.text, mode: params.mode };
      },
    };
  },
});
