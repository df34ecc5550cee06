// Watch mode (`npm start`): the current lesson is checked on every save, with the verdict, the
// progress bar and the file to edit always on screen, and single keys for everything else.
// One WarmLessonRunner serves every check, so a save costs one test file, not a new vitest.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { WarmLessonRunner, type LessonCheck } from "../lib/warm-lesson-runner.ts";
import { formatCheck, lessonLabel } from "./check-report.ts";
import { diffAgainstSolution } from "./diff.ts";
import { listenToKeys } from "./keys.ts";
import { lessonPath, readmePath, solutionPath } from "./lesson-files.ts";
import { hintProgress, revealNextHint } from "./lesson-hints.ts";
import { watchLessonFiles } from "./lesson-watcher.ts";
import { ListView } from "./list-view.ts";
import { failureNotice } from "./problems.ts";
import { missingFiles, resetLesson } from "./reset.ts";
import { runLessonFile, timeoutMessage } from "./run-lesson-file.ts";
import { drawScreen } from "./screen.ts";
import { loadState, nextUnfinished, openingLesson, recordVerdict, saveState, type WorkbookState } from "./state.ts";
import { fileLink, progressBar, style } from "./terminal-style.ts";

export interface WatchOptions {
  root: string;
  lessons: Lesson[];
  /** check on Enter only, for file systems where watching fails */
  manual: boolean;
}

type Status = "idle" | "checking" | "running";
type Question = { text: string; onYes: () => void | Promise<void> };

class WatchSession {
  private state: WorkbookState;
  private lesson: Lesson;
  private readonly runner: WarmLessonRunner;
  private status: Status = "idle";
  private verdict: LessonCheck | undefined;
  /** what the body shows instead of the verdict (run output, diff, all-lessons summary) */
  private panel: { text: string; fullTextCommand?: string } | undefined;
  /** shown under the verdict: the hint just revealed */
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

  constructor(private readonly options: WatchOptions) {
    const loaded = loadState(options.root, options.lessons);
    this.state = loaded.state;
    this.lesson = openingLesson(this.state, options.lessons);
    this.notice = loaded.warning ? style.yellow(`Warning: ${loaded.warning.replace(/Run .*$/, "Re-checking every lesson now.")}`) : undefined;
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
      this.state = recordVerdict(this.state, this.options.lessons, lesson.slug, check.passed);
      if (lesson.slug === this.lesson.slug) {
        this.verdict = check;
        this.panel = undefined;
      }
      saveState(this.options.root, this.state);
    });
  }

  private async checkAll(): Promise<void> {
    if (this.status !== "idle") return;
    const warning = this.notice;
    this.notice = warning ?? "Checking every lesson...";
    this.startChecking();
    await this.whileBusy("checking", async () => {
      let checks: LessonCheck[];
      try {
        checks = await this.runner.check(this.options.lessons);
      } catch (error) {
        this.notice = checkFailedNotice(error);
        return;
      }
      for (const check of checks) this.state = recordVerdict(this.state, this.options.lessons, check.lesson.slug, check.passed);
      const mine = checks.find((check) => check.lesson.slug === this.lesson.slug);
      if (mine) this.verdict = mine;
      this.panel = {
        text: [
          ...(warning ? [warning, ""] : []),
          style.bold("Every lesson, checked again:"),
          ...checks.map((check) => `  ${check.passed ? style.green("✓") : style.red("✗")} ${lessonLabel(check)}`),
          "",
          "Press Enter to see the current lesson's verdict.",
        ].join("\n"),
      };
      this.notice = undefined;
      saveState(this.options.root, this.state);
    });
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
        return this.askReset();
      case "c":
        return this.checkAll();
      default:
        return this.draw();
    }
  }

  private async answer(key: string): Promise<void> {
    const question = this.question!;
    if (key !== "y" && key !== "n" && key !== "escape") return;
    this.question = undefined;
    if (key === "y") await question.onYes();
    else {
      this.notice = "Nothing changed.";
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
      this.notice = style.yellow(`n moves on once ${lessonLabel({ lesson: this.lesson })} passes. Save your file to check it again, or press h for a hint.`);
      return this.draw();
    }
    const next = nextUnfinished(this.state, this.options.lessons, this.lesson);
    if (!next) {
      this.notice = style.green("Every lesson is done. Well traced! Press l to revisit one, q to quit.");
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
    const reveal = revealNextHint(this.options.root, this.lesson, this.state);
    if ("problem" in reveal) {
      this.notice = style.yellow(reveal.problem);
      return this.draw();
    }
    this.state = reveal.state;
    this.panel = undefined;
    this.hintText = reveal.text + (reveal.isLast ? style.dim("\n\n(the last hint; d shows the solution's diff)") : "");
    this.draw();
  }

  private async run(): Promise<void> {
    if (this.offerMissingFiles()) return;
    const lesson = this.lesson;
    await this.whileBusy("running", async () => {
      const outcome = await runLessonFile(this.options.root, lesson, { capture: true, color: style.level > 0 });
      this.panel = {
        text: [
          style.bold(`$ npx tsx ${lessonPath(lesson, lesson.run)}`),
          outcome.output.trimEnd(),
          ...(outcome.timedOutAfterMs !== undefined ? ["", style.red(timeoutMessage(lesson, outcome.timedOutAfterMs))] : []),
          "",
          style.dim("Press Enter to see the verdict again."),
        ].join("\n"),
        fullTextCommand: `npm run workbook -- run ${lesson.number}`,
      };
    });
  }

  private diff(): void {
    const show = () => {
      const result = diffAgainstSolution(this.options.root, this.lesson, style.level > 0);
      this.panel = {
        text: [style.bold(`Your files (-) against the solution (+), whitespace ignored:`), "", result.text, "", style.dim("Press Enter to see the verdict again.")].join("\n"),
        fullTextCommand: `npm run workbook -- diff ${this.lesson.number}`,
      };
      this.draw();
    };
    if (this.verdict?.passed) return show();
    this.question = {
      text: `${lessonLabel({ lesson: this.lesson })} is not passing yet, and the diff shows the answer. Show it anyway? (y/n)`,
      onYes: show,
    };
    this.draw();
  }

  private askReset(): void {
    this.question = {
      text: `Reset ${lessonLabel({ lesson: this.lesson })} to the starter? Your files are backed up first. (y/n)`,
      onYes: () => this.reset(),
    };
    this.draw();
  }

  private async reset(): Promise<void> {
    const outcome = resetLesson(this.options.root, this.lesson);
    this.notice = [
      outcome.backup ? `Backed up your files to ${path.relative(this.options.root, outcome.backup.dir)}/` : "Nothing to back up: your files were missing or the starter already.",
      `Restored the starter: ${outcome.restored.join(", ")}`,
      style.dim(`(all backups: npm run workbook -- reset ${this.lesson.number} --backups)`),
    ].join("\n");
    this.hintText = undefined;
    await this.check();
  }

  /** A deleted lesson file: say so and offer the starter (x) instead of running. */
  private offerMissingFiles(): boolean {
    const missing = missingFiles(this.options.root, this.lesson);
    if (missing.length === 0) return false;
    this.notice = style.yellow(`lessons/${this.lesson.slug}/${missing.join(", ")} is missing. Press x to get the starter back (your other files are backed up first).`);
    this.draw();
    return true;
  }

  // ---- screen -------------------------------------------------------------------------------

  private draw(): void {
    if (this.list) {
      drawScreen({ body: this.list.render(this.state), footer: this.footer() });
      return;
    }
    drawScreen({ body: this.body(), footer: this.footer(), fullTextCommand: this.panel?.fullTextCommand ?? `npm run workbook -- check ${this.lesson.number}` });
  }

  private body(): string {
    if (this.panel) return this.panel.text;
    const lines: string[] = [];
    if (!this.verdict) {
      lines.push(style.dim(`${lessonLabel({ lesson: this.lesson })}: checking your code...`));
    } else {
      lines.push(formatCheck(this.verdict, this.options.root));
      if (this.verdict.passed) {
        const solutions = this.lesson.files.map((file) => solutionPath(this.lesson, file));
        lines.push(
          "",
          style.green.bold("Done! ") + `Compare your code with the solution: ${solutions.map((file) => fileLink(file, path.join(this.options.root, file))).join(", ")} (or press d).`,
          `Press ${style.bold("n")} for the next lesson.`,
        );
      } else {
        lines.push("", hintProgress(this.options.root, this.lesson, this.state, "press h for the next one"));
      }
    }
    if (this.hintText) lines.push("", style.cyan(this.hintText));
    return lines.join("\n");
  }

  private statusLine(): string {
    if (this.status === "checking") return style.yellow(this.pendingSave ? "checking... (your new save is checked next)" : "checking...");
    if (this.status === "running") {
      const running = `running ${lessonPath(this.lesson, this.lesson.run)}...`;
      return style.yellow(this.pendingSave ? `${running} (your save is checked when it ends)` : running);
    }
    // A save seen, its check about to start (the watcher waits for the editor to finish writing).
    if (this.pendingSave) return style.yellow("checking...");
    if (!this.verdict) return style.dim("not checked yet");
    return this.verdict.passed ? style.green("✓ passing") : style.red("✗ not passing yet");
  }

  private footer(): string[] {
    const link = (relative: string) => fileLink(relative, path.join(this.options.root, relative));
    const files = this.lesson.files.map((file) => link(lessonPath(this.lesson, file)));
    const waitingFor = this.options.manual ? "save, then press Enter to check" : "save to check";
    const lines = [
      style.dim("─".repeat(Math.min(process.stdout.columns || 80, 80))),
      `${this.statusLine()}   ${lessonLabel({ lesson: this.lesson })}`,
      `Read: ${link(readmePath(this.lesson))}  ${style.dim("(what to do, why, and the hints)")}`,
      `Edit: ${files.join(", ")}  ${style.dim(`(${waitingFor})`)}`,
      progressBar(this.state.done.length, this.options.lessons.length),
    ];
    if (this.notice) lines.push(this.notice);
    lines.push(
      this.question
        ? style.bold(this.question.text)
        : style.dim("keys: ") + ["n next", "h hint", "l list", "r run", "d diff", "x reset", "c check all", "Enter re-check", "q quit"].map((k) => k.replace(/^(\S+)/, (key) => style.bold(key))).join(" · "),
    );
    return lines;
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
        this.notice = style.yellow(
          "File watching seems not to work on this file system (the save was only found by polling). " +
            "If checks lag, restart with `npm start -- --manual` and press Enter after each save.",
        );
      },
    });
  }

  private lessonText(): string {
    return this.lesson.files
      .map((file) => {
        try {
          return readFileSync(path.join(this.options.root, lessonPath(this.lesson, file)), "utf8");
        } catch {
          return "(missing)";
        }
      })
      .join("\0");
  }

  private rememberCurrent(): void {
    this.state = { ...this.state, current: this.lesson.slug };
    saveState(this.options.root, this.state);
  }

  private async quit(): Promise<void> {
    this.stopKeys();
    this.stopWatching();
    process.stdout.write(`\n\nBye! Your progress is saved in .workbook/state.json; \`npm start\` picks up where you left off.\n`);
    await Promise.race([this.runner.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_500))]);
    process.exit(0);
  }
}

function checkFailedNotice(error: unknown): string {
  return style.red(`The check itself failed: ${error instanceof Error ? error.message : String(error)}. Press Enter to try again.`);
}

export async function startWatchMode(options: WatchOptions): Promise<void> {
  new WatchSession(options).start();
}
