import { defineConfig } from "vitest/config";

// The project's own tests (offline model, harness, trace view, CLI, app). The lessons' tests
// run through scripts/progress.ts and scripts/verify.ts, which point them at lessons/ or solutions/.
export default defineConfig({
  test: {
    include: ["shared/**/*.test.ts", "scripts/**/*.test.ts", "solutions/app/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
