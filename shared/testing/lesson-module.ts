// Lesson tests import the learner's file through here, so the same test can check the
// learner's copy (lessons/), the finished one (solutions/), or a mutant of it: see
// SOURCE_VARIABLE in shared/lessons/check-contract.ts.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import { LESSON_FILE_MISSING, lessonSourceDir } from "../lessons/check-contract.ts";

/** The path of a lesson file, in the chosen source, from the test file's own URL. */
export function lessonFilePath(testFileUrl: string, file: string): string {
  const lessonDir = path.dirname(fileURLToPath(testFileUrl));
  const root = path.dirname(path.dirname(lessonDir));
  return path.join(lessonSourceDir(root), path.basename(lessonDir), file);
}

/** A lesson file the test needs is not there (the runner tells the learner how to get it back). */
export class LessonFileMissing extends Error {
  override name = LESSON_FILE_MISSING;
}

/** Imports the learner's (or the solution's) module for this lesson. */
export async function loadLesson<Module>(testFileUrl: string, file: string): Promise<Module> {
  const target = lessonFilePath(testFileUrl, file);
  if (!existsSync(target)) throw new LessonFileMissing(`${path.relative(process.cwd(), target)} is missing.`);
  return (await import(pathToFileURL(target).href)) as Module;
}
