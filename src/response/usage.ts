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

/**
 * The text of the JSON object that follows `"usage":` (balanced braces, strings skipped), so that
 * a long completion is not parsed whole just to read three numbers. Undefined when absent.
 */
function usageObjectText(text: string): string | undefined {
  const key = text.lastIndexOf('"usage"');
  if (key < 0) return undefined;
  const start = text.indexOf('{', key);
  if (start < 0 || text.slice(key + 7, start).trim() !== ':') return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123) depth++;
    else if (c === 125 && --depth === 0) return text.slice(start, i + 1);
  }
  return undefined;
}

/** Usage from a buffered JSON chat completion; undefined when the body has none or is not JSON. */
export function usageFromJson(body: Buffer): Usage | undefined {
  if (body.length === 0 || body.indexOf('"usage"') < 0) return undefined;
  const usage = usageObjectText(body.toString('utf8'));
  if (usage === undefined) return undefined;
  try {
    return fromObject({ usage: JSON.parse(usage) });
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
