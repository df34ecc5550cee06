// Checks lessons with one vitest kept warm in this process (vitest's Node API), so a save in
// watch mode re-runs one test file without starting a new vitest each time. Each check has a
// watchdog: a lesson that never finishes (an endless loop, a promise never settled) is
// stopped, the runner rebuilt, and the check reported as timed out.
// Every test file still runs in a fresh worker process, as with vitest's default pool; the
// next one is forked ahead of time and preloads the OpenTelemetry packages while the learner
// edits (prewarmed-forks.ts), which takes a save from ~500 ms to ~250 ms to a verdict.
// Each test's result is handed on as soon as it ends (a failure can be on screen before the
// rest of the file has run), and a check can be cancelled at once: its worker is killed, so
// the next save never waits for a verdict nobody needs any more.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import type { TestError } from "vitest";
import type { Reporter, TestCase, TestModule, Vitest } from "vitest/node";
import type { PrewarmedForks, PrewarmStats } from "./prewarmed-forks.ts";
import { lessonFile, lessonPath, projectRoot, sourceFolder, type Lesson } from "../../shared/lessons/catalog.ts";
import { lessonSourceDir, lessonSuiteEnv, type LessonSource } from "../../shared/lessons/check-contract.ts";

export interface CheckedTest {
  /** the describe blocks around the test, outermost first */
  groups: string[];
  title: string;
  passed: boolean;
  errors: TestError[];
}

export interface LessonCheck {
  lesson: Lesson;
  passed: boolean;
  /** errors of the test file itself: a syntax error, a failing import, a failing hook */
  fileErrors: TestError[];
  tests: CheckedTest[];
  /** set when the watchdog stopped the check (`tests` then holds those that had ended) */
  timedOutAfterMs?: number;
  /** set when cancel() stopped the check: it says nothing about the learner's code */
  cancelled?: boolean;
}

export interface CheckListener {
  /** a test of the lesson ended (results come in batches of at most ~100 ms, as vitest sends them) */
  onTestResult?(lesson: Lesson, test: CheckedTest): void;
  /** a lesson's test file ended: its verdict, before the other lessons of the check end */
  onLessonChecked?(check: LessonCheck): void;
}

/** The check under way: which test file is which lesson's, who listens, and whether it was cancelled. */
interface RunningCheck {
  lessons: Map<string, Lesson>;
  listener: CheckListener;
  cancelled: boolean;
  settled: Promise<unknown>;
  /** each lesson's tests that have ended so far: a check stopped by the watchdog still says what failed */
  heard: Map<Lesson, CheckedTest[]>;
}

export interface WarmRunnerOptions {
  root?: string;
  /** whose lesson files the tests load (see SOURCE_VARIABLE) */
  source?: LessonSource;
  /** the whole check, import included (default 20 s; WORKBOOK_CHECK_TIMEOUT_MS) */
  checkTimeoutMs?: number;
  /** one test (default 10 s) */
  testTimeoutMs?: number;
  /** fork the next test worker ahead of time (default true; false: vitest's plain forks pool) */
  prewarm?: boolean;
}

export class WarmLessonRunner {
  private vitest: Promise<Vitest> | undefined;
  /** the pool of the current vitest: it holds the pre-forked worker */
  private workers: PrewarmedForks | undefined;
  /** spares of every runner in this process, so a watchdog restart leaves other runners' spares alone */
  private sparePids: (() => ReadonlySet<number>) | undefined;
  private readonly root: string;
  private readonly checkTimeoutMs: number;
  private readonly testTimeoutMs: number;
  private readonly prewarm: boolean;
  private readonly prewarmCounts: PrewarmStats = { prewarmed: 0, forkedOnDemand: 0 };
  private running: RunningCheck | undefined;
  /** tells the check under way about each test as it ends */
  private readonly reporter: Reporter = {
    onTestCaseResult: (testCase) => {
      const running = this.running;
      const lesson = running?.lessons.get(path.resolve(testCase.module.moduleId));
      if (!running || !lesson || running.cancelled) return;
      const test = checkedTest(testCase);
      running.heard.set(lesson, [...(running.heard.get(lesson) ?? []), test]);
      running.listener.onTestResult?.(lesson, test);
    },
    onTestModuleEnd: (module) => {
      const running = this.running;
      const lesson = running?.lessons.get(path.resolve(module.moduleId));
      if (running && lesson && !running.cancelled) running.listener.onLessonChecked?.(lessonCheckOf(lesson, module));
    },
  };

  constructor(options: WarmRunnerOptions = {}) {
    this.root = options.root ?? projectRoot;
    this.checkTimeoutMs = options.checkTimeoutMs ?? (Number(process.env.WORKBOOK_CHECK_TIMEOUT_MS) || 20_000);
    this.testTimeoutMs = options.testTimeoutMs ?? Math.min(10_000, this.checkTimeoutMs);
    this.prewarm = options.prewarm ?? true;
    // vitest.config.ts and the lesson tests read these; the test workers inherit them.
    Object.assign(process.env, lessonSuiteEnv(options.source ?? "lessons"));
  }

  /** Starts vitest ahead of the first check (watch mode calls it right after drawing). */
  warmUp(): Promise<Vitest> {
    // Imported on first use: loading vitest takes a few hundred ms that the first screen
    // of watch mode should not wait for.
    this.vitest ??= Promise.all([import("vitest/node"), import("./prewarmed-forks.ts")]).then(([{ createVitest }, prewarm]) => {
      const workers = this.prewarm ? new prewarm.PrewarmedForks(this.root, this.prewarmCounts) : undefined;
      this.workers = workers;
      this.sparePids = prewarm.spareWorkerPids;
      return createVitest(
        "test",
        {
          root: this.root,
          config: path.join(this.root, "vitest.config.ts"),
          watch: false,
          testTimeout: this.testTimeoutMs,
          // vitest's forks pool, with the next worker forked ahead of time (prewarmed-forks.ts).
          pool: workers?.pool ?? "forks",
          // Results are read from the returned test modules, and each test's as it ends; nothing is printed.
          reporters: [this.reporter],
        },
        // The CLI watches the lesson files itself; vite's own watcher would only add load.
        { server: { watch: null } },
      );
    });
    return this.vitest;
  }

  /**
   * Checks the lessons, one test file each, after any check still under way (one at a time:
   * cancel() first to get a verdict sooner). `listener` hears of each test as it ends.
   */
  /**
   * Checks one lesson up to its first failing test, and stops it there (the rest cannot change the
   * verdict): the mutation check and the diagnoses read no further. The check, and that test.
   */
  async checkToFirstFailure(lesson: Lesson): Promise<{ check: LessonCheck; firstFailing?: CheckedTest }> {
    let firstFailing: CheckedTest | undefined;
    const [check] = await this.check([lesson], {
      onTestResult: (_lesson, test) => {
        if (test.passed || firstFailing) return;
        firstFailing = test;
        void this.cancel();
      },
    });
    return { check: check!, firstFailing };
  }

  async check(lessons: Lesson[], listener: CheckListener = {}): Promise<LessonCheck[]> {
    // A deleted test file is the workbook's file, not the learner's code: say so, and how to get it back.
    const missing = lessons.filter((lesson) => !existsSync(lessonFile(lesson, "lessons", lesson.test, this.root)));
    if (missing.length > 0) {
      const present = await this.check(lessons.filter((lesson) => !missing.includes(lesson)), listener);
      return lessons.map((lesson) => present.find((check) => check.lesson === lesson) ?? missingTestFile(lesson));
    }
    if (lessons.length === 0) return [];
    while (this.running) await this.running.settled;
    const files = lessons.map((lesson) => lessonFile(lesson, "lessons", lesson.test, this.root));
    const running: RunningCheck = { lessons: new Map(files.map((file, index) => [file, lessons[index]!])), listener, cancelled: false, settled: Promise.resolve(), heard: new Map() };
    this.running = running;
    const outcome = this.runChecks(lessons, files, running);
    running.settled = outcome.catch(() => undefined);
    try {
      return await outcome;
    } finally {
      if (this.running === running) this.running = undefined;
    }
  }

  /**
   * Stops the check under way at once (its test worker is killed, not asked to finish the test it
   * is in); its check() resolves with `cancelled` set. Nothing happens when no check runs.
   */
  async cancel(): Promise<void> {
    const running = this.running;
    if (!running) return;
    running.cancelled = true;
    const spares = this.sparePids?.() ?? new Set<number>();
    const workers = this.workers?.activeWorkerPids() ?? ownTestWorkers().filter((pid) => !spares.has(pid));
    for (const pid of workers) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await running.settled;
  }

  private async runChecks(lessons: Lesson[], files: string[], running: RunningCheck): Promise<LessonCheck[]> {
    const vitest = await this.warmUp();
    if (running.cancelled) return lessons.map(cancelledCheck);
    // Forget cached transforms: the learner's files changed since the last run. Every file under
    // lessons/, not only the lesson's own: chatbot.ts imports its folder's tracing.ts, which the
    // learner may edit too (and a lesson may import another's), and vite's watcher is off.
    for (const file of lessonSources(this.root)) vitest.invalidateFile(file);
    const sourceDir = lessonSourceDir(this.root);
    if (!sourceDir.startsWith(sourceFolder("lessons", this.root))) for (const file of sourceFilesUnder(sourceDir)) vitest.invalidateFile(file);
    const project = vitest.getRootProject();
    const run = vitest.runTestSpecifications(files.map((file) => project.createSpecification(file)));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.checkTimeoutMs);
    });
    const outcome = await Promise.race([run, timeout]).finally(() => clearTimeout(timer));
    if (running.cancelled) {
      if (outcome === "timeout") await this.restart();
      return lessons.map(cancelledCheck);
    }
    if (outcome === "timeout") {
      run.catch(() => undefined);
      await this.restart();
      return lessons.map((lesson) => ({ lesson, passed: false, fileErrors: [], tests: running.heard.get(lesson) ?? [], timedOutAfterMs: this.checkTimeoutMs }));
    }
    return lessons.map((lesson, index) => {
      const module = outcome.testModules.find((each) => path.resolve(each.moduleId) === files[index]);
      if (!module) {
        const message = `vitest did not run ${path.relative(this.root, files[index]!)}: is it still included by vitest.config.ts (see shared/lessons/check-contract.ts)?`;
        return { lesson, passed: false, fileErrors: [{ message, name: "Error" } satisfies TestError], tests: [] };
      }
      return lessonCheckOf(lesson, module);
    });
  }

  /** How many test files ran in a pre-forked worker, over this runner's life (for tests and the bench). */
  get prewarmStats(): PrewarmStats {
    return { ...this.prewarmCounts };
  }

  async close(): Promise<void> {
    const vitest = this.vitest;
    this.vitest = undefined;
    // First, so that workers stopped by vitest's close fork no new spare.
    this.workers?.close();
    if (vitest) await (await vitest).close();
  }

  /**
   * After a hang: the test worker may be stuck in a loop that no graceful close can reach, so
   * our own worker processes are killed, then vitest is closed and rebuilt on the next check.
   */
  private async restart(): Promise<void> {
    const vitest = this.vitest;
    this.vitest = undefined;
    this.workers?.close();
    const spares = this.sparePids?.() ?? new Set<number>();
    for (const pid of ownTestWorkers().filter((each) => !spares.has(each))) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (!vitest) return;
    const closing = (await vitest).close().catch(() => undefined);
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 2_000))]);
  }
}

/** The source files under lessons/ (learners edit them; the CLI watches only the current lesson's). */
function lessonSources(root: string): string[] {
  return sourceFilesUnder(sourceFolder("lessons", root));
}

function sourceFilesUnder(folder: string): string[] {
  try {
    return readdirSync(folder, { recursive: true, encoding: "utf8" })
      .filter((file) => /\.(?:[cm]?[jt]sx?|json)$/.test(file))
      .map((file) => path.join(folder, file));
  } catch {
    return [];
  }
}

/** The vitest fork workers this process started (and only those: matched by parent pid). */
function ownTestWorkers(): number[] {
  try {
    const table = execFileSync("ps", ["-A", "-o", "pid=,ppid=,args="], { encoding: "utf8" });
    return table
      .split("\n")
      .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null && Number(match[2]) === process.pid && /vitest[\\/]dist[\\/]workers/.test(match[3]!))
      .map((match) => Number(match[1]));
  } catch {
    return [];
  }
}

function lessonCheckOf(lesson: Lesson, module: TestModule): LessonCheck {
  const tests = [...module.children.allTests()].map(checkedTest);
  const fileErrors = [...module.errors()];
  const passed = fileErrors.length === 0 && tests.length > 0 && tests.every((test) => test.passed);
  return { lesson, passed, fileErrors, tests };
}

function checkedTest(test: TestCase): CheckedTest {
  const result = test.result();
  const groups: string[] = [];
  for (let parent = test.parent; parent.type === "suite"; parent = parent.parent) groups.unshift(parent.name);
  return { groups, title: test.name, passed: result.state === "passed", errors: [...(result.errors ?? [])] };
}

function cancelledCheck(lesson: Lesson): LessonCheck {
  return { lesson, passed: false, fileErrors: [], tests: [], cancelled: true };
}

function missingTestFile(lesson: Lesson): LessonCheck {
  const relative = lessonPath(lesson, "lessons", lesson.test);
  const message = `the lesson's test file ${relative} is missing: restore it with git checkout -- ${relative}`;
  return { lesson, passed: false, fileErrors: [{ message, name: "Error" } satisfies TestError], tests: [] };
}
