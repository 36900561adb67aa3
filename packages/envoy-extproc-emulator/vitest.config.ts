import { defineConfig } from 'vitest/config';

/** The package's tests on their own (`npm test -w envoy-extproc-emulator`); the root suite runs them too. */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
