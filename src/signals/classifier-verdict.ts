import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Embedder } from '../models/embedder.ts';
import type { TextClassification, TextClassifier } from '../models/heads/text-classifier.ts';
import { MODELS_DIR } from '../models/model-files.ts';
import { modelName } from '../models/model-id.ts';
import type { ModelHandle } from '../models/model-library.ts';
import { STATIC_ENCODER_NAME } from '../models/static-encoder/static-encoder-files.ts';
import { Memo } from '../request/memo.ts';
import type { RouterRequest, TextScope } from '../request/router-request.ts';
import { modelText, modelTextKey, requestEncoding } from './request-embedding.ts';
import type { SignalContext } from './signal.ts';

/** The parameters every head-based signal has: which head, and which messages it reads. */
export const HEAD_PARAMS = {
  model: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Folder of a head trained with `semantic-router train` (relative to the policy file); the shipped head by default.',
    ),
  scope: z
    .enum(['last-user', 'user', 'conversation'])
    .default('last-user')
    .describe('Which messages the head reads (at most 8192 characters: the start and the end).'),
};

/** A loaded head and the encoder whose vectors it reads. */
export interface BoundHead {
  classifier: TextClassifier;
  embedder: Embedder;
}

/** The folder of a head: a shipped one (`models/<name>`) unless the policy names its own. */
function headDirectory(builtin: string, path: string | undefined, context: SignalContext): string {
  return path === undefined ? join(MODELS_DIR, builtin) : context.resolvePath(path);
}

/**
 * What a head's card says about its labels and encoder, read synchronously so a policy can be
 * checked (and the encoder start loading) when it loads; empty when the card is missing or
 * unreadable (the load error is reported when the model loads).
 */
function readCardSummary(directory: string): { labels?: string[]; encoderName?: string } {
  const file = join(directory, 'card.json');
  if (!existsSync(file)) return {};
  try {
    const card = JSON.parse(readFileSync(file, 'utf8')) as { labels?: unknown; encoder?: { name?: unknown } };
    return {
      ...(Array.isArray(card.labels) && { labels: card.labels.map(String) }),
      ...(typeof card.encoder?.name === 'string' && { encoderName: card.encoder.name }),
    };
  } catch {
    return {};
  }
}

/** The encoder a head over `encoderName` reads: the embedded one, or the policy's when the head was trained on it. */
function headEncoder(encoderName: string, context: SignalContext): ModelHandle<Embedder> {
  return encoderName === STATIC_ENCODER_NAME ? context.models.staticEncoder() : context.encoder();
}

/**
 * Loads a head and finds its encoder. The encoder its card names (`cardEncoderName`, read when the
 * policy loads) starts loading at once, beside the head, so both are among the models a router
 * waits for at start.
 */
async function bindHead(
  directory: string,
  cardEncoderName: string | undefined,
  context: SignalContext,
): Promise<BoundHead> {
  const classifierHandle = context.models.classifier(directory);
  if (cardEncoderName !== undefined) headEncoder(cardEncoderName, context);
  const classifier = await classifierHandle.get();
  const embedder = await headEncoder(classifier.encoderName, context).get();
  checkHeadEncoder(classifier, embedder);
  return { classifier, embedder };
}

/** Throws unless `embedder` is the encoder the head was trained on and gives the inputs it reads. */
export function checkHeadEncoder(classifier: TextClassifier, embedder: Embedder): void {
  if (modelName(embedder.id) !== classifier.encoderName) {
    throw new Error(
      `${classifier.id} was trained on encoder ${classifier.encoderName}, but the policy's encoder is ${embedder.id}`,
    );
  }
  if (classifier.readsTokenPooling && embedder.encode === undefined)
    throw new Error(`${classifier.id} reads token pooling, which encoder ${embedder.id} does not provide`);
}

/** Verdicts by head and text. */
const VERDICTS = new Memo<string, Promise<TextClassification>>();

/**
 * One head's verdict on a scope's text, computed once per request and shared by every signal using
 * the head (keyed by the text, so scopes with the same text share it too).
 */
export function requestVerdict(
  request: RouterRequest,
  head: BoundHead,
  scope: TextScope,
): Promise<TextClassification> {
  const text = modelText(request, scope);
  return VERDICTS.of(request, modelTextKey(head.classifier.id, text), async () => {
    const encoding = await requestEncoding(request, head.embedder, scope);
    const [verdict] = await head.classifier.classify([{ text, ...encoding }]);
    if (verdict === undefined) throw new Error(`${head.classifier.id} returned no verdict`);
    return verdict;
  });
}

/**
 * What a head-based signal does when it is built: finds the head's folder (the shipped `builtin` one
 * unless `model` names another), refuses labels the head does not know (read from its card, or the
 * shipped head's `builtinLabels` when the card is unreadable: the load error is reported separately),
 * and starts loading the head and its encoder.
 */
export function prepareHead(
  builtin: string,
  builtinLabels: readonly string[],
  params: { model?: string | undefined; labels: readonly string[] },
  context: SignalContext,
): { directory: string; head: Promise<BoundHead> } {
  const directory = headDirectory(builtin, params.model, context);
  const card = readCardSummary(directory);
  const known = card.labels ?? (params.model === undefined ? builtinLabels : undefined);
  const problems = unknownLabels(params.labels, known, directory);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const head = bindHead(directory, card.encoderName, context);
  head.catch(() => {});
  return { directory, head };
}

/** Checks that every label a signal names is one the head knows. */
function unknownLabels(
  labels: readonly string[],
  known: readonly string[] | undefined,
  directory: string,
): string[] {
  if (known === undefined) return [];
  const missing = labels.filter((label) => !known.includes(label));
  return missing.length === 0
    ? []
    : [`unknown label(s) ${missing.join(', ')}; the head in ${directory} knows ${known.join(', ')}`];
}
