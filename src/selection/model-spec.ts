import { z } from 'zod';

/** How a model family switches reasoning on and off in a chat completions body (see `reasoningFamily`). */
export const REASONING_FAMILIES = ['openai', 'qwen3', 'deepseek', 'gpt-oss'] as const;
export type ReasoningFamily = (typeof REASONING_FAMILIES)[number];

/** A model the router may choose: where it is served, what it costs, what it can take. */
export const ModelSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .describe('The model name clients and the router use; written into the body `model`.'),
    description: z.string().optional().describe('What the model is for (shown by the admin API).'),
    endpoint: z
      .object({
        cluster: z
          .string()
          .min(1)
          .describe(
            'The Envoy cluster that serves this model: the router names it in `x-router-cluster`, and Envoy routes to the cluster that header names.',
          ),
      })
      .strict()
      .describe('Where Envoy sends requests for this model.'),
    upstreamModel: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The model name the backend expects, when it differs from `name` (e.g. a vLLM served-model-name).',
      ),
    pricing: z
      .object({
        inputPerMillion: z.number().min(0).describe('USD per 1M prompt tokens.'),
        outputPerMillion: z.number().min(0).describe('USD per 1M completion tokens.'),
      })
      .strict()
      .optional(),
    contextWindow: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'Largest prompt, in tokens, the model accepts; selection skips models the prompt does not fit.',
      ),
    private: z
      .boolean()
      .optional()
      .describe(
        'The model runs where personal data may go (e.g. self-hosted). A `pii` plugin with `action: private` sends requests containing personal data only to such models.',
      ),
    reasoningFamily: z
      .enum(REASONING_FAMILIES)
      .optional()
      .describe(
        "How the `reasoning` plugin switches this model's reasoning in the forwarded body. `openai` (OpenAI reasoning models): `reasoning_effort` set to the effort, or `minimal` when off (the lowest setting of GPT-5; o-series models accept only `low`, `medium` and `high`, and GPT-5.1 and later list `none` instead of `minimal`). `qwen3` (Qwen3 on vLLM or SGLang): `chat_template_kwargs.enable_thinking` true or false. `deepseek` (DeepSeek V3.1 on vLLM or SGLang): `chat_template_kwargs.thinking` true or false. `gpt-oss`: `reasoning_effort` set to the effort, or `low` when off, since it cannot be switched off. Without a family the plugin leaves the body alone.",
      ),
  })
  .strict();

export type ModelSpec = z.infer<typeof ModelSchema>;
