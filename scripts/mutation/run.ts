// `npm run verify:mutants`: proves the lesson tests catch mistakes. For each lesson, every
// mutant of every module of its solution (one instrumentation line removed or altered: see
// mutants.ts) is run against the lesson's tests: the modules the lesson edits and the ones it
// carries from the lesson before, since a carried module broken in lesson 9 must fail lesson 9's
// tests, whatever lesson 8's did. A mutant the tests pass is a mistake a learner would be told
// "done" for. Fails on any survivor not explained in allowed-survivors.json, and on an entry
// there that no longer survives (so the list stays short and true). Prints score and time.
//   npm run verify:mutants [-- --lesson 3] [--workers 2]
import { fork, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import chalk from "chalk";
import { findLesson, lessonDir, lessonFile, lessonPath, loadCatalog, projectRoot, type Lesson } from "../../shared/lessons/catalog.ts";
import { lessonModules } from "../lib/lesson-modules.ts";
import { checkAllowList, judgeSurvivors, type AllowedSurvivor } from "./allowed-survivors.ts";
import { mutantsOf, type Mutant } from "./mutants.ts";
import type { MutantJob, MutantVerdict } from "./protocol.ts";

const { values: options } = parseArgs({
  options: { lesson: { type: "string", multiple: true }, workers: { type: "string" } },
  strict: true,
});
const catalog = loadCatalog();
const lessons: Lesson[] = options.lesson
  ? options.lesson.map((query) => findLesson(catalog, query) ?? fail(`unknown lesson "${query}"`))
  : catalog;
const workerCount = Math.max(1, Number(options.workers) || Math.min(2, os.availableParallelism()));
const allowListFile = path.join(projectRoot, "scripts", "mutation", "allowed-survivors.json");
const allowed = JSON.parse(readFileSync(allowListFile, "utf8")) as AllowedSurvivor[];
const solutionModules = (lesson: Lesson) => lessonModules(lessonDir(lesson, "solutions"));
const listProblems = checkAllowList(allowed, catalog, solutionModules);
if (listProblems.length > 0) fail(listProblems.map((problem) => `${path.relative(projectRoot, allowListFile)}: ${problem}`).join("\n"));

const mutantsByLesson = new Map<string, Mutant[]>();
for (const lesson of lessons) {
  const files = solutionModules(lesson);
  mutantsByLesson.set(lesson.slug, files.flatMap((file) => mutantsOf(file, readFileSync(lessonFile(lesson, "solutions", file), "utf8"))));
}
const jobs: MutantJob[] = lessons.flatMap((lesson) => [
  { id: `baseline:${lesson.slug}`, slug: lesson.slug },
  ...mutantsByLesson.get(lesson.slug)!.map((mutant) => ({ id: `${lesson.slug}/${mutant.id}`, slug: lesson.slug, mutant: { file: mutant.file, text: mutant.text } })),
]);

console.log(chalk.bold(`mutation check: ${jobs.length - lessons.length} mutants of ${lessons.length} lesson(s), ${workerCount} worker(s); load ${os.loadavg().map((x) => x.toFixed(2)).join(" ")} (up ${Math.round(os.uptime() / 60)} min)`));
const started = performance.now();
const verdicts = await runAll(jobs, workerCount);
const seconds = (performance.now() - started) / 1000;

let problems = 0;
let killedTotal = 0;
let mutantTotal = 0;
for (const lesson of lessons) {
  const baseline = verdicts.get(`baseline:${lesson.slug}`)!;
  if (!baseline.passed) {
    problems++;
    console.log(chalk.red(`✗ ${lesson.slug}: the unmutated solution fails its tests in the mutant folder (${baseline.killedBy}); no mutant result can be trusted`));
    continue;
  }
  const mutants = mutantsByLesson.get(lesson.slug)!;
  const survivors = mutants.filter((mutant) => verdicts.get(`${lesson.slug}/${mutant.id}`)!.passed);
  const { explained, unexplained, stale } = judgeSurvivors(lesson, mutants, survivors, allowed);
  const killed = mutants.length - survivors.length;
  killedTotal += killed;
  mutantTotal += mutants.length;
  const ok = unexplained.length === 0 && stale.length === 0;
  if (!ok) problems++;
  const edited = mutants.filter((mutant) => lesson.files.includes(mutant.file));
  const carried = mutants.filter((mutant) => !lesson.files.includes(mutant.file));
  const killedOf = (some: Mutant[]) => `${some.filter((mutant) => !survivors.includes(mutant)).length} of ${some.length}`;
  const ms = mutants.map((mutant) => verdicts.get(`${lesson.slug}/${mutant.id}`)!.ms);
  const perMutant = ms.length ? ` ${(ms.reduce((sum, each) => sum + each, 0) / ms.length / 1000).toFixed(2)} s each` : "";
  console.log(
    `${ok ? chalk.green("✓") : chalk.red("✗")} ${lesson.slug}: ${killed} of ${mutants.length} mutants killed${explained.length ? `, ${explained.length} allowed to survive` : ""}` +
      chalk.dim(` (edited ${lesson.files.join(", ")}: ${killedOf(edited)}; carried modules: ${killedOf(carried)};${perMutant})`),
  );
  for (const mutant of unexplained) console.log(chalk.red(`    survived: ${lessonPath(lesson, "solutions", mutant.file)}:${mutant.line} ${mutant.id}`));
  for (const entry of stale) console.log(chalk.red(`    ${entry}`));
}
const score = mutantTotal ? ((100 * killedTotal) / mutantTotal).toFixed(1) : "0";
console.log(chalk.bold(`\nscore: ${killedTotal} of ${mutantTotal} mutants killed (${score}%), in ${seconds.toFixed(1)} s with ${workerCount} worker(s)`));
const slowest = [...verdicts.values()].sort((a, b) => b.ms - a.ms).slice(0, 3);
console.log(chalk.dim(`slowest checks: ${slowest.map((verdict) => `${(verdict.ms / 1000).toFixed(1)} s ${verdict.id}${verdict.killedBy?.startsWith("timed out") ? " (timed out)" : ""}`).join("; ")}`));
if (problems > 0) console.log(chalk.red(`${problems} lesson(s) with unexplained survivors or stale allow-list entries: add a check that kills the mutant, or list it in ${path.relative(projectRoot, allowListFile)} with the reason it cannot be killed`));
process.exitCode = problems > 0 ? 1 : 0;

async function runAll(queue: MutantJob[], count: number): Promise<Map<string, MutantVerdict>> {
  const results = new Map<string, MutantVerdict>();
  const root = path.join(projectRoot, ".workbook", "mutants");
  rmSync(root, { recursive: true, force: true });
  const pending = [...queue];
  let done = 0;
  const workers = Array.from({ length: Math.min(count, queue.length) }, (_, index) => {
    const dir = path.join(root, `w${index}`);
    mkdirSync(dir, { recursive: true });
    return new Promise<void>((resolve, reject) => {
      const child: ChildProcess = fork(path.join(projectRoot, "scripts", "mutation", "worker.ts"), [dir], {
        execArgv: ["--import", "tsx"],
        stdio: ["ignore", "ignore", "inherit", "ipc"],
      });
      const next = () => {
        const job = pending.shift();
        if (job) child.send(job);
        else child.send("stop");
      };
      child.on("message", (message: MutantVerdict | { ready: true }) => {
        if ("ready" in message) return next();
        results.set(message.id, message);
        done++;
        if (process.stdout.isTTY) process.stdout.write(`\r  ${done} of ${queue.length} checked`);
        next();
      });
      child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`mutation worker ${index} exited with ${code}`))));
    });
  });
  await Promise.all(workers);
  if (process.stdout.isTTY) process.stdout.write("\r\u001b[K");
  rmSync(root, { recursive: true, force: true });
  return results;
}

function fail(message: string): never {
  console.error(chalk.red(message));
  process.exit(2);
}
