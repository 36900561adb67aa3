import { describe, expect, it } from 'vitest';
import type { OutcomeRow, PriceTable } from './outcome-rows.ts';
import { renderFrontierSvg, replayJson } from './replay-report.ts';
import {
  lambdaGrid,
  type ReplayInput,
  replayBandit,
  replayBaselines,
  replayCostAware,
  replayThompson,
} from './selection-replay.ts';

const prices: PriceTable = { prices: { big: { input: 10, output: 10 }, small: { input: 1, output: 1 } } };

/** "hard" prompts only the big model answers; "easy" ones both do. The head knows which is which. */
function input(): ReplayInput {
  const rows: OutcomeRow[] = Array.from({ length: 200 }, (_, i) => {
    const hard = i % 4 === 0;
    return {
      id: String(i),
      prompt: `${hard ? 'hard' : 'easy'} question number ${i}`,
      outcomes: { big: 1, small: hard ? 0 : 1 },
      output_tokens: { big: 100, small: 100 },
    };
  });
  return {
    rows,
    candidates: ['big', 'small'],
    prices,
    predicted: rows.map((row) => Float32Array.of(0.95, row.prompt.startsWith('hard') ? 0.1 : 0.9)),
    embeddings: rows.map(() => new Float32Array(4)),
    expectedOutputTokens: { big: 100, small: 100 },
    priors: { big: 1, small: 0.75 },
  };
}

describe('selection replay', () => {
  it('measures the baselines: each model, random, and the oracle (cheapest right answer)', () => {
    const baselines = replayBaselines(input());
    expect(baselines.big?.quality).toBe(1);
    expect(baselines.small?.quality).toBe(0.75);
    expect(baselines.random?.quality).toBeCloseTo(0.875, 5);
    expect(baselines.oracle?.quality).toBe(1);
    expect(baselines.oracle?.cost).toBeLessThan(baselines.big?.cost as number);
  });

  it('sends only the hard prompts to the big model at a middling λ, and everything to one model at the ends', () => {
    const data = input();
    expect(replayCostAware(data, 0).shares).toEqual({ big: 1 });
    const middle = replayCostAware(data, 0.5);
    expect(middle.shares).toEqual({ big: 0.25, small: 0.75 });
    expect(middle.quality).toBe(1);
    expect(replayCostAware(data, 1000).shares).toEqual({ small: 1 });
  });

  it('offers a row only the candidates whose context window holds its prompt, as the router does', () => {
    const base = input();
    // Every fifth prompt is long (14 estimated tokens against 6): a window of 10 holds only the short ones.
    const data = {
      ...base,
      rows: base.rows.map((row, i) =>
        i % 5 === 0 ? { ...row, prompt: `${row.prompt} with a good deal more context` } : row,
      ),
    };
    const windowed = { ...data, contextWindows: { small: 10 } };
    const longRows = data.rows.filter((row) => Math.ceil(row.prompt.length / 4) > 10).length;
    expect(longRows).toBe(40);
    expect(replayCostAware(windowed, 1000).shares).toEqual({
      big: Number((longRows / data.rows.length).toPrecision(5)),
      small: Number(((data.rows.length - longRows) / data.rows.length).toPrecision(5)),
    });
    // When no candidate's window holds the prompt, the largest is offered.
    const tiny = { ...data, contextWindows: { big: 2, small: 1 } };
    expect(replayCostAware(tiny, 1000).shares).toEqual({ big: 1 });
  });

  it('lets the bandit and the prompt-blind Thompson sampler learn online; only the bandit tells hard from easy', () => {
    const data = input();
    const bandit = replayBandit(data, 0.5, { exploration: 0.05, priorWeight: 20 }, 'head');
    const thompson = replayThompson(data, 0.5);
    expect(bandit.quality).toBeGreaterThan(thompson.quality);
    expect(bandit.quality).toBeGreaterThan(0.95);
    const sampled = replayBandit(
      data,
      0.5,
      { exploration: 0.05, priorWeight: 20, sampling: 'thompson' },
      'head',
    );
    expect(sampled.quality).toBeGreaterThan(thompson.quality);
    // Seeded: the same pass gives the same figures.
    expect(
      replayBandit(data, 0.5, { exploration: 0.05, priorWeight: 20, sampling: 'thompson' }, 'head'),
    ).toEqual(sampled);
  });

  it('sweeps λ from 0 across both ends, and reports a table-ready JSON line and an SVG', () => {
    const data = input();
    const lambdas = lambdaGrid(data, 9);
    expect(lambdas[0]).toBe(0);
    const points = lambdas.map((lambda) => replayCostAware(data, lambda));
    expect(points.at(-1)?.shares).toEqual({ small: 1 });
    const report = { method: 'cost-aware', points, online: {}, baselines: replayBaselines(data) };
    const json = JSON.parse(replayJson(report)) as { points: unknown[]; baselines: Record<string, unknown> };
    expect(json.points).toHaveLength(9);
    expect(Object.keys(json.baselines)).toEqual(['big', 'small', 'random', 'oracle']);
    expect(renderFrontierSvg(report, 'test')).toMatch(/^<svg[\s\S]*<polyline[\s\S]*<\/svg>$/);
  });
});
