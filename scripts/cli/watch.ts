// Watch mode (`npm start`): the current lesson is checked on every save, with the verdict, the
// progress bar and the files to edit always on screen, and single keys for everything else.
// One WarmLessonRunner serves every check, so a save costs one test file, not a new vitest.
// The session only reacts to events (a key, a save, a check's end); what the screen shows is
// watch-screen.ts's, from a snapshot of the session and the saved progress.
//
// The current lesson's verdict comes first: a save stops whatever check is under way (its
// verdict would be about code that is gone), and a failure is on screen as soon as its test
// ends. Only then, and only when idle, comes the rest: the lessons `c` asked for, and done
// lessons whose files changed since they passed (a done lesson that fails now is named, with
// why, instead of the count dropping without a word). A save stops that work too.
import { readFileSync } from "node:fs";
import path from "node:path";
import { lessonFile, type Lesson } from "../../shared/lessons/catalog.ts";
import type { CheckedTest, LessonCheck } from "../lib/warm-lesson-runner.ts";
import { WarmLessonRunner } from "../lib/warm-lesson-runner.ts";
import { brokenDoneLesson, failureSummary, formatCheck } from "./check-report.ts";
import { diffAgainstSolution } from "./diff.ts";
import { listenToKeys } from "./keys.ts";
import { lessonFingerprint, lessonSourceFiles } from "./lesson-files.ts";
import { lessonHints, revealNextHint } from "./lesson-hints.ts";
import { watchLessonFiles } from "./lesson-watcher.ts";
import { ListView } from "./list-view.ts";
import { failureNotice } from "./problems.ts";
import { missingFiles, resetLesson } from "./reset.ts";
import { runLessonFile } from "./run-lesson-file.ts";
import { drawScreen } from "./screen.ts";
import {
  changedSincePassed,
  loadState,
  nextUnfinished,
  openingLesson,
  recordVerdict,
  updateState,
  type FileHashes,
  type LoadedState,
  type WorkbookState,
} from "./state.ts";
import { style } from "./terminal-style.ts";
import {
  ALL_DONE_NOTICE,
  brokenLessonNotice,
  CHECKING_EVERY_LESSON,
  checkAllPanel,
  checkFailedNotice,
  damagedProgressNotice,
  diffPanel,
  diffQuestion,
  hintText,
  missingFilesNotice,
  NOTHING_CHANGED,
  notPassingYetNotice,
  resetNotice,
  resetQuestion,
  runPanel,
  WATCH_SILENT_NOTICE,
  watchScreen,
  type Panel,
  type Status,
  type Verdict,
  type WatchView,
} from "./watch-screen.ts";

export interface WatchOptions {
  root: string;
  lessons: Lesson[];
  /** check on Enter only, for file systems where watching fails */
  manual: boolean;
}

type Question = { text: string; onYes: () => void | Promise<void> };

/** `c`: every lesson checked again, the current one first; the panel comes when all are in. */
interface CheckAll {
  results: Map<string, LessonCheck>;
  /** the progress file's warning that made it necessary, shown above the verdicts */
  warning?: string;
  /** why each lesson that was done fails now */
  broken: Map<string, string>;
}

class WatchSession {
  private lesson: Lesson;
  private readonly runner: WarmLessonRunner;
  private status: Status = "idle";
  private verdict: Verdict | undefined;
  /** the failure known so far of the check under way */
  private partial: Verdict | undefined;
  private panel: Panel | undefined;
  private hint: { text: string; number: number } | undefined;
  private notice: string | undefined;
  private question: Question | undefined;
  private list: ListView | undefined;
  private stopWatching: () => void = () => undefined;
  private stopKeys: () => void = () => undefined;
  /** a save not checked yet: it is checked as soon as the check or run under way ends (a check is stopped for it) */
  private pendingSave = false;
  /** the lesson files' text when the last check started: a save that changes nothing is not re-checked */
  private checkedText: string | undefined;
  /** the last warning about a damaged progress file, so that each is told once */
  private progressWarning: string | undefined;
  /** other lessons being checked after the verdict (undefined: none) */
  private background: { lessons: Lesson[]; done: Promise<void> } | undefined;
  private checkAll: CheckAll | undefined;
  /** each lesson's files as its last background check saw them: the same files are not checked twice */
  private readonly backgroundSaw = new Map<string, string>();

  constructor(private readonly options: WatchOptions) {
    const loaded = loadState(options.root, options.lessons);
    this.lesson = openingLesson(loaded.state, options.lessons);
    this.progressWarning = loaded.warning;
    this.runner = new WarmLessonRunner({ root: options.root });
    this.rememberCurrent();
    if (loaded.warning) this.startCheckAll(damagedProgressNotice(loaded.warning));
    else this.attempt(() => this.check());
  }

  start(): void {
    this.stopKeys = listenToKeys((key) => this.attempt(() => this.press(key)));
    this.watchCurrent();
    process.stdout.on("resize", () => this.draw());
    this.draw();
    this.attempt(() => this.runner.warmUp());
  }

  /**
   * Runs the work of a key or a save. Whatever it throws is shown as a one-line notice and
   * watch mode goes on: a missing git or a full disk must not end the learner's session.
   */
  private attempt(work: () => unknown): void {
    const failed = (error: unknown) => {
      this.notice = style.red(failureNotice(error, this.options.root));
      this.draw();
    };
    try {
      Promise.resolve(work()).catch(failed);
    } catch (error) {
      failed(error);
    }
  }

  // ---- progress: never held, always read from the file and changed in one step -----------

  private progress(): WorkbookState {
    return this.told(loadState(this.options.root, this.options.lessons));
  }

  private update(change: (state: WorkbookState) => WorkbookState): WorkbookState {
    return this.told(updateState(this.options.root, this.options.lessons, change));
  }

  private told(loaded: LoadedState): WorkbookState {
    if (loaded.warning && loaded.warning !== this.progressWarning) this.notice = damagedProgressNotice(loaded.warning);
    this.progressWarning = loaded.warning;
    return loaded.state;
  }

  private rememberCurrent(): void {
    const slug = this.lesson.slug;
    this.update((state) => ({ ...state, current: slug }));
  }

  // ---- checking the current lesson ---------------------------------------------------------

  private async check(): Promise<void> {
    if (this.status === "running") {
      // The run ends on its own: the save is checked then.
      this.pendingSave = true;
      this.draw();
      return;
    }
    if (this.status === "checking") {
      // The check under way is about code that has changed since: stop it; its end starts the new one.
      this.pendingSave = true;
      this.draw();
      await this.runner.cancel();
      return;
    }
    const lesson = this.lesson;
    const checked = this.startChecking();
    await this.whileBusy("checking", async () => {
      // The background work waits (status is "checking", so it does not start again meanwhile).
      await this.stopBackground();
      const tests: CheckedTest[] = [];
      let check: LessonCheck;
      try {
        [check] = (await this.runner.check([lesson], { onTestResult: (_lesson, test) => this.heard(lesson, tests, test) })) as [LessonCheck];
      } catch (error) {
        this.partial = undefined;
        this.notice = checkFailedNotice(error);
        return;
      }
      this.partial = undefined;
      if (check.cancelled) return;
      const before = this.progress();
      if (lesson.slug === this.lesson.slug) {
        this.verdict = this.verdictOf(check);
        this.panel = undefined;
      }
      const broken = brokenDoneLesson(check, before, this.options.root);
      if (broken) this.notice = brokenLessonNotice(broken, true);
      this.checkAll?.results.set(lesson.slug, check);
      if (broken) this.checkAll?.broken.set(lesson.slug, failureSummary(check));
      this.update((state) => recordVerdict(state, this.options.lessons, lesson.slug, check.passed, checked));
    });
  }

  /** A test of the check under way ended: a failure is shown at once, and what comes after it as it comes. */
  private heard(lesson: Lesson, tests: CheckedTest[], test: CheckedTest): void {
    tests.push(test);
    if (lesson.slug !== this.lesson.slug || this.pendingSave || !tests.some((each) => !each.passed)) return;
    const sofar: LessonCheck = { lesson, passed: false, fileErrors: [], tests: [...tests] };
    this.partial = { passed: false, report: formatCheck(sofar, this.options.root, { running: true }) };
    this.panel = undefined;
    this.draw();
  }

  /** The report is written now, while the files are as the check saw them. */
  private verdictOf(check: LessonCheck): Verdict {
    return { passed: check.passed, report: formatCheck(check, this.options.root) };
  }

  /** A check reads the files now: saves until here are in it, later ones are pending. Returns the files as checked. */
  private startChecking(): FileHashes {
    this.pendingSave = false;
    this.partial = undefined;
    this.checkedText = this.lessonText();
    return lessonFingerprint(this.options.root, this.lesson);
  }

  /**
   * Shows the status while the work runs (keys wait meanwhile), then the outcome; a save that
   * came in the meantime and changed the files is checked right after, and only then does the
   * background work go on.
   */
  private async whileBusy(status: Exclude<Status, "idle">, work: () => Promise<void>): Promise<void> {
    this.status = status;
    this.draw();
    try {
      await work();
    } finally {
      this.status = "idle";
      if (this.pendingSave && this.lessonText() !== this.checkedText) {
        this.attempt(() => this.check());
      } else {
        this.pendingSave = false;
        this.draw();
        this.attempt(() => this.continueInBackground());
      }
    }
  }

  // ---- after the verdict: the other lessons --------------------------------------------------

  /** `c`, or a damaged progress file: every lesson checked again, the current one first. */
  private startCheckAll(warning?: string): void {
    this.checkAll = { results: new Map(), warning, broken: new Map() };
    this.notice = warning ?? CHECKING_EVERY_LESSON;
    this.attempt(() => this.check());
  }

  /**
   * The lessons to check after the verdict: those `c` asked for that have no verdict yet, and
   * done lessons whose files changed since they passed (or whose files were never noted).
   */
  private backgroundLessons(): Lesson[] {
    const progress = this.progress();
    return this.options.lessons.filter((lesson) => {
      if (lesson.slug === this.lesson.slug && !this.checkAll) return false;
      if (this.checkAll) return !this.checkAll.results.has(lesson.slug);
      if (!progress.done.includes(lesson.slug)) return false;
      const now = lessonFingerprint(this.options.root, lesson);
      if (this.backgroundSaw.get(lesson.slug) === JSON.stringify(now)) return false;
      const changed = changedSincePassed(progress, lesson.slug, now);
      return changed === undefined || changed.length > 0;
    });
  }

  /** Starts the work after the verdict, when there is some and nothing else is under way. */
  private async continueInBackground(): Promise<void> {
    if (this.status !== "idle" || this.pendingSave || this.background) return;
    const lessons = this.backgroundLessons();
    if (lessons.length === 0) return this.finishCheckAll();
    const seen = new Map(lessons.map((lesson) => [lesson.slug, lessonFingerprint(this.options.root, lesson)]));
    for (const [slug, files] of seen) this.backgroundSaw.set(slug, JSON.stringify(files));
    const before = this.progress();
    const handled = new Set<string>();
    const verdict = (check: LessonCheck) => {
      if (check.cancelled || handled.has(check.lesson.slug)) return;
      handled.add(check.lesson.slug);
      this.backgroundVerdict(check, before, seen.get(check.lesson.slug)!);
    };
    const done = (async () => {
      let checks: LessonCheck[];
      try {
        checks = await this.runner.check(lessons, { onLessonChecked: verdict });
      } catch (error) {
        this.notice = checkFailedNotice(error);
        this.checkAll = undefined;
        return;
      }
      checks.forEach(verdict);
      // Stopped by a save: what was not checked is checked once the save's verdict is in.
      for (const lesson of lessons) if (!handled.has(lesson.slug)) this.backgroundSaw.delete(lesson.slug);
    })();
    this.background = { lessons, done };
    this.draw();
    try {
      await done;
    } finally {
      this.background = undefined;
      this.draw();
      this.attempt(() => this.continueInBackground());
    }
  }

  private backgroundVerdict(check: LessonCheck, before: WorkbookState, files: FileHashes): void {
    const broken = brokenDoneLesson(check, before, this.options.root);
    if (broken) this.notice = brokenLessonNotice(broken, check.lesson.slug === this.lesson.slug);
    if (this.checkAll) {
      this.checkAll.results.set(check.lesson.slug, check);
      if (broken) this.checkAll.broken.set(check.lesson.slug, failureSummary(check));
    }
    if (check.lesson.slug === this.lesson.slug) this.verdict = this.verdictOf(check);
    this.update((state) => recordVerdict(state, this.options.lessons, check.lesson.slug, check.passed, files));
    this.draw();
  }

  /** The check-all panel, once every lesson has its verdict. */
  private finishCheckAll(): void {
    const checkAll = this.checkAll;
    if (!checkAll) return;
    this.checkAll = undefined;
    const checks = this.options.lessons.map((lesson) => checkAll.results.get(lesson.slug)).filter((check): check is LessonCheck => check !== undefined);
    this.panel = checkAllPanel(checks, checkAll.warning, checkAll.broken);
    if (this.notice === CHECKING_EVERY_LESSON || this.notice === checkAll.warning) this.notice = undefined;
    this.draw();
  }

  /** Stops the work after the verdict (a save's verdict comes first); what it did not finish is done later. */
  private async stopBackground(): Promise<void> {
    const background = this.background;
    if (!background) return;
    await this.runner.cancel();
    await background.done;
  }

  private backgroundWords(): string | undefined {
    if (!this.background) return undefined;
    if (this.checkAll) return `checking every lesson: ${this.checkAll.results.size} of ${this.options.lessons.length} done`;
    const numbers = this.background.lessons.map((lesson) => lesson.number).join(", ");
    return `re-checking done lesson${this.background.lessons.length === 1 ? "" : "s"} ${numbers}, whose files changed`;
  }

  // ---- keys -------------------------------------------------------------------------------

  private async press(key: string): Promise<void> {
    if (key === "ctrl-c" || (key === "q" && !this.list && !this.question)) return this.quit();
    // While a check or a run is under way the screen is about to change: keys would act on a stale verdict.
    if (this.status !== "idle") return;
    if (this.question) return this.answer(key);
    if (this.list) return this.pressInList(key);
    this.notice = undefined;
    switch (key) {
      case "enter":
        this.hint = undefined;
        this.panel = undefined;
        return this.check();
      case "n":
        return this.next();
      case "h":
        return this.nextHint();
      case "l":
        this.list = new ListView(this.options.lessons, this.lesson);
        return this.draw();
      case "r":
        return this.run();
      case "d":
        return this.diff();
      case "x":
        return this.ask(resetQuestion(this.lesson), () => this.reset());
      case "c":
        return this.startCheckAll();
      default:
        return this.draw();
    }
  }

  private ask(text: string, onYes: Question["onYes"]): void {
    this.question = { text, onYes };
    this.draw();
  }

  private async answer(key: string): Promise<void> {
    const question = this.question!;
    if (key !== "y" && key !== "n" && key !== "escape") return;
    this.question = undefined;
    if (key === "y") await question.onYes();
    else {
      this.notice = NOTHING_CHANGED;
      this.draw();
    }
  }

  private pressInList(key: string): void {
    const chosen = this.list!.press(key);
    if (chosen === "close") this.list = undefined;
    else if (chosen) {
      this.list = undefined;
      this.switchTo(chosen);
      return;
    }
    this.draw();
  }

  private next(): void {
    if (!this.verdict?.passed) {
      this.notice = notPassingYetNotice(this.lesson);
      return this.draw();
    }
    const next = nextUnfinished(this.progress(), this.options.lessons, this.lesson);
    if (!next) {
      this.notice = ALL_DONE_NOTICE;
      return this.draw();
    }
    this.switchTo(next);
  }

  private switchTo(lesson: Lesson): void {
    this.lesson = lesson;
    this.verdict = undefined;
    this.partial = undefined;
    this.panel = undefined;
    this.hint = undefined;
    this.watchCurrent();
    this.attempt(() => this.check());
    // Last: should the state not save, the new lesson is already watched and checked.
    this.rememberCurrent();
  }

  private nextHint(): void {
    const reveal = revealNextHint(this.options.root, this.lesson, (change) => this.update(change));
    if ("problem" in reveal) {
      this.notice = style.yellow(reveal.problem);
      return this.draw();
    }
    this.panel = undefined;
    this.hint = hintText(reveal);
    this.draw();
  }

  private async run(): Promise<void> {
    if (this.offerMissingFiles()) return;
    const lesson = this.lesson;
    await this.whileBusy("running", async () => {
      const outcome = await runLessonFile(this.options.root, lesson, { capture: true, color: style.level > 0 });
      this.panel = runPanel(lesson, outcome);
    });
  }

  private diff(): void {
    const show = () => {
      this.panel = diffPanel(this.lesson, diffAgainstSolution(this.options.root, this.lesson, style.level > 0).text);
      this.draw();
    };
    if (this.verdict?.passed) return show();
    this.ask(diffQuestion(this.lesson), show);
  }

  private async reset(): Promise<void> {
    const outcome = resetLesson(this.options.root, this.lesson);
    const slug = this.lesson.slug;
    // Not done any more, and by the learner's own choice: no "a later edit broke it" for this.
    this.update((state) => recordVerdict(state, this.options.lessons, slug, false));
    this.notice = resetNotice(this.options.root, this.lesson, outcome);
    this.hint = undefined;
    this.panel = undefined;
    await this.check();
  }

  /** A deleted lesson file: say so and offer the starter (x) instead of running. */
  private offerMissingFiles(): boolean {
    const missing = missingFiles(this.options.root, this.lesson);
    if (missing.length === 0) return false;
    this.notice = missingFilesNotice(this.lesson, missing);
    this.draw();
    return true;
  }

  // ---- screen -------------------------------------------------------------------------------

  private draw(): void {
    drawScreen(watchScreen(this.view()));
  }

  /** What the screen is drawn from: the session as it is, and the progress as saved now. */
  private view(): WatchView {
    return {
      root: this.options.root,
      lessons: this.options.lessons,
      lesson: this.lesson,
      progress: this.progress(),
      hints: lessonHints(this.options.root, this.lesson),
      manual: this.options.manual,
      status: this.status,
      pendingSave: this.pendingSave,
      verdict: this.verdict,
      partial: this.partial,
      background: this.backgroundWords(),
      panel: this.panel,
      hint: this.hint,
      notice: this.notice,
      question: this.question?.text,
      list: this.list,
      columns: process.stdout.columns || 80,
    };
  }

  // ---- plumbing -----------------------------------------------------------------------------

  private watchCurrent(): void {
    this.stopWatching();
    if (this.options.manual) {
      this.stopWatching = () => undefined;
      return;
    }
    this.stopWatching = watchLessonFiles(this.options.root, this.lesson, {
      onChangeSeen: () => {
        if (this.pendingSave || this.lessonText() === this.checkedText) return;
        this.pendingSave = true;
        this.draw();
      },
      onChange: () => {
        // Our own reset, or an editor touching the file without changing it.
        if (this.lessonText() === this.checkedText) {
          if (this.status === "idle" && this.pendingSave) {
            this.pendingSave = false;
            this.draw();
          }
          return;
        }
        this.hint = undefined;
        this.attempt(() => this.check());
      },
      onWatchSilent: () => {
        this.notice = WATCH_SILENT_NOTICE;
      },
    });
  }

  /** Every source file of the lesson's folder, as the watcher sees them. */
  private lessonText(): string {
    return lessonSourceFiles(this.options.root, this.lesson)
      .map((file) => {
        try {
          return `${file}\0${readFileSync(lessonFile(this.lesson, "lessons", file, this.options.root), "utf8")}`;
        } catch {
          return `${file}\0(missing)`;
        }
      })
      .join("\0");
  }

  private async quit(): Promise<void> {
    this.stopKeys();
    this.stopWatching();
    process.stdout.write(`\n\nBye! Your progress is saved in ${path.join(".workbook", "state.json")}; \`npm start\` picks up where you left off.\n`);
    await Promise.race([this.runner.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_500))]);
    process.exit(0);
  }
}

export async function startWatchMode(options: WatchOptions): Promise<void> {
  new WatchSession(options).start();
}
