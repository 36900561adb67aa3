import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEAD_FILES, type HeadCard } from '../models/heads/head-card.ts';
import { encodeHeadModel } from '../models/heads/head-graph.ts';
import type { HeadWeights } from '../models/heads/head-weights.ts';
import { sha256 } from '../models/model-files.ts';
import type { HeadEvaluation } from './head-evaluation.ts';
import { formatClassificationReport, formatDetection } from './metrics.ts';

/** Everything of the card but what the export computes (the model's digest). */
export type HeadCardDraft = Omit<HeadCard, 'files' | 'metrics'>;

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** The validation metrics as the card stores them (rates rounded to 4 digits). */
function evaluationToMetrics(evaluation: HeadEvaluation): Record<string, unknown> {
  const round = (value: number) => (Number.isNaN(value) ? null : Number(value.toFixed(4)));
  const c = evaluation.classification;
  return {
    validationExamples: c.examples,
    accuracy: round(c.accuracy),
    macroF1: round(c.macroF1),
    perClass: Object.fromEntries(
      Object.entries(c.perClass).map(([label, m]) => [
        label,
        { precision: round(m.precision), recall: round(m.recall), f1: round(m.f1), support: m.support },
      ]),
    ),
    confusion: { labels: c.labels, rows: c.confusion },
    variants: Object.fromEntries(
      Object.entries(evaluation.variants).map(([name, r]) => [
        name,
        { accuracy: round(r.accuracy), macroF1: round(r.macroF1) },
      ]),
    ),
    ...(evaluation.detection
      ? {
          detection: Object.fromEntries(
            Object.entries(evaluation.detection).map(([name, d]) => [
              name,
              {
                recall: round(d.recall),
                flaggedBenign: round(d.falsePositiveRate),
                attacks: d.positives,
                benign: d.negatives,
              },
            ]),
          ),
        }
      : {}),
  };
}

/** The human-readable card (README.md) of a head. */
function renderHeadReadme(card: HeadCard, evaluation: HeadEvaluation): string {
  const lines = [
    `# ${card.name} head`,
    '',
    card.description,
    '',
    `- Labels: ${card.labels.join(', ')}`,
    `- Reads: ${card.inputs === 'sentence+token-max-min' ? 'sentence vectors and token pooling (element-wise max and min of the unit word vectors) of' : 'sentence vectors of'} \`${card.encoder.name}\` (${card.encoder.dimensions} dimensions${card.inputs === 'sentence+token-max-min' ? ' each' : ''}; trained with \`${card.encoder.id}\`) and hashed lexical features (${card.lexical.buckets} buckets, word 1..${card.lexical.wordNgrams}-grams, character ${card.lexical.charNgrams?.join('..') ?? 'no'}-grams${card.lexical.shapeShare ? `, text-shape bins at ${card.lexical.shapeShare} of the squared norm` : ''}, L2-normalised).`,
    `- Model: ${card.hidden === 0 ? 'linear softmax regression' : `MLP with ${card.hidden} hidden units`}; lexical table in float16. \`head.onnx\` SHA-256 \`${card.files[HEAD_FILES.model]}\`.`,
    ...(card.decision
      ? [`- Decision: threshold **${card.decision.threshold}**; ${card.decision.rule}.`]
      : []),
    '',
    '## Data',
    '',
    ...card.data.map((d) => `- \`${d.file}\`: ${d.rows} rows, SHA-256 \`${d.sha256}\``),
    '',
    `Split: ${card.split.rule}. ${card.split.trainRows} training rows, ${card.split.validationRows} validation rows.`,
    '',
    '## Validation metrics',
    '',
    '```',
    formatClassificationReport(evaluation.classification),
    ...Object.entries(evaluation.variants).map(
      ([name, r]) => `${name}: accuracy ${percent(r.accuracy)}, macro F1 ${percent(r.macroF1)}`,
    ),
    ...(evaluation.detection
      ? [
          '',
          `detection at threshold ${card.decision?.threshold}:`,
          ...Object.entries(evaluation.detection).map(([name, d]) => formatDetection(name, d)),
        ]
      : []),
    '```',
    '',
    '## Training',
    '',
    '```json',
    JSON.stringify(card.training, null, 2),
    '```',
    '',
    `Reproduce with \`semantic-router train ${card.name}\`; evaluate with \`npm run eval\`.`,
    '',
  ];
  return lines.join('\n');
}

/** Writes `head.onnx`, then `card.json` (with the model's SHA-256) and `README.md` into `directory`. */
export function writeHead(
  directory: string,
  weights: HeadWeights,
  draft: HeadCardDraft,
  evaluation: HeadEvaluation,
): HeadCard {
  mkdirSync(directory, { recursive: true });
  const model = encodeHeadModel(weights, { name: draft.name, encoder: draft.encoder.name });
  writeFileSync(join(directory, HEAD_FILES.model), model);
  const card: HeadCard = {
    ...draft,
    files: { [HEAD_FILES.model]: sha256(model) },
    metrics: evaluationToMetrics(evaluation),
  };
  writeFileSync(join(directory, HEAD_FILES.card), `${JSON.stringify(card, null, 2)}\n`);
  writeFileSync(join(directory, HEAD_FILES.readme), renderHeadReadme(card, evaluation));
  return card;
}
