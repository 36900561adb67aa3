import { afterEach } from 'vitest';
import { type EmulatorOptions, ExtProcEmulator } from './emulator-client.ts';
import { type FakeHandler, startFakeProcessor } from './fake-processor.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the current test (in reverse order of registration). */
export function onCleanup(...cleanup: Array<() => Promise<void> | void>): void {
  cleanups.push(...cleanup);
}

/**
 * How long the emulator waits for each answer unless a test says otherwise: long enough that a
 * busy machine never turns an answer the test expects into a timeout. Tests of the timeout itself
 * use a short one with a processor that never answers, which times out however busy the machine is.
 */
const GENEROUS_MESSAGE_TIMEOUT_MS = 30_000;

/** A scripted fake ext_proc server and an emulator pointed at it, both closed after the test. */
export async function setup(handler?: FakeHandler, options: Omit<EmulatorOptions, 'target'> = {}) {
  const processor = await startFakeProcessor(handler);
  const emulator = new ExtProcEmulator({
    target: processor.address,
    messageTimeoutMs: GENEROUS_MESSAGE_TIMEOUT_MS,
    ...options,
  });
  cleanups.push(
    () => processor.close(),
    () => emulator.close(),
  );
  return { processor, emulator };
}
