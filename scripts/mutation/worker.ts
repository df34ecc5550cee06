// One mutation-check worker: a warm lesson runner whose tests load lesson files from this
// worker's own folder (.workbook/mutants/w<N>/<slug>/). The parent sends mutants over IPC;
// each is written there and checked; the verdict goes back. Run by scripts/mutation/run.ts.
import { loadCatalog } from "../../shared/lessons/catalog.ts";
import { writeLessonCopy } from "../lib/lesson-copy.ts";
import { WarmLessonRunner } from "../lib/warm-lesson-runner.ts";
import type { MutantJob, MutantVerdict } from "./protocol.ts";

const workerDir = process.argv[2]!;
if (!process.argv[2] || !process.send) throw new Error("usage: forked by scripts/mutation/run.ts with the worker's folder");
const lessons = loadCatalog();
// A mutant's check stops at its first failure: the exporting checks' processes start only when a
// check needs them (most mutants are killed before), not all six with every check. The test
// workers inherit it. WORKBOOK_EXPORT_PROCESSES=early starts them with every check, as the lessons do.
process.env.WORKBOOK_EXPORT_PROCESSES ??= "on-first-use";
const runner = new WarmLessonRunner({ source: workerDir, checkTimeoutMs: 60_000 });

process.on("message", async (job: MutantJob | "stop") => {
  if (job === "stop") {
    await runner.close();
    process.exit(0);
  }
  const lesson = lessons.find((each) => each.slug === job.slug)!;
  writeLessonCopy(workerDir, job.slug, job.mutant);
  const started = performance.now();
  // The first failing test kills the mutant: the rest of the check is stopped there (lessons whose
  // tests start processes of their own take seconds more to the end).
  const { check, firstFailing } = await runner.checkToFirstFailure(lesson);
  const failing = firstFailing ?? check.tests.find((test) => !test.passed);
  const verdict: MutantVerdict = {
    id: job.id,
    passed: check.passed && !firstFailing,
    ms: performance.now() - started,
    killedBy: check.timedOutAfterMs
      ? `timed out after ${check.timedOutAfterMs} ms`
      : firstLine(check.fileErrors[0]?.message ?? (failing ? `${failing.title}: ${failing.errors[0]?.message ?? ""}` : "")),
  };
  process.send!(verdict);
});
process.send({ ready: true });

function firstLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, "").trim().split("\n")[0]!.slice(0, 200);
}
