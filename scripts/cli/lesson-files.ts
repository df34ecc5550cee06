// Where a lesson's files are, as paths relative to the workbook root (the form shown to the
// learner): the README to read first, the files to edit, and the solution's copies of them.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { WorkbookProblem } from "./problems.ts";

export function readmePath(lesson: Lesson): string {
  return path.join("lessons", lesson.slug, "README.md");
}

export function lessonPath(lesson: Lesson, file: string): string {
  return path.join("lessons", lesson.slug, file);
}

/** A file that code is loaded from: what a lesson's tests may import, directly or not. */
export function isSourceFile(name: string): boolean {
  return /\.(?:[cm]?[jt]sx?|json)$/.test(name);
}

/**
 * Every source file in the lesson's folder, as names in it, the lesson's own files always
 * among them (a deleted one too). Not only the files with TODOs: lessons 2-6 import their
 * folder's tracing.ts, and a save there changes the verdict as much as one in chatbot.ts.
 */
export function lessonSourceFiles(root: string, lesson: Lesson): string[] {
  let present: string[] = [];
  try {
    present = readdirSync(path.join(root, "lessons", lesson.slug), { withFileTypes: true })
      .filter((entry) => entry.isFile() && isSourceFile(entry.name))
      .map((entry) => entry.name);
  } catch {
    // The folder itself is gone: the lesson's own files are still watched for, as missing.
  }
  return [...new Set([...lesson.files, ...present])].sort();
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
