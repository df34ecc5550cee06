// The learner's loop, for `npm run bench -- --cli`: how long from a save to the verdict on
// screen, in watch mode (`npm start`) and, side by side, in plain `vitest --watch` on the same
// test file, at lesson 2, a middle lesson and the last lesson.
//   Each program runs in a terminal of its own (terminal-process.ts) on its own copy of the
//   workbook, and the saves alternate between them (which goes first alternates too), so both
//   see the same machine. A save writes one file the lesson edits, the starter's text (a
//   failing save) or the solution's (a passing one), every file in turn.
//   The workbook's verdict is the drawing whose status line says it (✓ passing / ✗ not passing
//   yet); its first failure, the first drawing that shows one (✗ failing, while the rest runs).
//   vitest's is its own end of run (PASS Waiting... / FAIL Tests failed...).
//   Start-up: `npm start` until the first screen, and until the first verdict.
// BENCH_SAVES: saves per program and lesson (default 12, half failing); BENCH_STARTS: start-ups
// (default 5, 0 skips them); BENCH_LESSONS: which lessons (default "2,middle,last", numbers or
// those words); BENCH_FROM: the workbook to copy and run (default this one; another checkout,
// to compare with an older version on the same machine). Medians with their range; no target
// is asserted (shared machines are noisy).
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { findLesson, lessonFile, loadCatalog, type Lesson } from "../../shared/lessons/catalog.ts";
import { lessonSuiteEnv } from "../../shared/lessons/check-contract.ts";
import { copyWorkbook, type RepoCopy } from "../lib/repo-copy.ts";
import { median } from "./statistics.ts";
import { CLEAR_SCREEN, plainText, TerminalProcess, terminalUnavailable } from "./terminal-process.ts";

const SAVES = Number(process.env.BENCH_SAVES) || 12;
const FROM = process.env.BENCH_FROM ? path.resolve(process.env.BENCH_FROM) : undefined;
const STARTS = process.env.BENCH_STARTS === undefined ? 5 : Number(process.env.BENCH_STARTS) || 0;
/** After a verdict, before the next save: what a program does after its verdict (a spare worker forked) is its own business. */
const SETTLE_MS = 800;
const VERDICT_TIMEOUT_MS = 60_000;

const whole = (value: number) => Math.round(value).toLocaleString("en-US");
const ms = (value: number) => `${whole(value)} ms`;
/** "862 ms (518-1,253)": the median and the range, in ms. */
const spread = (values: number[]) => `${ms(median(values))} (${whole(Math.min(...values))}-${whole(Math.max(...values))})`;

export interface SaveTiming {
  passed: boolean;
  /** save to the verdict on screen */
  verdictMs: number;
  /** save to the first failure on screen (the verdict, for a passing save or plain vitest) */
  firstFailureMs: number;
}

/** One program watching one lesson: how to start it and how to read its verdict from its output. */
interface Watcher {
  name: string;
  copy: RepoCopy;
  terminal: TerminalProcess;
  /** what the output written since a save shows: a failure yet, and the verdict once it is there */
  read(output: string): { failing: boolean; verdict?: { passed: boolean } };
}

// ---- the workbook's watch mode ------------------------------------------------------------

/** Watch mode's status line, from each complete drawing of its screen (the last footer line is the keys'). */
export function statusLines(output: string): string[] {
  return output
    .split(CLEAR_SCREEN)
    .map(plainText)
    .filter((screen) => /^keys: /m.test(screen))
    .map((screen) => /^─+\n(.*)$/m.exec(screen)?.[1] ?? "");
}

function startWorkbook(lesson: Lesson): Watcher {
  const copy = copyWorkbook(FROM);
  // Watch mode opens on the lesson it was last on; nothing is done, so nothing is re-checked after a verdict.
  mkdirSync(path.join(copy.root, ".workbook"), { recursive: true });
  writeFileSync(path.join(copy.root, ".workbook", "state.json"), JSON.stringify({ version: 1, current: lesson.slug, done: [], hintsShown: {} }));
  const terminal = new TerminalProcess(copy.root, `${process.execPath} node_modules/tsx/dist/cli.mjs scripts/workbook.ts`);
  return {
    name: "workbook",
    copy,
    terminal,
    read: readWatchMode,
  };
}

type Reading = ReturnType<Watcher["read"]>;

/** What watch mode's screen says after a save: "checking..." first (once a check fails, "✗ failing, checking the rest..."), then the verdict. */
export function readWatchMode(output: string): Reading {
  let checking = false;
  let failing = false;
  for (const status of statusLines(output)) {
    if (/checking/.test(status)) checking = true;
    if (!checking) continue;
    if (status.startsWith("✗ failing")) failing = true;
    if (status.startsWith("✓ passing")) return { failing, verdict: { passed: true } };
    if (status.startsWith("✗ not passing yet")) return { failing: true, verdict: { passed: false } };
  }
  return { failing };
}

/** What plain vitest --watch says after a save: its verdict is its run's end, where the failing tests are listed too. */
export function readPlainVitest(output: string): Reading {
  const end = /\b(PASS|FAIL)\s+(?:Waiting for file changes|Tests failed)/.exec(plainText(output));
  return end ? { failing: end[1] === "FAIL", verdict: { passed: end[1] === "PASS" } } : { failing: false };
}

// ---- plain vitest --watch -------------------------------------------------------------------

// vitest's watcher re-runs a test when a file in its import graph changes, and a lesson test
// imports the learner's modules by a computed path (shared/testing/lesson-module.ts), which the
// graph does not follow: without this, a save in lessons/ would start no run at all.
const PLAIN_VITEST_CONFIG = `import { mergeConfig } from "vitest/config";
import base from "./vitest.config.ts";

export default mergeConfig(base, { test: { forceRerunTriggers: ["**/lessons/**/*.ts"] } });
`;

function startPlainVitest(lesson: Lesson): Watcher {
  const copy = copyWorkbook(FROM);
  writeFileSync(path.join(copy.root, "vitest.bench-watch.config.ts"), PLAIN_VITEST_CONFIG);
  const test = path.relative(copy.root, lessonFile(lesson, "lessons", lesson.test, copy.root));
  const terminal = new TerminalProcess(
    copy.root,
    `${process.execPath} node_modules/vitest/vitest.mjs --watch --config vitest.bench-watch.config.ts ${test}`,
    { ...process.env, ...lessonSuiteEnv("lessons") },
  );
  return {
    name: "plain vitest --watch",
    copy,
    terminal,
    read: readPlainVitest,
  };
}

// ---- saves ---------------------------------------------------------------------------------

/** Saves `text` into `file` of the watcher's copy and times the verdict. */
async function timeSave(watcher: Watcher, lesson: Lesson, file: string, text: string): Promise<SaveTiming> {
  const from = watcher.terminal.mark();
  let failingAt: number | undefined;
  const saved = performance.now();
  writeFileSync(lessonFile(lesson, "lessons", file, watcher.copy.root), text);
  const { value, at } = await watcher.terminal.waitFor(
    from,
    (output) => {
      // Looked at as each piece of output arrives: the first look that shows a failure is when it was drawn.
      const seen = watcher.read(output);
      if (seen.failing) failingAt ??= performance.now();
      return seen.verdict;
    },
    VERDICT_TIMEOUT_MS,
    `${watcher.name}'s verdict on a save of ${file}`,
  );
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return { passed: value.passed, verdictMs: at - saved, firstFailureMs: (failingAt ?? at) - saved };
}

export interface LessonTimings {
  lesson: Lesson;
  byWatcher: Map<string, SaveTiming[]>;
}

async function benchLesson(lesson: Lesson, log: (line: string) => void): Promise<LessonTimings> {
  const watchers = [startWorkbook(lesson), startPlainVitest(lesson)];
  const byWatcher = new Map(watchers.map((watcher) => [watcher.name, [] as SaveTiming[]]));
  const text = (copy: RepoCopy, source: "lessons" | "solutions", file: string) => readFileSync(lessonFile(lesson, source, file, copy.root), "utf8");
  try {
    // Both have drawn their first verdict on the starter before any save is timed.
    await Promise.all(
      watchers.map((watcher) =>
        watcher.terminal.waitFor(
          0,
          (output) => (watcher.name === "workbook" ? statusLines(output).some((status) => /^(✓ passing|✗ not passing yet)/.test(status)) || undefined : watcher.read(output).verdict),
          VERDICT_TIMEOUT_MS,
          `${watcher.name}'s first verdict`,
        ),
      ),
    );
    const starters = new Map(lesson.files.map((file) => [file, text(watchers[0]!.copy, "lessons", file)]));
    const solutions = new Map(lesson.files.map((file) => [file, text(watchers[0]!.copy, "solutions", file)]));
    // From the solution: then saving one file's starter fails, and its solution passes again.
    for (const watcher of watchers) {
      for (const file of lesson.files) await timeSave(watcher, lesson, file, solutions.get(file)!);
    }
    for (let save = 0; save < SAVES; save++) {
      const file = lesson.files[Math.floor(save / 2) % lesson.files.length]!;
      const next = save % 2 === 0 ? starters.get(file)! : solutions.get(file)!;
      // Who goes first alternates, so that neither always meets the other's after-verdict work.
      const order = Math.floor(save / 2) % 2 === 0 ? watchers : [...watchers].reverse();
      for (const watcher of order) byWatcher.get(watcher.name)!.push(await timeSave(watcher, lesson, file, next));
    }
    log(`  lesson ${lesson.number} (${lesson.files.join(", ")}): ${SAVES} saves each, done`);
  } finally {
    await Promise.all(watchers.map((watcher) => watcher.terminal.stop()));
    for (const watcher of watchers) watcher.copy.remove();
  }
  return { lesson, byWatcher };
}

// ---- start-up ------------------------------------------------------------------------------

async function startUps(lesson: Lesson): Promise<{ firstScreen: number[]; firstVerdict: number[] }> {
  const firstScreen: number[] = [];
  const firstVerdict: number[] = [];
  for (let start = 0; start < STARTS; start++) {
    const copy = copyWorkbook(FROM);
    mkdirSync(path.join(copy.root, ".workbook"), { recursive: true });
    writeFileSync(path.join(copy.root, ".workbook", "state.json"), JSON.stringify({ version: 1, current: lesson.slug, done: [], hintsShown: {} }));
    const started = performance.now();
    const terminal = new TerminalProcess(copy.root, "npm start");
    try {
      const screen = await terminal.waitFor(0, (output) => (statusLines(output).length > 0 ? true : undefined), 30_000, "npm start's first screen");
      firstScreen.push(screen.at - started);
      const verdict = await terminal.waitFor(0, (output) => (statusLines(output).some((status) => /^[✓✗] /.test(status)) ? true : undefined), VERDICT_TIMEOUT_MS, "npm start's first verdict");
      firstVerdict.push(verdict.at - started);
    } finally {
      await terminal.stop();
      copy.remove();
    }
  }
  return { firstScreen, firstVerdict };
}

// ---- the table -------------------------------------------------------------------------------

function lessonsToBench(lessons: Lesson[]): Lesson[] {
  const wanted = (process.env.BENCH_LESSONS ?? "2,middle,last").split(",").map((word) => word.trim());
  const chosen = wanted.map((word) => {
    if (word === "middle") return lessons[Math.floor(lessons.length / 2)];
    if (word === "last") return lessons.at(-1);
    return findLesson(lessons, word);
  });
  const unknown = wanted.filter((_, index) => chosen[index] === undefined);
  if (unknown.length > 0) throw new Error(`BENCH_LESSONS names no lesson: ${unknown.join(", ")} (use numbers, slugs, "middle" or "last").`);
  return [...new Set(chosen as Lesson[])];
}

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

export function feedbackTable(results: LessonTimings[]): string {
  const lines = [
    row(["lesson (files saved)", "save", "workbook: verdict", "workbook: first failure", "plain vitest --watch: verdict", "workbook / vitest (medians)"]),
    row(["---", "---", "---", "---", "---", "---"]),
  ];
  for (const { lesson, byWatcher } of results) {
    const workbook = byWatcher.get("workbook")!;
    const vitest = byWatcher.get("plain vitest --watch")!;
    for (const passed of [true, false]) {
      const mine = workbook.filter((save) => save.passed === passed);
      const theirs = vitest.filter((save) => save.passed === passed);
      if (mine.length === 0 && theirs.length === 0) continue;
      const verdicts = mine.map((save) => save.verdictMs);
      const ratio = mine.length && theirs.length ? (median(verdicts) / median(theirs.map((save) => save.verdictMs))).toFixed(2) : "–";
      lines.push(
        row([
          `${lesson.number} (${lesson.files.join(", ")})`,
          `${passed ? "passing" : "failing"} (${mine.length} / ${theirs.length})`,
          mine.length ? spread(verdicts) : "–",
          passed || !mine.length ? "–" : spread(mine.map((save) => save.firstFailureMs)),
          theirs.length ? spread(theirs.map((save) => save.verdictMs)) : "–",
          ratio,
        ]),
      );
    }
  }
  return lines.join("\n");
}

export async function benchCli(log: (line: string) => void = console.log): Promise<void> {
  const unavailable = terminalUnavailable();
  if (unavailable) {
    log(`workbook CLI bench: skipped, ${unavailable}`);
    return;
  }
  const lessons = lessonsToBench(loadCatalog(FROM));
  const uptime = () => execFileSync("uptime", { encoding: "utf8" }).trim();
  log(`workbook CLI: save to verdict, watch mode against plain vitest --watch on the same test file (${process.version}; ${availableParallelism()} cores)`);
  log(`lessons ${lessons.map((lesson) => lesson.number).join(", ")}; ${SAVES} saves per program and lesson, alternately a file's starter and its solution, every file the lesson edits in turn`);
  if (FROM) log(`BENCH_FROM: the workbook in ${FROM}`);
  log(`load at start: ${uptime()}`);
  const started = performance.now();
  const results: LessonTimings[] = [];
  for (const lesson of lessons) results.push(await benchLesson(lesson, log));
  let startUp: Awaited<ReturnType<typeof startUps>> | undefined;
  if (STARTS > 0) startUp = await startUps(lessons[0]!);
  log(`load at end: ${uptime()}; took ${Math.round((performance.now() - started) / 1000)} s`);
  log("");
  log("median (range) of the saves; (n / m): how many saves of the workbook / of vitest; target: median <= 300 ms, and the workbook no slower than vitest");
  log("");
  log(feedbackTable(results));
  if (startUp) {
    log("");
    log(`npm start to the first screen, ${startUp.firstScreen.length} starts at lesson ${lessons[0]!.number}: median ${spread(startUp.firstScreen)}; to the first verdict: ${spread(startUp.firstVerdict)}`);
  } else {
    log("start-up: skipped (BENCH_STARTS=0)");
  }
}
