import { NAME_TAGGER_FILES, NAME_TAGGER_MAX_CHARS, type NameTaggerCard } from '../signals/pii/name-tagger.ts';
import type { SpanCounts } from './span-metrics.ts';

/** The tagger's human-readable card (README.md): what it reads, data and split, span figures, training. */
export function renderTaggerReadme(card: NameTaggerCard): string {
  const metrics = card.metrics as Record<string, unknown>;
  const table = (part: string) =>
    Object.entries(
      metrics[part] as Record<string, Record<string, { gold: number; precision: number; recall: number }>>,
    )
      .map(
        ([type, m]) =>
          `| ${type} | ${m.exact?.gold} | ${m.exact?.precision.toFixed(3)} | ${m.exact?.recall.toFixed(3)} | ${m.overlap?.precision.toFixed(3)} | ${m.overlap?.recall.toFixed(3)} |`,
      )
      .join('\n');
  return [
    '# pii-names tagger',
    '',
    `${String((card as { description?: string }).description)}`,
    '',
    `- Tags: ${card.labels.join(', ')} (decoded by type: a run of tokens of one type is one span).`,
    `- Reads, per token: ${card.buckets} hashed buckets of features of the token and its neighbours (word, shape, affixes, length, the words and shapes around it, line start), five shape features and the word's frequency bin (its rank in the encoder's vocabulary), and one row per word of the ${card.words} most frequent words of the embedded encoder's vocabulary: the word's vector times the first layer's weights, folded in after training so unseen words keep what their vectors say.`,
    `- Model: MLP with ${card.hidden} hidden units, weight table in float16. \`tagger.onnx\` SHA-256 \`${card.files[NAME_TAGGER_FILES.model]}\`; \`words.txt\` SHA-256 \`${card.files[NAME_TAGGER_FILES.words]}\`.`,
    `- The router reads at most ${NAME_TAGGER_MAX_CHARS} characters per request: its messages from the last one back, each from its start. About 0.1-0.2 ms for a short prompt and 6-13 ms for 4 KB (prose, number-dense text) in JavaScript (\`npm run bench:signals\`).`,
    '',
    '## Data and split',
    '',
    '```json',
    JSON.stringify({ data: card.data, split: card.split, encoder: card.encoder }, null, 2),
    '```',
    '',
    `## Metrics (spans scored at least ${String(metrics.minConfidence)}; exact: same offsets, overlap: a shared character)`,
    '',
    'Validation templates (never trained on, and not used to stop early):',
    '',
    '| type | gold spans | exact precision | exact recall | overlap precision | overlap recall |',
    '|---|---|---|---|---|---|',
    table('validation'),
    '',
    'Development templates (trained on; for comparison):',
    '',
    '| type | gold spans | exact precision | exact recall | overlap precision | overlap recall |',
    '|---|---|---|---|---|---|',
    table('development'),
    '',
    '## Training',
    '',
    '```json',
    JSON.stringify(card.training, null, 2),
    '```',
    '',
    'Reproduce with `semantic-router train pii`; evaluate with `npm run eval:pii`.',
    '',
  ].join('\n');
}

/** Span counts as the card stores them: gold spans, precision and recall per type and match mode. */
export function countsToMetrics(counts: Record<string, Record<'exact' | 'overlap', SpanCounts>>) {
  const round = (x: number) => Number(x.toFixed(4));
  return Object.fromEntries(
    Object.entries(counts).map(([type, modes]) => [
      type,
      Object.fromEntries(
        Object.entries(modes).map(([mode, c]) => [
          mode,
          {
            gold: c.tp + c.fn,
            precision: round(c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp)),
            recall: round(c.tp + c.fn === 0 ? 1 : c.tp / (c.tp + c.fn)),
          },
        ]),
      ),
    ]),
  );
}
