import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['./runtime/processDefaults.ts', './runtime/polyfills.ts'],
    // dist/ (the compiled CLI and job programs) rebuilt first when the sources changed since the last build.
    globalSetup: ['./test/support/buildDist.ts'],
    // End-to-end suites start real servers and child processes: run files one at a time.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
