import { defineConfig } from 'vitest/config';

// Three tiers, run in order: unit (fast, parallel), integration (real SoftHSM2 + child processes),
// e2e (real Chromium; one browser at a time on a 2-core machine).
export default defineConfig({
  test: {
    reporters: ['default'],
    // Fails at once naming the Debian package when a tool the tests use is missing (scripts/system-packages.txt).
    globalSetup: ['test/helpers/global-setup.ts'],
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 }, testTimeout: 20_000 },
      },
      {
        test: {
          name: 'integration', include: ['test/integration/**/*.test.ts'], sequence: { groupOrder: 1 },
          testTimeout: 60_000, hookTimeout: 120_000, fileParallelism: false,
        },
      },
      {
        // Hostile-input tests, one file per attack class (docs/security.md lists them); some drive a real Chromium.
        test: {
          name: 'security', include: ['test/security/**/*.test.ts'], sequence: { groupOrder: 2 },
          testTimeout: 90_000, hookTimeout: 120_000, fileParallelism: false,
        },
      },
      {
        // Property-based fuzzing (issue 15 §1): KYSO_FUZZ_RUNS cases per target, 300 by default with a fixed
        // seed; `npm run fuzz` (scripts/fuzz.mjs) runs >= 100,000 per target with a random seed.
        test: {
          name: 'fuzz', include: ['test/fuzz/**/*.test.ts'], sequence: { groupOrder: 3 },
          testTimeout: Number(process.env.KYSO_FUZZ_TEST_TIMEOUT_MS ?? 300_000), hookTimeout: 120_000, fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e', include: ['test/e2e/**/*.test.ts'], sequence: { groupOrder: 4 },
          testTimeout: 90_000, hookTimeout: 120_000, fileParallelism: false,
        },
      },
    ],
  },
});
