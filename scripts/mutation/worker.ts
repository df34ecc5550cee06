// One mutation-check worker: a warm lesson runner whose tests load lesson files from this
// worker's own folder (.workbook/mutants/w<N>/<slug>/). The parent sends mutants over IPC;
// each is written there and checked; the verdict goes back. Run by scripts/mutation/run.ts.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadCatalog, projectRoot } from "../../shared/lessons/catalog.ts";
import { WarmLessonRunner } from "../lib/warm-lesson-runner.ts";
import type { MutantJob, MutantVerdict } from "./protocol.ts";

const workerDir = process.argv[2];
if (!workerDir || !process.send) throw new Error("usage: forked by scripts/mutation/run.ts with the worker's folder");
const lessons = loadCatalog();
const runner = new WarmLessonRunner({ source: workerDir, checkTimeoutMs: 60_000 });

/** Lays the lesson's solution out in this worker's folder, with the one file mutated (or none: the baseline). */
function writeLesson(slug: string, mutated?: { file: string; text: string }): void {
  const target = path.join(workerDir!, slug);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const solution = path.join(projectRoot, "solutions", slug);
  // The copy sits two folders deeper than solutions/<slug>/: its relative imports of shared/ go up two more.
  const up = path.relative(target, projectRoot).split(path.sep).join("/");
  for (const file of readdirSync(solution)) {
    const text = mutated?.file === file ? mutated.text : readFileSync(path.join(solution, file), "utf8");
    if (!file.endsWith(".ts")) {
      cpSync(path.join(solution, file), path.join(target, file));
      continue;
    }
    writeFileSync(path.join(target, file), text.replaceAll('from "../../', `from "${up}/`));
  }
}

process.on("message", async (job: MutantJob | "stop") => {
  if (job === "stop") {
    await runner.close();
    process.exit(0);
  }
  const lesson = lessons.find((each) => each.slug === job.slug)!;
  writeLesson(job.slug, job.mutant);
  const started = performance.now();
  const [check] = await runner.check([lesson]);
  const failing = check!.tests.find((test) => !test.passed);
  const verdict: MutantVerdict = {
    id: job.id,
    passed: check!.passed,
    ms: performance.now() - started,
    killedBy: check!.timedOutAfterMs
      ? `timed out after ${check!.timedOutAfterMs} ms`
      : (check!.fileErrors[0]?.message ?? (failing ? `${failing.title}: ${(failing.errors[0]?.message ?? "").split("\n")[0]}` : undefined)),
  };
  process.send!(verdict);
});
process.send({ ready: true });
