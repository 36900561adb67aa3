import { encodeTexts, type TextEncoding } from '../models/embedder.ts';
import type { TextClassification } from '../models/heads/text-classifier.ts';
import { textWindows, type WindowConfig } from '../models/heads/text-windows.ts';
import { Memo } from '../request/memo.ts';
import type { RouterRequest, TextScope } from '../request/router-request.ts';
import { type BoundHead, requestVerdict } from './classifier-verdict.ts';
import { modelText, modelTextKey } from './request-embedding.ts';

/** Verdicts on a text and its windows, by head, window size and text. */
const PIECE_VERDICTS = new Memo<string, Promise<PieceVerdict[]>>();

/**
 * A head's verdict on one piece of a scope's model text: the whole text (`window` 0) or one of its
 * windows (1..n), with the piece's offsets into the model text.
 */
export interface PieceVerdict {
  window: number;
  start: number;
  end: number;
  verdict: TextClassification;
}

/**
 * A head's verdicts on a scope's model text and on its windows ({@link textWindows}), computed once
 * per request and text. The windows are encoded in one encoder run and classified in one pass; at
 * most `windows.max` of them, so the work is bounded whatever the request's size.
 */
export function requestPieceVerdicts(
  request: RouterRequest,
  head: BoundHead,
  scope: TextScope,
  windows: WindowConfig | undefined,
): Promise<PieceVerdict[]> {
  const text = modelText(request, scope);
  const shape = windows ? `${windows.chars}x${windows.max}` : 'whole';
  return PIECE_VERDICTS.of(request, modelTextKey(`${head.classifier.id}:${shape}`, text), async () => {
    const whole = await requestVerdict(request, head, scope);
    const pieces: PieceVerdict[] = [{ window: 0, start: 0, end: text.length, verdict: whole }];
    const cuts = windows ? textWindows(text, windows) : [];
    if (cuts.length === 0) return pieces;
    const texts = cuts.map((cut) => text.slice(cut.start, cut.end));
    const encodings = await encodeTexts(head.embedder, texts);
    const verdicts = await head.classifier.classify(
      texts.map((piece, i) => ({ text: piece, ...(encodings[i] as TextEncoding) })),
    );
    cuts.forEach((cut, i) => {
      const verdict = verdicts[i];
      if (verdict === undefined) throw new Error(`${head.classifier.id} returned no verdict for a window`);
      pieces.push({ window: i + 1, start: cut.start, end: cut.end, verdict });
    });
    return pieces;
  });
}
