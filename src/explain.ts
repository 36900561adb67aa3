import { type PipelineObserver, route } from './pipeline.ts';
import type { RuntimePolicy } from './policy/runtime-policy.ts';
import { parseChatRequest } from './request/chat-request.ts';
import { markDryRun } from './request/dry-run.ts';
import { RouterRequest } from './request/router-request.ts';
import type { SignalResult } from './signals/signal.ts';

/** One prompt to explain: a text (sent as the only user message) or a full message list. */
export interface ExplainInput {
  id: string;
  text?: string;
  messages?: { role: string; content: unknown }[];
}

/** What `explain` prints per prompt. `model` is null when the decision rejects the request. */
export interface Explanation {
  id: string;
  decision: string;
  /** The decision's description in the policy, when it has one. */
  decisionDescription?: string;
  model: string | null;
  reason: string[];
  rejected?: { status: number; code: string; message: string };
  /** When a stage answered the request itself (a cache hit): the status it answered with. */
  answered?: { status: number };
  signals: Record<string, SignalResult>;
  /** What each stage would do with the request (the cache: partition, nearest entries, verdicts). */
  stages?: Record<string, Record<string, unknown>>;
}

const SILENT: PipelineObserver = { stageFinished() {}, signalEvaluated() {}, degraded() {} };

/** Parses JSONL prompts; each line `{id?, text | prompt | messages}`. Line numbers name bad lines. */
export function readPromptsJsonl(text: string): ExplainInput[] {
  const inputs: ExplainInput[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new Error(`line ${index + 1}: not JSON: ${(error as Error).message}`);
    }
    const id = value.id === undefined ? String(inputs.length + 1) : String(value.id);
    const text =
      typeof value.text === 'string'
        ? value.text
        : typeof value.prompt === 'string'
          ? value.prompt
          : undefined;
    if (Array.isArray(value.messages)) inputs.push({ id, messages: value.messages });
    else if (text !== undefined) inputs.push({ id, text });
    else throw new Error(`line ${index + 1}: needs "text", "prompt" or "messages"`);
  });
  return inputs;
}

/** Routes one request under `policy` exactly as the server would, and reports every signal. */
export async function explainRequest(policy: RuntimePolicy, request: RouterRequest): Promise<Explanation> {
  markDryRun(request);
  // Stages do not answer here (a cache lookup would count, and mark its entry hit): each says what
  // it would do instead, under `stages`.
  const outcome = await route(request, policy, SILENT, { answer: false });
  const signals = Object.fromEntries(outcome.signals);
  const description = [...policy.decisions, policy.defaultDecision].find(
    (decision) => decision.name === outcome.decision,
  )?.description;
  const decided = {
    id: request.id,
    decision: outcome.decision,
    ...(description !== undefined && { decisionDescription: description }),
  };
  if (outcome.kind === 'route' || outcome.kind === 'respond') {
    const stages: Record<string, Record<string, unknown>> = {};
    for (const stage of policy.stages) {
      const said = await stage.explain?.(
        outcome.stageInput ?? {
          request,
          decision: outcome.decision,
          signals: outcome.signals,
          model: outcome.model,
        },
      );
      if (said) stages[stage.name] = said;
    }
    return {
      ...decided,
      model: outcome.model.name,
      reason: outcome.reason,
      ...(outcome.kind === 'respond' && { answered: { status: outcome.response.status } }),
      signals,
      ...(Object.keys(stages).length > 0 && { stages }),
    };
  }
  return {
    ...decided,
    model: null,
    reason: outcome.reason,
    rejected: { status: outcome.status, code: outcome.code, message: outcome.message },
    signals,
  };
}

/** Explains each prompt in turn (see {@link explainRequest}). */
export async function* explainPrompts(
  policy: RuntimePolicy,
  inputs: Iterable<ExplainInput>,
  options: { model?: string; headers?: Record<string, string> } = {},
): AsyncGenerator<Explanation> {
  const headers = new Map(Object.entries(options.headers ?? {}));
  for (const input of inputs) {
    const messages = input.messages ?? [{ role: 'user', content: input.text ?? '' }];
    const body = Buffer.from(JSON.stringify({ model: options.model ?? 'auto', messages }));
    yield await explainRequest(policy, new RouterRequest(input.id, headers, parseChatRequest(body)));
  }
}
