import { join } from 'node:path';
import { type Embedder, encodeTexts, type TextEncoding } from './models/embedder.ts';
import {
  isFlagged,
  loadTextClassifier,
  type TrainedTextClassifier,
} from './models/heads/load-text-classifier.ts';
import { textWindows } from './models/heads/text-windows.ts';
import { MODELS_DIR } from './models/model-files.ts';
import { sharedModelLibrary } from './models/shared-model-library.ts';
import { describeStaleHead, staleHead } from './models/stale-heads.ts';
import { STATIC_ENCODER_NAME } from './models/static-encoder/static-encoder-files.ts';
import { loadPolicyEncoder } from './policy/load.ts';
import { builtinRegistry } from './registry.ts';
import { checkHeadEncoder } from './signals/classifier-verdict.ts';
import { detectPii } from './signals/pii/detectors.ts';
import { shippedNameTagger } from './signals/pii/name-tagger.ts';
import { DEFAULT_PII_MIN_CONFIDENCE } from './signals/pii/pii-types.ts';
import { clipForModel } from './signals/request-embedding.ts';

/** What `semantic-router classify` can tell about a text. */
export const CLASSIFY_TASKS = ['domain', 'jailbreak', 'pii'] as const;
export type ClassifyTask = (typeof CLASSIFY_TASKS)[number];

/** One input line: `{"id": ..., "text": "..."}`. */
export interface ClassifyInput {
  id: unknown;
  text: string;
}

/**
 * One output line. `label` is the domain; for jailbreak the attack class, or `benign` below the
 * head's threshold; for pii `pii` or `none`. `score` is the confidence in that label.
 */
export type ClassifyOutput =
  | {
      id: unknown;
      label: string;
      score: number;
      flagged?: boolean;
      /**
       * Jailbreak: the piece whose score this is: the whole text (0) or one of its windows (1..n),
       * with offsets into the text as the router reads it (its first 6144 and last 2048 characters).
       */
      window?: { index: number; of: number; start: number; end: number };
      entities?: { type: string; start: number; end: number; score: number }[];
    }
  | { id: unknown; error: string };

const BATCH = 64;

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}

/** Parses one JSONL line; a bad line becomes an error output that names its line number. */
export function parseClassifyLine(
  line: string,
  lineNumber: number,
): ClassifyInput | { id: unknown; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { id: lineNumber, error: `line ${lineNumber}: not valid JSON` };
  }
  const record = (typeof value === 'object' && value !== null ? value : {}) as {
    id?: unknown;
    text?: unknown;
  };
  const id = record.id ?? lineNumber;
  if (typeof record.text !== 'string') return { id, error: `line ${lineNumber}: "text" must be a string` };
  return { id, text: record.text };
}

/** Every PII type: the structured identifiers and the tagger's names, places, addresses and organisations. */
function piiOutput(input: ClassifyInput): ClassifyOutput {
  const structured = detectPii(input.text);
  const names = shippedNameTagger()
    .tag(input.text)
    .filter((name) => structured.every((id) => id.end <= name.start || name.end <= id.start));
  const entities = [...structured, ...names]
    .sort((a, b) => a.start - b.start)
    .filter((span) => span.score >= DEFAULT_PII_MIN_CONFIDENCE)
    .map((span) => ({ type: span.type, start: span.start, end: span.end, score: round(span.score) }));
  const top = Math.max(0, ...entities.map((entity) => entity.score));
  return entities.length > 0
    ? { id: input.id, label: 'pii', score: top, entities }
    : { id: input.id, label: 'none', score: 1, entities };
}

type Verdict = Awaited<ReturnType<TrainedTextClassifier['classify']>>[number];

/** A text's pieces as a detection head reads them: the text, then its windows (when the card has some). */
interface Piece {
  text: string;
  start: number;
  end: number;
}

function piecesOf(text: string, head: TrainedTextClassifier): Piece[] {
  const windows = head.decision?.windows;
  const whole = { text, start: 0, end: text.length };
  if (windows === undefined) return [whole];
  return [whole, ...textWindows(text, windows).map((w) => ({ text: text.slice(w.start, w.end), ...w }))];
}

function headOutput(
  task: ClassifyTask,
  head: TrainedTextClassifier,
  input: ClassifyInput,
  verdicts: readonly Verdict[],
  pieces: readonly Piece[],
): ClassifyOutput {
  const decision = head.decision;
  const first = verdicts[0] as Verdict;
  if (task !== 'jailbreak' || decision === undefined) {
    return { id: input.id, label: first.label, score: round(first.score) };
  }
  let top = 0;
  verdicts.forEach((candidate, i) => {
    const best = (verdicts[top] as Verdict).scores[decision.negativeLabel] ?? 0;
    if ((candidate.scores[decision.negativeLabel] ?? 0) < best) top = i;
  });
  const verdict = verdicts[top] as Verdict;
  const piece = pieces[top] as Piece;
  const window = { index: top, of: pieces.length - 1, start: piece.start, end: piece.end };
  const benign = verdict.scores[decision.negativeLabel] ?? 0;
  if (!isFlagged(verdict, decision))
    return { id: input.id, label: decision.negativeLabel, score: round(benign), flagged: false, window };
  let label = verdict.label;
  if (label === decision.negativeLabel) {
    const attacks = head.labels.filter((candidate) => candidate !== decision.negativeLabel);
    label = attacks.reduce((best, candidate) =>
      (verdict.scores[candidate] ?? 0) > (verdict.scores[best] ?? 0) ? candidate : best,
    );
  }
  return { id: input.id, label, score: round(1 - benign), flagged: true, window };
}

/** Where `classify` finds a head and, for a head not over the embedded encoder, that encoder. */
export interface ClassifyOptions {
  /** A head's folder (the shipped head of the task by default). */
  modelDir?: string;
  /** A policy whose `encoder:` the head was trained over (`train --policy`). */
  policyFile?: string;
}

/** The classifier for a task: the shipped head unless `modelDir` names another, and its encoder. */
async function headFor(
  task: ClassifyTask,
  options: ClassifyOptions,
): Promise<{ head: TrainedTextClassifier; embedder: Embedder }> {
  const head = await loadTextClassifier(options.modelDir ?? join(MODELS_DIR, task));
  const embedder = await encoderFor(head, options);
  const stale = staleHead(head, embedder);
  if (stale !== undefined) console.error(`warning: ${describeStaleHead(stale)}`);
  return { head, embedder };
}

async function encoderFor(head: TrainedTextClassifier, options: ClassifyOptions): Promise<Embedder> {
  if (head.encoderName === STATIC_ENCODER_NAME) return sharedModelLibrary().staticEncoder().get();
  if (options.policyFile === undefined)
    throw new Error(
      `${head.id} reads encoder ${head.encoderName}; pass --policy with the policy whose encoder it was trained over`,
    );
  const embedder = await loadPolicyEncoder(options.policyFile, builtinRegistry);
  checkHeadEncoder(head, embedder);
  return embedder;
}

/**
 * Classifies inputs in batches, yielding one output per input in order. Texts are cut as the router
 * cuts them (start and end, 8192 characters), so the answers are the ones a policy would see.
 */
export async function* classifyAll(
  task: ClassifyTask,
  inputs: AsyncIterable<ClassifyInput | { id: unknown; error: string }>,
  options: ClassifyOptions = {},
): AsyncGenerator<ClassifyOutput> {
  const model = task === 'pii' ? undefined : await headFor(task, options);
  let batch: (ClassifyInput | { id: unknown; error: string })[] = [];
  const flush = async function* (): AsyncGenerator<ClassifyOutput> {
    const valid = batch.filter((item): item is ClassifyInput => 'text' in item);
    const verdicts = new Map<ClassifyInput, ClassifyOutput>();
    if (model !== undefined && valid.length > 0) {
      const pieces = valid.map((item) => piecesOf(clipForModel(item.text), model.head));
      const texts = pieces.flat().map((piece) => piece.text);
      const encodings = await encodeTexts(model.embedder, texts);
      const results = await model.head.classify(
        texts.map((text, i) => ({ text, ...(encodings[i] as TextEncoding) })),
      );
      let at = 0;
      valid.forEach((item, i) => {
        const own = pieces[i] as Piece[];
        verdicts.set(item, headOutput(task, model.head, item, results.slice(at, at + own.length), own));
        at += own.length;
      });
    }
    for (const item of batch) {
      if (!('text' in item)) yield item;
      else yield verdicts.get(item) ?? piiOutput(item);
    }
    batch = [];
  };
  for await (const input of inputs) {
    batch.push(input);
    if (batch.length >= BATCH) yield* flush();
  }
  yield* flush();
}
