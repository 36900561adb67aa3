import { Memo } from '../../request/memo.ts';
import { type RouterRequest, SCOPE_SEPARATOR, type TextScope } from '../../request/router-request.ts';
import { scanInWindows, WHOLE_TEXT_CHARS } from '../text/windows.ts';
import { detectPii, resolveOverlaps } from './detectors.ts';
import { NAME_TAGGER_MAX_CHARS, type NameTagger } from './name-tagger.ts';
import type { PiiSpan } from './pii-types.ts';

/** Spans now, or (for a long text scanned in pauses) later. */
export type MaybeLater<T> = T | Promise<T>;

const MESSAGE_PII = new Memo<number, MaybeLater<readonly PiiSpan[]>>();
const NAME_BUDGET = new Memo<'names', ReadonlyMap<number, number>>();
/** By tagger and message: `${tagger name}\u0000${index}`. */
const MESSAGE_NAMES = new Memo<string, readonly PiiSpan[]>();
const MESSAGE_FINDINGS = new Memo<string, MaybeLater<readonly PiiSpan[]>>();
/** By scope, and tagger when names are read. */
const SCOPE_PII = new Memo<string, MaybeLater<readonly PiiSpan[]>>();

function taggerKey(tagger: NameTagger, index: number): string {
  return `${tagger.card.name}\u0000${index}`;
}

/**
 * The PII in one message's text (offsets into `chat.messages[index].text`), detected once per request
 * and shared by every signal and plugin that asks. A text longer than 128 KiB is scanned window by
 * window, pausing on the request's budget (an identifier is at most a few hundred characters long,
 * far below what windows overlap by).
 */
function messagePii(request: RouterRequest, index: number): MaybeLater<readonly PiiSpan[]> {
  return MESSAGE_PII.of(request, index, (): MaybeLater<readonly PiiSpan[]> => {
    const text = request.chat.messages[index]?.text ?? '';
    if (text.length <= WHOLE_TEXT_CHARS) return detectPii(text);
    return scanInWindows(text, request.budget, (window) => detectPii(window)).then(resolveOverlaps);
  });
}

/**
 * How many characters of each message the tagger reads, per request: the request's messages from
 * the last one back, each from its start, until {@link NAME_TAGGER_MAX_CHARS} characters are
 * spent, so the tagger's work per request is bounded however many messages arrive. Computed once.
 */
function nameBudget(request: RouterRequest): ReadonlyMap<number, number> {
  return NAME_BUDGET.of(request, 'names', () => {
    const budget = new Map<number, number>();
    let left = NAME_TAGGER_MAX_CHARS;
    const { messages } = request.chat;
    for (let index = messages.length - 1; index >= 0 && left > 0; index--) {
      const chars = Math.min(left, messages[index]?.text.length ?? 0);
      budget.set(index, chars);
      left -= chars;
    }
    return budget;
  });
}

/**
 * The names, places, addresses and organisations the tagger finds in one message (in the part of
 * it the request's budget lets it read, see {@link nameBudget}), once per request.
 */
export function messageNames(request: RouterRequest, index: number, tagger: NameTagger): readonly PiiSpan[] {
  return MESSAGE_NAMES.of(request, taggerKey(tagger, index), () => {
    const chars = nameBudget(request).get(index) ?? 0;
    return chars === 0 ? [] : tagger.tag((request.chat.messages[index]?.text ?? '').slice(0, chars));
  });
}

/**
 * The PII of one message: the structured identifiers and, when a tagger is given, the named
 * entities (the tagger reads a bounded part of the request, so they are found at once), an
 * identifier winning where the two overlap (its rules are surer than the tagger).
 */
function messageFindings(
  request: RouterRequest,
  index: number,
  tagger: NameTagger | undefined,
): MaybeLater<readonly PiiSpan[]> {
  const structured = messagePii(request, index);
  if (tagger === undefined) return structured;
  return MESSAGE_FINDINGS.of(request, taggerKey(tagger, index), (): MaybeLater<readonly PiiSpan[]> => {
    const merge = (ids: readonly PiiSpan[]) =>
      resolveOverlaps([
        ...ids,
        ...messageNames(request, index, tagger).filter((name) =>
          ids.every((id) => id.end <= name.start || name.end <= id.start),
        ),
      ]);
    return structured instanceof Promise ? structured.then(merge) : merge(structured);
  });
}

/** The PII of each message in `indices`, in order (names too with a tagger); synchronous when every message's is. */
export function messagesPii(
  request: RouterRequest,
  indices: readonly number[],
  tagger?: NameTagger,
): MaybeLater<(readonly PiiSpan[])[]> {
  const found = indices.map((index) => messageFindings(request, index, tagger));
  const now: (readonly PiiSpan[])[] = [];
  for (const spans of found) {
    if (spans instanceof Promise) return Promise.all(found);
    now.push(spans);
  }
  return now;
}

function shiftIntoScope(
  request: RouterRequest,
  indices: readonly number[],
  found: (readonly PiiSpan[])[],
): PiiSpan[] {
  const spans: PiiSpan[] = [];
  let offset = 0;
  indices.forEach((index, i) => {
    for (const span of found[i] ?? []) {
      spans.push(offset === 0 ? span : { ...span, start: span.start + offset, end: span.end + offset });
    }
    offset += (request.chat.messages[index]?.text.length ?? 0) + SCOPE_SEPARATOR.length;
  });
  return spans;
}

/**
 * The PII in a scope's text (offsets into `request.text(scope)`), assembled from the messages'
 * detections: no identifier crosses a message boundary, so no text is scanned twice.
 */
export function scopePii(
  request: RouterRequest,
  scope: TextScope,
  tagger?: NameTagger,
): MaybeLater<readonly PiiSpan[]> {
  const key = tagger ? `${scope}\u0000${tagger.card.name}` : scope;
  return SCOPE_PII.of(request, key, (): MaybeLater<readonly PiiSpan[]> => {
    const indices = request.messagesIn(scope);
    const found = messagesPii(request, indices, tagger);
    return found instanceof Promise
      ? found.then((spans) => shiftIntoScope(request, indices, spans))
      : shiftIntoScope(request, indices, found);
  });
}
