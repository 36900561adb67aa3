import type { Embedder } from './embedder.ts';
import type { TextClassifier } from './heads/text-classifier.ts';
import { modelName } from './model-id.ts';

/**
 * A head running over the encoder it names, but not the build it was trained over: the encoder was
 * rebuilt with other weights (e.g. a retrained projection, or a user's model file replaced) and the
 * head was not retrained. It still runs, on vectors it never saw, so its scores and thresholds no
 * longer mean what its card says.
 */
export interface StaleHead {
  /** The head's id, e.g. `jailbreak@1a2b3c4d5e6f`. */
  head: string;
  /** The encoder build its card records. */
  trainedOver: string;
  /** The build it runs over now. */
  runsOver: string;
}

/** The staleness of `classifier` over `embedder`, or undefined when it is the build it was trained over (or another encoder entirely). */
export function staleHead(classifier: TextClassifier, embedder: Embedder): StaleHead | undefined {
  const { encoderId } = classifier;
  if (encoderId === undefined || encoderId === embedder.id) return undefined;
  if (modelName(embedder.id) !== classifier.encoderName) return undefined;
  return { head: classifier.id, trainedOver: encoderId, runsOver: embedder.id };
}

/** Every pairing of a loaded head with a loaded encoder of its name that is not the build it was trained over. */
export function staleHeads(
  classifiers: readonly TextClassifier[],
  encoders: readonly Embedder[],
): StaleHead[] {
  return classifiers.flatMap((classifier) =>
    encoders.flatMap((embedder) => staleHead(classifier, embedder) ?? []),
  );
}

/** One line for logs and the CLI. */
export function describeStaleHead(stale: StaleHead): string {
  return `${stale.head} was trained over encoder ${stale.trainedOver} but runs over ${stale.runsOver}: its scores are not the ones its card measured; retrain it (\`semantic-router train\`)`;
}
