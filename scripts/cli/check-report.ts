// A lesson check told to the learner: which checks pass, then the first failure explained.
// The harness's LessonFailure text is already written for them and is shown as it is; any
// other error (a syntax error, a TypeError in their code, a timeout) is turned into the place
// in *their* file where it happened, with a code frame, never a stack dump.
import path from "node:path";
import type { TestError } from "vitest";
import type { LessonCheck } from "../lib/warm-lesson-runner.ts";
import { lessonDir, sourceFolder } from "../../shared/lessons/catalog.ts";
import { LESSON_FAILURE, LESSON_FILE_MISSING } from "../../shared/lessons/check-contract.ts";
import { codeFrame } from "./code-frame.ts";
import { lessonFingerprint, lessonPath } from "./lesson-files.ts";
import { getBackAdvice, missingFiles } from "./reset.ts";
import { changedSincePassed, type WorkbookState } from "./state.ts";
import { style } from "./terminal-style.ts";

export function lessonLabel(check: Pick<LessonCheck, "lesson">): string {
  return `Lesson ${check.lesson.number}: ${check.lesson.title}`;
}

/**
 * The check told to the learner. `running`: the check is not over, and what came so far has a
 * failure in it; it is shown now, and the whole verdict replaces it when the rest has run.
 */
export function formatCheck(check: LessonCheck, root: string, { running = false } = {}): string {
  if (check.timedOutAfterMs !== undefined && check.tests.some((test) => !test.passed)) {
    // A check stopped after a test had failed: that failure is what to fix first (what hung may be
    // a later check waiting on the same mistake).
    return [
      formatCheck({ ...check, timedOutAfterMs: undefined }, root),
      "",
      style.dim(`  (The rest of the check was stopped after ${Math.round(check.timedOutAfterMs / 1000)} s; on a busy machine WORKBOOK_CHECK_TIMEOUT_MS=${Math.max(60_000, 3 * check.timedOutAfterMs)} gives it more time.)`),
    ].join("\n");
  }
  if (check.timedOutAfterMs !== undefined) {
    return [
      style.red(`✗ ${lessonLabel(check)}: the check was stopped after ${Math.round(check.timedOutAfterMs / 1000)} s.`),
      "",
      "  Your code never finished: look for a loop that never ends, an `await` on a promise that",
      "  never settles, or a span callback that never returns. Fix it and save to check again.",
      `  (A correct check that runs processes of its own can take longer on a busy machine:`,
      `  WORKBOOK_CHECK_TIMEOUT_MS=${Math.max(60_000, 3 * check.timedOutAfterMs)} gives it more time.)`,
    ].join("\n");
  }
  const lines: string[] = [];
  if (check.passed) {
    lines.push(style.green(`✓ ${lessonLabel(check)}: all ${check.tests.length} checks pass.`));
    return lines.join("\n");
  }
  const missing = missingFiles(root, check.lesson);
  if (missing.length > 0) {
    return [
      style.red(`✗ ${lessonLabel(check)} cannot be checked: ${missing.map((file) => lessonPath(check.lesson, file)).join(", ")} ${missing.length === 1 ? "is" : "are"} missing.`),
      "",
      ...getBackAdvice(root, check.lesson).map((advice) => `  ${advice}`),
    ].join("\n");
  }
  const passing = check.tests.filter((test) => test.passed).length;
  lines.push(
    style.red(
      running
        ? `✗ ${lessonLabel(check)}: a check fails (${passing} of ${check.tests.length} pass so far; the rest are still running).`
        : check.tests.length === 0
          ? `✗ ${lessonLabel(check)}: the checks could not run, because loading your code failed.`
          : `✗ ${lessonLabel(check)}: ${passing} of ${check.tests.length} checks pass.`,
    ),
  );
  for (const test of check.tests) {
    lines.push(`  ${test.passed ? style.green("✓") : style.red("✗")} ${test.title}`);
  }
  const fileError = check.fileErrors[0];
  const firstFailure = check.tests.find((test) => !test.passed && test.errors.length > 0);
  if (fileError) {
    lines.push("", explainError(fileError, check, root));
  } else if (firstFailure) {
    lines.push("", style.bold(`First failing check: ${firstFailure.title}`), explainError(firstFailure.errors[0]!, check, root));
  }
  return lines.join("\n");
}

/**
 * A lesson that was done (its check passed before) and fails now: which one and why, in one
 * line, so that the progress that drops is explained. Undefined for any other verdict.
 */
export function brokenDoneLesson(check: LessonCheck, before: WorkbookState, root: string): string | undefined {
  if (check.passed || check.cancelled || !before.done.includes(check.lesson.slug)) return undefined;
  const changed = changedSincePassed(before, check.lesson.slug, lessonFingerprint(root, check.lesson)) ?? [];
  const since = changed.length > 0 ? ` since ${changed.map((file) => lessonPath(check.lesson, file)).join(", ")} changed` : "";
  return style.yellow(`${lessonLabel(check)} was done, and fails now${since}: ${failureSummary(check)}. It counts as done again once it passes.`);
}

/** What fails, in a few words: the first failing check, or why none could run. */
export function failureSummary(check: LessonCheck): string {
  if (check.timedOutAfterMs !== undefined) return `its check was stopped after ${Math.round(check.timedOutAfterMs / 1000)} s`;
  const firstFailure = check.tests.find((test) => !test.passed);
  if (check.fileErrors.length > 0 || !firstFailure) return "its code does not load";
  return `"${firstFailure.title}"`;
}

function explainError(error: TestError, check: LessonCheck, root: string): string {
  if (error.name === LESSON_FAILURE) return error.message;
  // Deleted after the check began (formatCheck looks first): said the same way.
  if (error.name === LESSON_FILE_MISSING) return [style.red(error.message), "", ...getBackAdvice(root, check.lesson).map((advice) => `  ${advice}`)].join("\n");
  const syntax = syntaxErrorAt(error);
  if (syntax) {
    return [
      style.red(`Syntax error in ${path.relative(root, syntax.file)}:${syntax.line}:${syntax.column}: ${syntax.reason}`),
      codeFrame(syntax.file, syntax.line, syntax.column),
      "",
      "  The file cannot be loaded until this is fixed (often a missing bracket or comma just before).",
    ].join("\n");
  }
  const lines = [style.red(`${error.name ?? "Error"}: ${firstLine(error.message)}`)];
  const place = whereInLearnerCode(error, check, root);
  if (place) {
    lines.push(`  at ${path.relative(root, place.file)}:${place.line}:${place.column}`, codeFrame(place.file, place.line, place.column));
  }
  if (error.message.includes("\n")) lines.push("", error.message.split("\n").slice(1).join("\n"));
  if (error.name === "SyntaxError" && /export named/.test(error.message)) {
    lines.push("", "  A name the test imports is not exported: keep the `export` on the functions the lesson starts with.");
  }
  return lines.join("\n");
}

interface Place {
  file: string;
  line: number;
  column: number;
}

/** vite reports a parse error as a transform failure, with the place in its message. */
function syntaxErrorAt(error: TestError): (Place & { reason: string }) | undefined {
  if (!/Transform failed/.test(error.message)) return undefined;
  // eslint-disable-next-line no-control-regex
  const plain = error.message.replace(/\u001b\[[0-9;]*m/g, "");
  const rollup = error.__vitest_rollup_error__ as { id?: string } | undefined;
  const at = /([^\s[\]]+\.[cm]?[tj]sx?):(\d+):(\d+)/.exec(plain);
  const reason = /\[[A-Z_]+\]\s*(.+)/.exec(plain)?.[1]?.trim() ?? "the code cannot be parsed";
  const file = rollup?.id ?? (at ? path.resolve(at[1]!) : undefined);
  if (!file || !at) return undefined;
  return { file, line: Number(at[2]), column: Number(at[3]), reason };
}

/** The deepest frame in the lesson's own files (not the test, not the harness). */
function whereInLearnerCode(error: TestError, check: LessonCheck, root: string): Place | undefined {
  const lessonFolder = lessonDir(check.lesson, "lessons", root);
  const frames = error.stacks ?? [];
  const inLesson = frames.find((frame) => frame.file.startsWith(lessonFolder) && !frame.file.endsWith(".test.ts"));
  return inLesson ?? frames.find((frame) => frame.file.startsWith(sourceFolder("lessons", root)));
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? "";
}
