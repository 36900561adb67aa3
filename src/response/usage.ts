/** Token usage reported by an OpenAI-compatible backend. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

function fromObject(value: unknown): Usage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const usage = (value as { usage?: unknown }).usage;
  if (typeof usage !== 'object' || usage === null) return undefined;
  const { prompt_tokens: prompt, completion_tokens: completion } = usage as Record<string, unknown>;
  if (typeof prompt !== 'number' || typeof completion !== 'number') return undefined;
  return { promptTokens: prompt, completionTokens: completion };
}

/** Usage from a buffered JSON chat completion; undefined when the body has none or is not JSON. */
export function usageFromJson(body: Buffer): Usage | undefined {
  if (body.length === 0 || body.indexOf('"usage"') < 0) return undefined;
  try {
    return fromObject(JSON.parse(body.toString('utf8')));
  } catch {
    return undefined;
  }
}

/**
 * Finds usage in a server-sent-events stream, chunk by chunk. OpenAI-compatible servers send it in
 * the last data event when the request asked for `stream_options.include_usage`. Events may be split
 * across chunks, so the tail of each chunk is kept until its event completes.
 */
export class SseUsageScanner {
  #pending = '';
  usage: Usage | undefined;

  push(chunk: Buffer): void {
    const text = this.#pending + chunk.toString('utf8');
    const lastBreak = text.lastIndexOf('\n');
    this.#pending = lastBreak < 0 ? text : text.slice(lastBreak + 1);
    if (this.#pending.length > 1 << 20) this.#pending = '';
    if (lastBreak < 0 || text.indexOf('"usage"') < 0) return;
    for (const line of text.slice(0, lastBreak).split('\n')) {
      if (!line.startsWith('data:') || line.indexOf('"usage"') < 0) continue;
      try {
        const usage = fromObject(JSON.parse(line.slice(5)));
        if (usage) this.usage = usage;
      } catch {
        // not JSON (e.g. [DONE]); nothing to read
      }
    }
  }
}
