import { checkLexicalConfig, type LexicalConfig } from './lexical-featurizer.ts';
import { checkWindowConfig, type WindowConfig } from './text-windows.ts';

/** The head's files in its folder. */
export const HEAD_FILES = { model: 'head.onnx', card: 'card.json', readme: 'README.md' } as const;

/**
 * A binary decision on top of the head: a text is flagged when the probability of every label but
 * `negativeLabel` (e.g. P(not benign)) is at least `threshold`.
 */
export interface HeadDecision {
  negativeLabel: string;
  threshold: number;
  /** How the threshold was chosen, in words. */
  rule: string;
  /**
   * The windows the threshold was chosen with: a long text is flagged when it or one of these
   * windows of it reaches the threshold (absent: the text is read whole only).
   */
  windows?: WindowConfig;
  /** A higher threshold for refusing a request outright, and how it was chosen (absent: none). */
  blockThreshold?: number;
  blockRule?: string;
}

/**
 * The dense input a head reads besides its lexical features: the encoder's sentence vector alone,
 * or followed by the encoder's token pooling (element-wise max, then min, of the unit token vectors).
 */
export type HeadInputs = 'sentence' | 'sentence+token-max-min';

const HEAD_INPUTS: readonly HeadInputs[] = ['sentence', 'sentence+token-max-min'];

/** Floats in a head's dense input for an encoder of `dimensions`. */
export function denseInputWidth(inputs: HeadInputs, dimensions: number): number {
  return inputs === 'sentence' ? dimensions : dimensions * 3;
}

/** One training data file: where it was read from, its SHA-256 and how many rows it had. */
export interface HeadDataFile {
  file: string;
  sha256: string;
  rows: number;
}

/**
 * What `card.json` of a trained head says. The loader reads `labels`, `encoder`, `lexical`,
 * `hidden`, `decision` and `files`; the rest documents how the head was made and how it measured.
 */
export interface HeadCard {
  name: string;
  description: string;
  labels: string[];
  encoder: { name: string; id: string; dimensions: number };
  lexical: LexicalConfig;
  /** Hidden units (0: linear softmax regression). */
  hidden: number;
  /**
   * `sigmoid`: each label is scored on its own (probabilities do not sum to 1), e.g. the selection
   * head's P(this model answers well) per model. Absent: `softmax`.
   */
  activation?: 'softmax' | 'sigmoid';
  /** The dense input (absent: `sentence`, as in heads from before token pooling). */
  inputs?: HeadInputs;
  decision?: HeadDecision;
  /** File name → hex SHA-256; lists `head.onnx`. */
  files: Record<string, string>;
  data: HeadDataFile[];
  split: { rule: string; salt: string; validationPercent: number; trainRows: number; validationRows: number };
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
}

function fail(reason: string): never {
  throw new Error(reason);
}

/** Checks the fields the runtime relies on; throws an Error naming the first bad field. */
export function checkHeadCard(value: unknown): HeadCard {
  if (typeof value !== 'object' || value === null) fail('the card is not a JSON object');
  const card = value as Partial<HeadCard>;
  if (typeof card.name !== 'string') fail('`name` is missing');
  if (
    !Array.isArray(card.labels) ||
    card.labels.length < 2 ||
    !card.labels.every((l) => typeof l === 'string')
  )
    fail('`labels` must list at least two label names');
  if (new Set(card.labels).size !== card.labels.length) fail('`labels` has duplicates');
  const encoder = card.encoder;
  if (typeof encoder?.name !== 'string' || !Number.isInteger(encoder.dimensions) || encoder.dimensions <= 0)
    fail('`encoder` must give `name` and `dimensions`');
  if (typeof card.lexical !== 'object' || card.lexical === null) fail('`lexical` is missing');
  try {
    checkLexicalConfig(card.lexical);
  } catch (error) {
    fail(`\`lexical\`: ${(error as Error).message}`);
  }
  if (!Number.isInteger(card.hidden) || (card.hidden as number) < 0) fail('`hidden` must be an integer >= 0');
  if (card.activation !== undefined && card.activation !== 'softmax' && card.activation !== 'sigmoid')
    fail('`activation` must be softmax or sigmoid');
  if (card.inputs !== undefined && !HEAD_INPUTS.includes(card.inputs))
    fail(`\`inputs\` must be one of ${HEAD_INPUTS.join(', ')}`);
  if (typeof card.files?.[HEAD_FILES.model] !== 'string')
    fail(`\`files\` must give the SHA-256 of ${HEAD_FILES.model}`);
  const decision = card.decision;
  if (decision !== undefined) {
    if (!card.labels.includes(decision.negativeLabel))
      fail(`\`decision.negativeLabel\` ${decision.negativeLabel} is not one of the labels`);
    if (!(decision.threshold >= 0 && decision.threshold <= 1))
      fail('`decision.threshold` must be within 0..1');
    if (decision.windows !== undefined)
      try {
        checkWindowConfig(decision.windows);
      } catch (error) {
        fail(`\`decision\`: ${(error as Error).message}`);
      }
  }
  return card as HeadCard;
}
