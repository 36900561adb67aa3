import type { RouterRequest } from '../request/router-request.ts';
import type { ModelSpec } from './model-spec.ts';

type Capability = 'tools' | 'vision' | 'reasoning';

/** What the request needs of a model: tools when it sends `tools`, vision for images, reasoning for `reasoning_effort`. */
function needs(request: RouterRequest): Capability[] {
  const { chat } = request;
  const out: Capability[] = [];
  if (chat.hasTools) out.push('tools');
  if (chat.hasImages) out.push('vision');
  if (chat.wantsReasoning) out.push('reasoning');
  return out;
}

/**
 * The candidates a scoring selector may choose from, in order, and notes on what was filtered:
 * first those with every capability the request needs (a capability the catalog leaves out counts
 * as present; when no candidate has one, that filter is dropped and noted), then those whose context
 * window holds the prompt (when none does, the one with the largest window). Never empty for a
 * non-empty list. The prompt is counted only as far as the windows need.
 */
export async function fittingCandidates(
  request: RouterRequest,
  candidates: readonly ModelSpec[],
): Promise<{ models: ModelSpec[]; notes: string[] }> {
  const notes: string[] = [];
  let models = [...candidates];
  for (const need of needs(request)) {
    const able = models.filter((m) => m.capabilities?.[need] !== false);
    if (able.length === 0) notes.push(`no candidate has ${need}; not filtered`);
    else {
      if (able.length < models.length) notes.push(`${need} required`);
      models = able;
    }
  }
  const fits: ModelSpec[] = [];
  for (const model of models) {
    const window = model.contextWindow;
    if (
      window === undefined ||
      request.tokens.atMostFromBytes(window) ||
      (await request.tokens.atMostPausing(window, request.budget))
    )
      fits.push(model);
  }
  if (fits.length === 0) {
    const largest = models.reduce((a, b) => ((b.contextWindow ?? 0) > (a.contextWindow ?? 0) ? b : a));
    notes.push(`no candidate fits the prompt (over ${largest.contextWindow} tokens)`);
    return { models: [largest], notes };
  }
  if (fits.length < models.length) notes.push(`${models.length - fits.length} too small for the prompt`);
  return { models: fits, notes };
}
