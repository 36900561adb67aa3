import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { HEAD_PARAMS, prepareHead, requestVerdict } from './classifier-verdict.ts';
import { defineSignal, type SignalResult } from './signal.ts';

/** The classes of the shipped jailbreak head. */
export const JAILBREAK_LABELS = ['benign', 'harmful', 'injection', 'jailbreak'] as const;

const Params = z
  .object({
    labels: z
      .array(z.string().min(1))
      .min(1)
      .default(['jailbreak', 'injection', 'harmful'])
      .describe(
        'Classes that count as an attack; their probabilities are added up. The shipped head knows jailbreak, injection, harmful and benign.',
      ),
    threshold: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe(
        "Lowest attack probability that matches. By default the threshold recorded in the head's card, chosen on a held-out part of its training data (see models/jailbreak/README.md).",
      ),
    ...HEAD_PARAMS,
  })
  .strict();

type JailbreakParams = z.infer<typeof Params>;

/** The threshold a head's card recommends, if it records one. */
function cardThreshold(directory: string): number | undefined {
  try {
    const card = JSON.parse(readFileSync(join(directory, 'card.json'), 'utf8')) as {
      decision?: { threshold?: unknown };
    };
    return typeof card.decision?.threshold === 'number' ? card.decision.threshold : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Jailbreak, prompt-injection and harmful-request detection by a trained head. The score is the
 * probability of the attack classes; the signal matches at or above the threshold.
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
    const threshold = params.threshold ?? cardThreshold(directory) ?? 0.5;
    return {
      async evaluate(request): Promise<SignalResult> {
        const verdict = await requestVerdict(request, await head, params.scope);
        let attack = 0;
        let likeliest = '';
        for (const label of params.labels) {
          const p = verdict.scores[label] ?? 0;
          attack += p;
          if (likeliest === '' || p > (verdict.scores[likeliest] ?? 0)) likeliest = label;
        }
        const score = Math.round(attack * 1000) / 1000;
        const matched = attack >= threshold;
        return {
          matched,
          confidence: attack,
          value: score,
          evidence: [matched ? likeliest : verdict.label, `attack p ${score}`, `threshold ${threshold}`],
        };
      },
    };
  },
});
