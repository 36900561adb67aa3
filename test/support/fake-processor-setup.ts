import { afterEach } from 'vitest';
import { type EmulatorOptions, ExtProcEmulator } from '../../src/emulator/emulator-client.ts';
import { type FakeHandler, startFakeProcessor } from '../../src/emulator/fake-processor.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the current test (in reverse order of registration). */
export function onCleanup(...cleanup: Array<() => Promise<void> | void>): void {
  cleanups.push(...cleanup);
}

/** A scripted fake ext_proc server and an emulator pointed at it, both closed after the test. */
export async function setup(handler?: FakeHandler, options: Omit<EmulatorOptions, 'target'> = {}) {
  const processor = await startFakeProcessor(handler);
  const emulator = new ExtProcEmulator({ target: processor.address, ...options });
  cleanups.push(
    () => processor.close(),
    () => emulator.close(),
  );
  return { processor, emulator };
}
