// Where a lesson's files are, as paths relative to the workbook root (the form shown to the
// learner): the README to read first, the files to edit, and the solution's copies of them.
import { existsSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { WorkbookProblem } from "./problems.ts";

export function readmePath(lesson: Lesson): string {
  return path.join("lessons", lesson.slug, "README.md");
}

export function lessonPath(lesson: Lesson, file: string): string {
  return path.join("lessons", lesson.slug, file);
}

export function solutionPath(lesson: Lesson, file: string): string {
  return path.join("solutions", lesson.slug, file);
}

/** The solution's files exist, or a problem naming the missing ones and how to get them back. */
export function requireSolutionFiles(root: string, lesson: Lesson): void {
  const missing = lesson.files.map((file) => solutionPath(lesson, file)).filter((file) => !existsSync(path.join(root, file)));
  if (missing.length === 0) return;
  throw new WorkbookProblem(
    `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} missing: this copy of the workbook is incomplete. ` +
      `Fix: git checkout -- ${missing.join(" ")}`,
  );
}
