import type { ResponseObserver } from '../response/response-observer.ts';
import { completionFromJson, completionFromStream, type StoredCompletion } from './completion.ts';

/**
 * Watches a routed response and hands over its completion when the exchange ended complete with a
 * 2xx status (with the size of the body it came from): a buffered JSON body, or an event stream rebuilt from its chunks (which must end with
 * `[DONE]`). A cut exchange, an error status or a body over `maxBytes` stores nothing.
 */
export function captureResponse(
  maxBytes: number,
  store: (completion: StoredCompletion, bytes: number) => void,
): ResponseObserver {
  const pieces: Buffer[] = [];
  let bytes = 0;
  let usable = true;
  let streamed = false;
  return {
    readsBody: true,
    started(response) {
      usable = response.status >= 200 && response.status < 300;
      streamed =
        response.streamed || (response.headers.get('content-type') ?? '').includes('text/event-stream');
    },
    body(piece) {
      if (!usable) return;
      bytes += piece.length;
      if (bytes > maxBytes) {
        usable = false;
        pieces.length = 0;
        return;
      }
      pieces.push(piece);
    },
    ended({ complete }) {
      if (!complete || !usable || pieces.length === 0) return;
      const body = Buffer.concat(pieces);
      pieces.length = 0;
      const completion = streamed ? completionFromStream(body.toString('utf8')) : completionFromJson(body);
      if (completion) store(completion, body.length);
    },
  };
}
