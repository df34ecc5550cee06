// What watch mode shows, as pure functions of what the session knows: the lesson, the saved
// progress (read afresh before every drawing), the check under way, the verdict, and whichever
// panel, hint, notice or question is up. Nothing here reads a file or writes to the terminal,
// so every screen can be tested from a plain object (watch-screen.test.ts).
import path from "node:path";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import type { LessonCheck } from "../lib/warm-lesson-runner.ts";
import { lessonLabel } from "./check-report.ts";
import { lessonPath, readmePath, solutionPath } from "./lesson-files.ts";
import { hintProgressLine, type HintsLookup } from "./lesson-hints.ts";
import type { ListView } from "./list-view.ts";
import { describeReset, type ResetOutcome } from "./reset.ts";
import type { RunOutcome } from "./run-lesson-file.ts";
import { timeoutMessage } from "./run-lesson-file.ts";
import { bodyText, type Screen, type Section } from "./screen.ts";
import type { WorkbookState } from "./state.ts";
import { fileLink, progressBar, style } from "./terminal-style.ts";

export type Status = "idle" | "checking" | "running";

/** A check's outcome for the screen: its report is written when the check ends (it reads the files then). */
export interface Verdict {
  passed: boolean;
  report: string;
}

/** What the body shows instead of the verdict: run output, a diff, the all-lessons summary. */
export interface Panel {
  text: string;
  /** the plain command that prints it all, for a body cut to fit */
  fullTextCommand?: string;
}

export interface WatchView {
  root: string;
  lessons: Lesson[];
  lesson: Lesson;
  /** as saved in .workbook/state.json right now: another terminal may have changed it */
  progress: WorkbookState;
  hints: HintsLookup;
  /** check on Enter only */
  manual: boolean;
  status: Status;
  /** a save not checked yet */
  pendingSave: boolean;
  verdict?: Verdict;
  /** the check under way has a failure already: shown now, in place of the last verdict */
  partial?: Verdict;
  /** work after the verdict (other lessons checked again), in a few words, while it runs */
  background?: string;
  panel?: Panel;
  /** the hint just revealed, above the verdict, with its number */
  hint?: { text: string; number: number };
  notice?: string;
  /** a y/n question waiting for its answer, in place of the keys */
  question?: string;
  list?: ListView;
  /** the terminal's width, for the rule above the footer */
  columns: number;
}

const KEYS = ["n next", "h hint", "l list", "r run", "d diff", "x reset", "c check all", "Enter re-check", "q quit"];

export function watchScreen(view: WatchView): Screen {
  if (view.list) return { body: [{ text: view.list.render(view.progress) }], footer: footer(view) };
  return { body: bodySections(view), footer: footer(view) };
}

/** The body as one text, as the screen shows it when it fits. */
export function body(view: WatchView): string {
  return bodyText(bodySections(view));
}

/**
 * What the body shows: a panel; or the hint just read (first, so that a long failure report
 * cannot push it off the screen), then the verdict, or the failure known so far.
 */
export function bodySections(view: WatchView): Section[] {
  if (view.panel) return [{ text: view.panel.text, fullTextCommand: view.panel.fullTextCommand }];
  const { lesson, verdict, partial } = view;
  const sections: Section[] = [];
  if (view.hint) {
    sections.push({ text: style.cyan(view.hint.text), fullTextCommand: `npm run workbook -- hint ${lesson.number} ${view.hint.number}` });
  }
  const lines: string[] = [];
  if (partial) {
    lines.push(partial.report);
  } else if (!verdict) {
    lines.push(style.dim(`${lessonLabel({ lesson })}: checking your code...`));
  } else {
    lines.push(verdict.report);
    if (verdict.passed) {
      const solutions = lesson.files.map((file) => link(view, solutionPath(lesson, file)));
      lines.push(
        "",
        style.green.bold("Done! ") + `Compare your code with the solution: ${solutions.join(", ")} (or press d).`,
        `Press ${style.bold("n")} for the next lesson.`,
      );
    } else {
      lines.push("", hintProgressLine(view.hints, lesson, view.progress, "press h for the next one"));
    }
  }
  sections.push({ text: lines.join("\n"), fullTextCommand: `npm run workbook -- check ${lesson.number}` });
  return sections;
}

export function statusLine(view: WatchView): string {
  if (view.status === "checking") {
    const newer = view.pendingSave ? " (your new save is checked next)" : "";
    // A failure is known: the verdict is, the other checks only add to it.
    if (view.partial && !view.pendingSave) return style.red("✗ failing") + style.yellow(", checking the rest...");
    return style.yellow(`checking...${newer}`);
  }
  if (view.status === "running") {
    const running = `running ${lessonPath(view.lesson, view.lesson.run)}...`;
    return style.yellow(view.pendingSave ? `${running} (your save is checked when it ends)` : running);
  }
  // A save seen, its check about to start (the watcher waits for the editor to finish writing).
  if (view.pendingSave) return style.yellow("checking...");
  if (!view.verdict) return style.dim("not checked yet");
  const background = view.background ? style.dim(` (${view.background})`) : "";
  return (view.verdict.passed ? style.green("✓ passing") : style.red("✗ not passing yet")) + background;
}

export function footer(view: WatchView): string[] {
  const { lesson } = view;
  const files = lesson.files.map((file) => link(view, lessonPath(lesson, file)));
  const waitingFor = view.manual ? "save, then press Enter to check" : "save to check";
  const inOrder = files.length > 1 ? ", in this order" : "";
  const lines = [
    style.dim("─".repeat(Math.min(view.columns, 80))),
    `${statusLine(view)}   ${lessonLabel({ lesson })}`,
    `Read: ${link(view, readmePath(lesson))}  ${style.dim("(what to do, why, and the hints)")}`,
    `Edit: ${files.join(", ")}  ${style.dim(`(${waitingFor}${inOrder})`)}`,
    progressBar(view.progress.done.length, view.lessons.length),
  ];
  if (view.notice) lines.push(view.notice);
  lines.push(view.question ? style.bold(view.question) : style.dim("keys: ") + KEYS.map((key) => key.replace(/^(\S+)/, (name) => style.bold(name))).join(" · "));
  return lines;
}

function link(view: WatchView, relative: string): string {
  return fileLink(relative, path.join(view.root, relative));
}

// ---- panels, notices and questions: the words of each event's outcome ----------------------

export function runPanel(lesson: Lesson, outcome: RunOutcome): Panel {
  return {
    text: [
      style.bold(`$ npx tsx ${lessonPath(lesson, lesson.run)}`),
      outcome.output.trimEnd(),
      ...(outcome.timedOutAfterMs !== undefined ? ["", style.red(timeoutMessage(lesson, outcome.timedOutAfterMs))] : []),
      "",
      style.dim("Press Enter to see the verdict again."),
    ].join("\n"),
    fullTextCommand: `npm run workbook -- run ${lesson.number}`,
  };
}

export function diffPanel(lesson: Lesson, diff: string): Panel {
  return {
    text: [style.bold("Your files (-) against the solution (+), whitespace ignored:"), "", diff, "", style.dim("Press Enter to see the verdict again.")].join("\n"),
    fullTextCommand: `npm run workbook -- diff ${lesson.number}`,
  };
}

/**
 * After c: every lesson's verdict, a done lesson that fails now marked so, with why; a warning
 * about the progress file that made it necessary comes first.
 */
export function checkAllPanel(checks: Pick<LessonCheck, "lesson" | "passed">[], warning?: string, broken: Map<string, string> = new Map()): Panel {
  return {
    text: [
      ...(warning ? [warning, ""] : []),
      style.bold("Every lesson, checked again:"),
      ...checks.map((check) => {
        const why = broken.get(check.lesson.slug);
        return `  ${check.passed ? style.green("✓") : style.red("✗")} ${lessonLabel(check)}${why ? style.yellow(`: was done, fails now: ${why}`) : ""}`;
      }),
      "",
      "Press Enter to see the current lesson's verdict.",
    ].join("\n"),
  };
}

export const CHECKING_EVERY_LESSON = "Checking every lesson...";

export function hintText(reveal: { text: string; number: number; isLast: boolean }): { text: string; number: number } {
  return { text: reveal.text + (reveal.isLast ? style.dim("\n\n(the last hint; d shows the solution's diff)") : ""), number: reveal.number };
}

/** The progress file was damaged: watch mode checks every lesson again instead of asking the learner to. */
export function damagedProgressNotice(warning: string): string {
  return style.yellow(`Warning: ${warning.replace(/Run .*$/, "Re-checking every lesson now.")}`);
}

export function checkFailedNotice(error: unknown): string {
  return style.red(`The check itself failed: ${error instanceof Error ? error.message : String(error)}. Press Enter to try again.`);
}

export function notPassingYetNotice(lesson: Lesson): string {
  return style.yellow(`n moves on once ${lessonLabel({ lesson })} passes. Save your file to check it again, or press h for a hint.`);
}

export const ALL_DONE_NOTICE = style.green("Every lesson is done. Well traced! Press l to revisit one, q to quit.");

export const NOTHING_CHANGED = "Nothing changed.";

export function resetNotice(root: string, lesson: Lesson, outcome: ResetOutcome): string {
  const lines = describeReset(root, lesson, outcome).map((line) => (line.trimStart().startsWith("(") ? style.dim(line.trim()) : line));
  if (!outcome.backup) lines.push(style.dim(`(all backups: npm run workbook -- reset ${lesson.number} --backups)`));
  return lines.join("\n");
}

/** The lesson the learner is on was done, and a save broke it; or another done lesson's files changed and it fails now. */
export function brokenLessonNotice(broken: string, current: boolean): string {
  return current ? broken : `${broken} Press l to open it.`;
}

export function missingFilesNotice(lesson: Lesson, missing: string[]): string {
  const files = missing.map((file) => lessonPath(lesson, file)).join(", ");
  return style.yellow(`${files} ${missing.length === 1 ? "is" : "are"} missing. Press x to get the starter back (what you changed in the lesson's files is backed up first).`);
}

export const WATCH_SILENT_NOTICE = style.yellow(
  "File watching seems not to work on this file system (the save was only found by polling). " +
    "If checks lag, restart with `npm start -- --manual` and press Enter after each save.",
);

export function diffQuestion(lesson: Lesson): string {
  return `${lessonLabel({ lesson })} is not passing yet, and the diff shows the answer. Show it anyway? (y/n)`;
}

export function resetQuestion(lesson: Lesson): string {
  return `Reset ${lessonLabel({ lesson })} (${lesson.files.join(", ")}) to the starter? What you changed is backed up first. (y/n)`;
}
