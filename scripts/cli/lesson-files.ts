// Where a lesson's files are, as paths relative to the workbook root (the form shown to the
// learner): the README to read first, the files to edit, the lesson's other modules, and the
// solution's copies of them.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { lessonDir, lessonFile, lessonPath as catalogPath, type Lesson } from "../../shared/lessons/catalog.ts";
import type { FileHashes } from "./state.ts";
import { WorkbookProblem } from "./problems.ts";

export function readmePath(lesson: Lesson): string {
  return catalogPath(lesson, "lessons", "README.md");
}

export function lessonPath(lesson: Lesson, file: string): string {
  return catalogPath(lesson, "lessons", file);
}

export function solutionPath(lesson: Lesson, file: string): string {
  return catalogPath(lesson, "solutions", file);
}

/** A file that code is loaded from: what a lesson's tests may import, directly or not. */
export function isSourceFile(name: string): boolean {
  return /\.(?:[cm]?[jt]sx?|json)$/.test(name);
}

function isTestFile(name: string): boolean {
  return /\.test\.[cm]?[jt]sx?$/.test(name);
}

function sourceFilesIn(folder: string): string[] {
  try {
    return readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isFile() && isSourceFile(entry.name))
      .map((entry) => entry.name);
  } catch {
    return []; // the folder itself is gone
  }
}

/**
 * Every source file in the lesson's folder, as names in it, the lesson's own files always
 * among them (a deleted one too). Not only the files with TODOs: a save in a module the lesson
 * carries unchanged (tracing.ts, say) changes the verdict as much as one in a file it edits.
 */
export function lessonSourceFiles(root: string, lesson: Lesson): string[] {
  return [...new Set([...lesson.files, ...sourceFilesIn(lessonDir(lesson, "lessons", root))])].sort();
}

/**
 * The lesson's modules (its code, not its tests): the files it edits first, in reading order,
 * then the ones it carries, by name. The solution's folder has the same set, so a module the
 * learner deleted is still listed.
 */
export function lessonModules(root: string, lesson: Lesson): string[] {
  const present = [...sourceFilesIn(lessonDir(lesson, "lessons", root)), ...sourceFilesIn(lessonDir(lesson, "solutions", root))];
  const carried = [...new Set(present)].filter((file) => !isTestFile(file) && !lesson.files.includes(file) && file.endsWith(".ts")).sort();
  return [...lesson.files, ...carried];
}

/** The lesson's modules missing from its folder (deleted by the learner), files it edits first. */
export function missingModules(root: string, lesson: Lesson): string[] {
  return lessonModules(root, lesson).filter((file) => !existsSync(lessonFile(lesson, "lessons", file, root)));
}

/**
 * A hash of each source file of the lesson's folder (its modules and its test): what its
 * verdict depends on, besides shared/. Progress keeps it for a done lesson, so that a lesson
 * whose files changed since it passed is checked again, and only such a lesson.
 */
export function lessonFingerprint(root: string, lesson: Lesson): FileHashes {
  const files = [...new Set([...lessonSourceFiles(root, lesson), lesson.test])].sort();
  return Object.fromEntries(
    files.map((file) => {
      try {
        return [file, createHash("sha1").update(readFileSync(lessonFile(lesson, "lessons", file, root))).digest("hex").slice(0, 16)];
      } catch {
        return [file, "missing"];
      }
    }),
  );
}

/** The solution's files exist, or a problem naming the missing ones and how to get them back. */
export function requireSolutionFiles(root: string, lesson: Lesson, files = lesson.files): void {
  const missing = files.map((file) => solutionPath(lesson, file)).filter((file) => !existsSync(path.join(root, file)));
  if (missing.length === 0) return;
  throw new WorkbookProblem(
    `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} missing: this copy of the workbook is incomplete. ` +
      `Fix: git checkout -- ${missing.join(" ")}`,
  );
}
