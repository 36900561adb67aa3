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
    capabilities: z
      .object({
        tools: z
          .boolean()
          .optional()
          .describe('Calls tools: requests that send `tools` go only to models that do.'),
        vision: z
          .boolean()
          .optional()
          .describe('Reads images: requests with image content parts go only to models that do.'),
        reasoning: z
          .boolean()
          .optional()
          .describe(
            'Reasons before answering: requests that set `reasoning_effort` go only to models that do.',
          ),
      })
      .strict()
      .optional()
      .describe(
        'What the model can do. Learned and cost-aware selection skip candidates that lack what a request needs (a capability left out counts as present); when none has it, every candidate stays.',
      ),
    quality: z
      .object({
        prior: z
          .number()
          .min(0)
          .max(1)
          .optional()
          .describe(
            'Expected share of prompts the model answers well (0..1), for selection when the quality head does not know the model.',
          ),
        byDomain: z
          .record(z.string(), z.number().min(0).max(1))
          .optional()
          .describe(
            "The same per domain label (a `domain` signal's predicted label for the request); wins over `prior` when the request's domain is listed.",
          ),
        predictedAs: z
          .string()
          .min(1)
          .optional()
          .describe(
            "The model of the quality head's card whose predictions stand for this one (e.g. an older release of the same family); by default its own name.",
          ),
      })
      .strict()
      .optional()
      .describe('What selection assumes about how well the model answers.'),
    expectedOutputTokens: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        "Tokens the model is expected to write per answer, for the predicted cost; by default the running average of its responses' usage, 256 before any.",
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
