import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources; `npm test` builds first so that the CLI
// end-to-end tests can spawn the compiled binary.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
