import { type RouterRequest, SCOPE_SEPARATOR, type TextScope } from '../../request/router-request.ts';
import { detectPii } from './detectors.ts';
import type { PiiSpan } from './pii-types.ts';

/**
 * The PII in one message's text (offsets into `chat.messages[index].text`), detected once per request
 * and shared by every signal and plugin that asks.
 */
export function messagePii(request: RouterRequest, index: number): readonly PiiSpan[] {
  return request.derived(`pii:message:${index}`, () => detectPii(request.chat.messages[index]?.text ?? ''));
}

/**
 * The PII in a scope's text (offsets into `request.text(scope)`), assembled from the messages'
 * detections: no identifier crosses a message boundary, so no text is scanned twice.
 */
export function scopePii(request: RouterRequest, scope: TextScope): readonly PiiSpan[] {
  return request.derived(`pii:${scope}`, () => {
    const spans: PiiSpan[] = [];
    let offset = 0;
    for (const index of request.messagesIn(scope)) {
      for (const span of messagePii(request, index)) {
        spans.push(offset === 0 ? span : { ...span, start: span.start + offset, end: span.end + offset });
      }
      offset += (request.chat.messages[index]?.text.length ?? 0) + SCOPE_SEPARATOR.length;
    }
    return spans;
  });
}
