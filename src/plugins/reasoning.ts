import { z } from 'zod';
import { definePlugin, REASONING_EFFORTS } from './plugin.ts';

const Params = z
  .object({
    enabled: z.boolean().describe("`true` turns the selected model's reasoning on, `false` turns it off."),
    effort: z
      .enum(REASONING_EFFORTS)
      .default('medium')
      .describe('With `enabled: true`: the effort asked of families that take one (`openai`, `gpt-oss`).'),
  })
  .strict();

/**
 * Switches the reasoning ("thinking") mode of the selected model, e.g. on for a maths decision and off
 * for chit-chat. The plugin only records the intent: the model is chosen after the plugins run, so the
 * body rewrite spells it for that model's `reasoningFamily`.
 */
export const reasoningPlugin = definePlugin({
  type: 'reasoning',
  description:
    "Turns the selected model's reasoning (\"thinking\") on or off in the forwarded body, in the convention of its `models[].reasoningFamily`; models without a family are left alone. `chat_template_kwargs` is merged into, not replaced, and a field the client set itself (`reasoning_effort`, or the family's key in `chat_template_kwargs`) keeps the client's value.",
  params: Params,
  create(params) {
    const reasoning = { enabled: params.enabled, effort: params.effort };
    return {
      apply(plan) {
        plan.reasoning = reasoning;
      },
    };
  },
});
