/**
 * The STREAMED body pipeline: like Envoy, every frame goes to the processor as soon as it arrives,
 * without waiting for the answers to earlier frames; answers are matched to frames in order (a
 * FIFO of outstanding frames) and each answer's body mutation applies to its own frame.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Frame } from './body-frames.ts';
import { Notifier } from './notifier.ts';
import type { ProcessorStream } from './processor-stream.ts';
import type { ProcessingResponse } from './wire-types.ts';

/** What the pipeline needs from the exchange it runs in. */
export interface StreamedBodyHost {
  readonly stream: ProcessorStream;
  readonly messageTimeoutMs: number;
  /** True once the filter stopped consulting the processor; frames then pass through untouched. */
  processingComplete(): boolean;
  /** Records and sends the body message of one frame. */
  send(frame: Frame): void;
  elapsed(): number;
  /** The next frame, or done once `stop` resolves; throws to end the exchange. */
  nextFrame(
    frames: AsyncIterator<Frame> | Iterator<Frame>,
    stop: Promise<void>,
  ): Promise<IteratorResult<Frame, unknown>>;
  /** The message timer fired: throws to end the exchange, or stops processing. */
  onTimeout(): void;
  /** The call ended: throws to end the exchange, or stops processing. */
  onClosed(status: grpc.StatusObject): void;
  /** A timer extension arrived; returns whether one has now been used. */
  onTimeoutOverride(message: ProcessingResponse, alreadyUsed: boolean): boolean;
  /** Records an answer and checks its kind: the answer, or `undefined` when processing stopped; throws to end the exchange. */
  accept(message: ProcessingResponse, latencyMs: number | undefined): ProcessingResponse | undefined;
  /** Applies an answer to the frame it answers; returns the data to pass on. */
  applyAnswer(answer: ProcessingResponse, data: Buffer): Buffer;
}

/**
 * Runs the body through the processor frame by frame and hands each resulting piece to `emit`, in
 * order. Rejects with the first failure of either side (the exchange's ending, an abort, an error
 * from `emit`).
 */
export async function pipeStreamedBody(
  host: StreamedBodyHost,
  frames: AsyncIterator<Frame> | Iterator<Frame>,
  emit: (chunk: Buffer) => void,
): Promise<void> {
  const pending: Array<{ data: Buffer; sentAt: number }> = [];
  const wake = new Notifier();
  let senderDone = false;
  let failed = false;
  let failure: unknown;
  let stopSender: () => void = () => {};
  const senderStopped = new Promise<void>((resolve) => {
    stopSender = resolve;
  });
  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    failure = error;
    stopSender();
    wake.notify();
  };
  const passUnprocessed = () => {
    for (const item of pending.splice(0)) if (item.data.length > 0) emit(item.data);
  };

  const sender = async () => {
    try {
      for (;;) {
        const step = await host.nextFrame(frames, senderStopped);
        if (step.done || failed) break;
        const frame = step.value;
        if (host.processingComplete()) {
          if (frame.data.length > 0) emit(frame.data);
          continue;
        }
        host.send(frame);
        pending.push({ data: frame.data, sentAt: host.elapsed() });
        host.stream.armTimer(host.messageTimeoutMs);
        wake.notify();
      }
    } catch (error) {
      fail(error);
      // Wake the receiver if it is waiting for an answer.
      host.stream.interrupt(new Error('streaming stopped'));
    } finally {
      senderDone = true;
      wake.notify();
      // Not awaited: a generator busy waiting on its source finishes the return only afterwards.
      if (failed) void Promise.resolve(frames.return?.()).catch(() => {});
    }
  };

  const receiver = async () => {
    let timeoutExtended = false;
    try {
      while (!failed) {
        if (pending.length === 0) {
          if (senderDone) return;
          await wake.wait();
          continue;
        }
        const event = await host.stream.next();
        if (event.type === 'timeout') {
          host.onTimeout();
          passUnprocessed();
          continue;
        }
        if (event.type === 'closed') {
          host.onClosed(event.status);
          passUnprocessed();
          continue;
        }
        const message = event.message;
        if (message.override_message_timeout) {
          timeoutExtended = host.onTimeoutOverride(message, timeoutExtended);
          continue;
        }
        const head = pending[0];
        const answer = host.accept(message, head ? host.elapsed() - head.sentAt : undefined);
        if (!answer) {
          passUnprocessed();
          continue;
        }
        pending.shift();
        // Envoy re-arms the timer only when it sends; re-arming here too keeps a silent processor
        // from stalling the exchange once the last frame has been sent.
        if (pending.length > 0) host.stream.armTimer(host.messageTimeoutMs);
        else host.stream.stopTimer();
        const data = host.applyAnswer(answer, head?.data ?? Buffer.alloc(0));
        if (data.length > 0) emit(data);
      }
    } catch (error) {
      fail(error);
    }
  };

  await Promise.all([sender(), receiver()]);
  if (failed) throw failure;
}
