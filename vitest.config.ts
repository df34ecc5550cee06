import { defineConfig } from "vitest/config";
import { SUITE_LESSONS, SUITE_VARIABLE } from "./shared/lessons/check-contract.ts";

// Two suites share this file. WORKBOOK_SUITE=lessons (see shared/lessons/check-contract.ts): the lessons' tests, pointed at lessons/
// or solutions/ by WORKBOOK_SOURCE (the workbook CLI and scripts/verify.ts set both).
// Otherwise: the project's own tests (offline model, harness, trace view, CLI, app).
const lessons = process.env[SUITE_VARIABLE] === SUITE_LESSONS;

export default defineConfig({
  test: {
    include: lessons
      ? ["lessons/**/*.test.ts"]
      : ["shared/**/*.test.ts", "scripts/**/*.test.ts", "solutions/app/**/*.test.ts"],
    // The lessons' results reach the runner as each test ends (see the file).
    setupFiles: lessons ? ["shared/testing/send-results-promptly.ts"] : [],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
