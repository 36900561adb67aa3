import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { checkWindowConfig, type WindowConfig } from '../models/heads/text-windows.ts';
import { HEAD_PARAMS, prepareHead } from './classifier-verdict.ts';
import { defineSignal, type SignalResult } from './signal.ts';
import { type PieceVerdict, requestPieceVerdicts } from './window-verdicts.ts';

/** The classes of the shipped jailbreak head. */
const JAILBREAK_LABELS = ['benign', 'harmful', 'injection', 'jailbreak'] as const;

const Params = z
  .object({
    labels: z
      .array(z.string().min(1))
      .min(1)
      .default(['jailbreak', 'injection', 'harmful'])
      .describe(
        'Classes that count as an attack; their probabilities are added up. The shipped head knows jailbreak, injection, harmful and benign.',
      ),
    level: z
      .enum(['suspect', 'block'])
      .default('suspect')
      .describe(
        "Which of the head card's thresholds applies when `threshold` is not set: `suspect` (the shipped head: at most 2% of held-out benign training prompts flagged), or `block`, a higher one for refusing requests outright (the shipped head: at most 0.5% of the held-out benign prompts of any one source). See models/jailbreak/README.md.",
      ),
    threshold: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe(
        "Lowest attack probability that matches. By default the threshold of `level` recorded in the head's card, chosen on held-out parts of its training data.",
      ),
    windows: z
      .number()
      .int()
      .min(0)
      .max(32)
      .optional()
      .describe(
        "Most windows a long text is also read in, the signal taking its highest-scoring piece (a document's buried instruction is read without the rest diluting it). By default the head card's (the shipped head: at most 12 windows of 768 characters, over the at most 8192 characters a model reads); 0 reads the text whole only. Each window is one more pass of the head, so this bounds the work per request.",
      ),
    ...HEAD_PARAMS,
  })
  .strict();

type JailbreakParams = z.infer<typeof Params>;

/** The thresholds and windows a head's card recommends, if it records them. */
function cardDecision(directory: string): {
  threshold?: number;
  blockThreshold?: number;
  windows?: WindowConfig;
} {
  try {
    const card = JSON.parse(readFileSync(join(directory, 'card.json'), 'utf8')) as {
      decision?: { threshold?: unknown; blockThreshold?: unknown; windows?: WindowConfig };
    };
    const windows = card.decision?.windows;
    if (windows !== undefined) checkWindowConfig(windows);
    return {
      ...(typeof card.decision?.threshold === 'number' && { threshold: card.decision.threshold }),
      ...(typeof card.decision?.blockThreshold === 'number' && {
        blockThreshold: card.decision.blockThreshold,
      }),
      ...(windows !== undefined && { windows }),
    };
  } catch {
    return {};
  }
}

/** Where a piece sits, for evidence: `whole text` or `window 3/9 chars 1536-2304`. */
function describePiece(piece: PieceVerdict, count: number): string {
  return piece.window === 0
    ? 'whole text'
    : `window ${piece.window}/${count - 1} chars ${piece.start}-${piece.end}`;
}

/**
 * Jailbreak, prompt-injection and harmful-request detection by a trained head. The score is the
 * probability of the attack classes in the text or, for a long text, in the window of it where it
 * is highest; the signal matches at or above the threshold, and its evidence names that piece.
 */
export const jailbreakSignal = defineSignal({
  type: 'jailbreak',
  waitsOnModel: true,
  description:
    'Detects jailbreaks, prompt injections and harmful requests with a trained head; evidence is the most likely attack class and the attack probability.',
  params: Params,
  create(raw, context) {
    const params = raw as JailbreakParams;
    const { directory, head } = prepareHead('jailbreak', JAILBREAK_LABELS, params, context);
    const card = cardDecision(directory);
    const cardThreshold = params.level === 'block' ? card.blockThreshold : card.threshold;
    // A card that cannot be read is reported when the head loads (the signal then never matches).
    if (params.threshold === undefined && card.threshold !== undefined && cardThreshold === undefined)
      throw new Error(`the head in ${directory} records no block threshold; set \`threshold\``);
    const threshold = params.threshold ?? cardThreshold ?? 0.5;
    const windows =
      card.windows === undefined || params.windows === 0
        ? undefined
        : { chars: card.windows.chars, max: params.windows ?? card.windows.max };
    const attackOf = (verdict: PieceVerdict['verdict']) =>
      params.labels.reduce((sum, label) => sum + (verdict.scores[label] ?? 0), 0);
    return {
      async evaluate(request): Promise<SignalResult> {
        const pieces = await requestPieceVerdicts(request, await head, params.scope, windows);
        let top = pieces[0] as PieceVerdict;
        for (const piece of pieces) if (attackOf(piece.verdict) > attackOf(top.verdict)) top = piece;
        const { verdict } = top;
        const attack = attackOf(verdict);
        let likeliest = '';
        for (const label of params.labels)
          if (likeliest === '' || (verdict.scores[label] ?? 0) > (verdict.scores[likeliest] ?? 0))
            likeliest = label;
        const score = Math.round(attack * 1000) / 1000;
        const matched = attack >= threshold;
        return {
          matched,
          confidence: attack,
          value: score,
          evidence: [
            matched ? likeliest : verdict.label,
            `attack p ${score}`,
            describePiece(top, pieces.length),
            `threshold ${threshold}`,
          ],
        };
      },
    };
  },
});
