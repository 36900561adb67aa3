import { describe, expect, it } from 'vitest';
import { chooseDecision, type HeldOutScore } from './detection-decision.ts';

const LABELS = ['benign', 'attack'];

/** `count` held-out rows of one source and label, their P(attack) spread evenly over [low, high]. */
function rows(source: string, attack: boolean, count: number, low: number, high: number): HeldOutScore[] {
  return Array.from({ length: count }, (_, i) => {
    const p = low + ((high - low) * i) / Math.max(1, count - 1);
    return { probabilities: Float32Array.of(1 - p, p), label: attack ? 1 : 0, source };
  });
}

describe('chooseDecision', () => {
  const scores = [
    ...rows('questions', false, 400, 0, 0.3),
    // A source of benign prompts the head finds suspicious: the pooled rate hides it.
    ...rows('chat', false, 100, 0.2, 0.95),
    ...rows('attacks', true, 300, 0.5, 1),
  ];
  const { decision, heldOutDetection } = chooseDecision(
    { negativeLabel: 'benign', maxFalsePositiveRate: 0.02, blockRate: 0.01 },
    scores,
    LABELS,
    5,
    { chars: 512, max: 16 },
  );

  it('sets the suspect threshold on the pooled benign rows', () => {
    expect(heldOutDetection.flaggedBenign).toBeLessThanOrEqual(0.02);
    expect(decision.threshold).toBeLessThan(0.95);
  });

  it('sets the block threshold so that no source of enough benign rows is flagged more than the block rate', () => {
    const block = decision.blockThreshold as number;
    expect(block).toBeGreaterThan(decision.threshold);
    const chatFlagged = scores.filter((s) => s.source === 'chat' && (s.probabilities[1] as number) >= block);
    expect(chatFlagged.length).toBeLessThanOrEqual(1);
    expect(heldOutDetection.bySource['chat benign']).toMatch(/^\d+\/100, [01] at the block threshold$/);
  });

  it('records the windows the scores were taken over', () => {
    expect(decision.windows).toEqual({ chars: 512, max: 16 });
    expect(decision.rule).toContain('one of its windows');
  });
});
