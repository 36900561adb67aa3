import type { TextEncoding } from '../embedder.ts';

/**
 * One text and its encoding by the encoder the classifier was trained on: the sentence vector,
 * plus the token pooling when the head reads it.
 */
export interface ClassifierInput extends TextEncoding {
  text: string;
}

/** A classifier's verdict on one text: the top label, its probability, and every label's probability. */
export interface TextClassification {
  label: string;
  score: number;
  scores: Record<string, number>;
}

/**
 * A trained head over sentence vectors (and, if it was trained so, lexical features of the text).
 * Probabilities of one text sum to 1 over `labels`, except for a head whose card says `activation:
 * sigmoid`, which scores each label on its own. Safe to call concurrently.
 */
export interface TextClassifier {
  /** Names the head and its exact weights, e.g. `domain@1a2b3c4d5e6f`. */
  readonly id: string;
  readonly labels: readonly string[];
  /** The `Embedder.id` prefix (the encoder's name) whose vectors this head reads, e.g. `glove-sif-100d`. */
  readonly encoderName: string;
  /**
   * The exact encoder build the head was trained over (its `Embedder.id`), when its card records it.
   * An encoder of the same name with another id (e.g. a retrained projection) still runs the head,
   * but on vectors it never saw: see `staleHeads`.
   */
  readonly encoderId?: string;
  /** True when inputs must carry the encoder's token pooling (`tokenMax`, `tokenMin`). */
  readonly readsTokenPooling: boolean;
  classify(inputs: readonly ClassifierInput[]): Promise<TextClassification[]>;
}
