// Watch mode (`npm start`): the current lesson is checked on every save, with the verdict, the
// progress bar and the file to edit always on screen, and single keys for everything else.
// One WarmLessonRunner serves every check, so a save costs one test file, not a new vitest.
// The session only reacts to events (a key, a save, a check's end); what the screen shows is
// watch-screen.ts's, from a snapshot of the session and the saved progress.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { WarmLessonRunner, type LessonCheck } from "../lib/warm-lesson-runner.ts";
import { formatCheck } from "./check-report.ts";
import { diffAgainstSolution } from "./diff.ts";
import { listenToKeys } from "./keys.ts";
import { lessonSourceFiles } from "./lesson-files.ts";
import { lessonHints, revealNextHint } from "./lesson-hints.ts";
import { watchLessonFiles } from "./lesson-watcher.ts";
import { ListView } from "./list-view.ts";
import { failureNotice } from "./problems.ts";
import { missingFiles, resetLesson } from "./reset.ts";
import { runLessonFile } from "./run-lesson-file.ts";
import { drawScreen } from "./screen.ts";
import { loadState, nextUnfinished, openingLesson, recordVerdict, updateState, type LoadedState, type WorkbookState } from "./state.ts";
import { style } from "./terminal-style.ts";
import {
  ALL_DONE_NOTICE,
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

class WatchSession {
  private lesson: Lesson;
  private readonly runner: WarmLessonRunner;
  private status: Status = "idle";
  private verdict: Verdict | undefined;
  private panel: Panel | undefined;
  private hintText: string | undefined;
  private notice: string | undefined;
  private question: Question | undefined;
  private list: ListView | undefined;
  private stopWatching: () => void = () => undefined;
  private stopKeys: () => void = () => undefined;
  /** a save not checked yet: it is checked as soon as the check, run or check-all under way ends */
  private pendingSave = false;
  /** the lesson files' text when the last check started: a save that changes nothing is not re-checked */
  private checkedText: string | undefined;
  /** the last warning about a damaged progress file, so that each is told once */
  private progressWarning: string | undefined;

  constructor(private readonly options: WatchOptions) {
    const loaded = loadState(options.root, options.lessons);
    this.lesson = openingLesson(loaded.state, options.lessons);
    this.progressWarning = loaded.warning;
    this.notice = loaded.warning ? damagedProgressNotice(loaded.warning) : undefined;
    this.runner = new WarmLessonRunner({ root: options.root });
    this.rememberCurrent();
    if (loaded.warning) this.attempt(() => this.checkAll());
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

  // ---- checking -------------------------------------------------------------------------

  private async check(): Promise<void> {
    if (this.status !== "idle") {
      // Only a save asks for a check while busy (keys wait): it is checked when the work ends.
      this.pendingSave = true;
      this.draw();
      return;
    }
    const lesson = this.lesson;
    this.startChecking();
    await this.whileBusy("checking", async () => {
      let check: LessonCheck;
      try {
        [check] = (await this.runner.check([lesson])) as [LessonCheck];
      } catch (error) {
        this.notice = checkFailedNotice(error);
        return;
      }
      if (lesson.slug === this.lesson.slug) {
        this.verdict = this.verdictOf(check);
        this.panel = undefined;
      }
      this.update((state) => recordVerdict(state, this.options.lessons, lesson.slug, check.passed));
    });
  }

  private async checkAll(): Promise<void> {
    if (this.status !== "idle") return;
    const warning = this.notice;
    this.notice = warning ?? CHECKING_EVERY_LESSON;
    this.startChecking();
    await this.whileBusy("checking", async () => {
      let checks: LessonCheck[];
      try {
        checks = await this.runner.check(this.options.lessons);
      } catch (error) {
        this.notice = checkFailedNotice(error);
        return;
      }
      const mine = checks.find((check) => check.lesson.slug === this.lesson.slug);
      if (mine) this.verdict = this.verdictOf(mine);
      this.panel = checkAllPanel(checks, warning);
      this.notice = undefined;
      this.update((state) => checks.reduce((each, check) => recordVerdict(each, this.options.lessons, check.lesson.slug, check.passed), state));
    });
  }

  /** The report is written now, while the files are as the check saw them. */
  private verdictOf(check: LessonCheck): Verdict {
    return { passed: check.passed, report: formatCheck(check, this.options.root) };
  }

  /** A check reads the files now: saves until here are in it, later ones are pending. */
  private startChecking(): void {
    this.pendingSave = false;
    this.checkedText = this.lessonText();
  }

  /**
   * Shows the status while the work runs (keys wait meanwhile), then the outcome; a save that
   * came in the meantime and changed the files is checked right after.
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
      }
    }
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
        this.hintText = undefined;
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
        return this.checkAll();
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
    this.panel = undefined;
    this.hintText = undefined;
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
    this.hintText = hintText(reveal);
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
    this.notice = resetNotice(this.options.root, this.lesson, outcome);
    this.hintText = undefined;
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
      panel: this.panel,
      hintText: this.hintText,
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
        this.hintText = undefined;
        this.attempt(() => this.check());
      },
      onWatchSilent: () => {
        this.notice = WATCH_SILENT_NOTICE;
      },
    });
  }

  /** Every source file of the lesson's folder, as the watcher sees them. */
  private lessonText(): string {
    const folder = path.join(this.options.root, "lessons", this.lesson.slug);
    return lessonSourceFiles(this.options.root, this.lesson)
      .map((file) => {
        try {
          return `${file}\0${readFileSync(path.join(folder, file), "utf8")}`;
        } catch {
          return `${file}\0(missing)`;
        }
      })
      .join("\0");
  }

  private async quit(): Promise<void> {
    this.stopKeys();
    this.stopWatching();
    process.stdout.write(`\n\nBye! Your progress is saved in .workbook/state.json; \`npm start\` picks up where you left off.\n`);
    await Promise.race([this.runner.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_500))]);
    process.exit(0);
  }
}

export async function startWatchMode(options: WatchOptions): Promise<void> {
  new WatchSession(options).start();
}
