// A setup file of the lessons' test suite (vitest.config.ts). Vitest 4.1 sends each test's result
// from the test worker in throttled batches (@vitest/runner's sendTasksUpdateThrottled, 100 ms),
// and a batch can be held back until the next test ends: when its timer fires with Date.now() only
// 100 ms on, the throttle neither sends nor arms a new timer. Then a failure just before a slow
// check (the exporting lesson's child processes, say) reaches watch mode, the mutation check and the
// diagnoses only when that check ends, seconds later. So a test still running after 150 ms makes
// vitest send what it holds: context.annotate() sends the pending results before its annotation.
// The workbook's runner reads results and errors, never annotations.
import { beforeEach } from "vitest";

const STILL_RUNNING_AFTER_MS = 150;

beforeEach((context) => {
  const timer = setTimeout(() => {
    if (context.task.result?.state !== "run") return;
    context.annotate("still running: the results before this test are sent now").catch(() => {});
  }, STILL_RUNNING_AFTER_MS);
  timer.unref();
  context.onTestFinished(() => clearTimeout(timer));
});
