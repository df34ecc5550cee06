// Lesson tests import the learner's file through here, so the same test can check the
// learner's copy (lessons/) or the finished one (solutions/): WORKBOOK_SOURCE=solutions.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

export type LessonSource = "lessons" | "solutions";

export function lessonSource(): LessonSource {
  return process.env.WORKBOOK_SOURCE === "solutions" ? "solutions" : "lessons";
}

/** The path of a lesson file, in lessons/ or solutions/, from the test file's own URL. */
export function lessonFilePath(testFileUrl: string, file: string): string {
  const lessonDir = path.dirname(fileURLToPath(testFileUrl));
  const lessonsRoot = path.dirname(lessonDir);
  const target = path.join(path.dirname(lessonsRoot), lessonSource(), path.basename(lessonDir), file);
  return target;
}

/** Imports the learner's (or the solution's) module for this lesson. */
export async function loadLesson<Module>(testFileUrl: string, file: string): Promise<Module> {
  const target = lessonFilePath(testFileUrl, file);
  if (!existsSync(target)) {
    const lessonNumber = Number(path.basename(path.dirname(target)).slice(0, 2));
    throw new Error(`${path.relative(process.cwd(), target)} is missing. Restore the starter with: npm run workbook -- reset ${lessonNumber}`);
  }
  return (await import(pathToFileURL(target).href)) as Module;
}
