/** One text and its sentence vector from the encoder the classifier was trained on. */
export interface ClassifierInput {
  text: string;
  embedding: Float32Array;
}

/** A classifier's verdict on one text: the top label, its probability, and every label's probability. */
export interface TextClassification {
  label: string;
  score: number;
  scores: Record<string, number>;
}

/**
 * A trained head over sentence vectors (and, if it was trained so, lexical features of the text).
 * Probabilities of one text sum to 1 over `labels`. Safe to call concurrently.
 */
export interface TextClassifier {
  /** Names the head and its exact weights, e.g. `domain@1a2b3c4d5e6f`. */
  readonly id: string;
  readonly labels: readonly string[];
  /** The `Embedder.id` prefix (the encoder's name) whose vectors this head reads, e.g. `glove-sif-100d`. */
  readonly encoderName: string;
  classify(inputs: readonly ClassifierInput[]): Promise<TextClassification[]>;
}
