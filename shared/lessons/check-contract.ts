// The contract between whoever runs the lesson tests (the workbook CLI, `npm test`, verify,
// the mutation check) and the lesson tests' harness. Both sides import these names; nothing
// else ties them together, so a rename here is a rename everywhere.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadCatalog, projectRoot, type Lesson } from "./catalog.ts";

/** Set to `SUITE_LESSONS` by the runner: vitest.config.ts then includes lessons' tests only. */
export const SUITE_VARIABLE = "WORKBOOK_SUITE";
export const SUITE_LESSONS = "lessons";

/**
 * Which copy of each lesson's files the tests load: the learner's (`lessons`), `solutions`, or
 * the absolute path of a folder laid out like them (the mutation check's altered copies).
 */
export const SOURCE_VARIABLE = "WORKBOOK_SOURCE";
export type LessonSource = "lessons" | "solutions" | (string & {});

/** The folder that holds the lesson folders the tests load. */
export function lessonSourceDir(root = projectRoot, env: NodeJS.ProcessEnv = process.env): string {
  const source = env[SOURCE_VARIABLE];
  if (source === "solutions") return path.join(root, "solutions");
  if (source && path.isAbsolute(source)) return source;
  return path.join(root, "lessons");
}

/** The environment a lesson-test run needs (the worker processes inherit it). */
export function lessonSuiteEnv(source: LessonSource): Record<string, string> {
  return { [SUITE_VARIABLE]: SUITE_LESSONS, [SOURCE_VARIABLE]: source };
}

/** A folder where each lesson test file writes the keys its checks asserted (verify's README check). */
export const CHECKED_KEYS_VARIABLE = "WORKBOOK_CHECKED_KEYS_DIR";

/** The error name of a failed lesson check: its message is written for the learner and shown as it is. */
export const LESSON_FAILURE = "LessonFailure";

/**
 * The error name of a lesson file the tests need but cannot find (the learner deleted it): the
 * runner says how to get it back, since only it knows its own commands.
 */
export const LESSON_FILE_MISSING = "LessonFileMissing";

/**
 * A lesson's own tests sit in a describe block titled `lesson N: ...`; tests of what earlier
 * lessons taught sit in other blocks (the harness's cumulative checks). Verify requires every
 * own test to fail on the starter; the cumulative ones may pass there.
 */
export function lessonGroupTitle(lesson: Pick<Lesson, "number">, subject: string): string {
  return `lesson ${lesson.number}: ${subject}`;
}

export function isOwnLessonGroup(lesson: Pick<Lesson, "number">, groupTitle: string | undefined): boolean {
  return groupTitle?.startsWith(`lesson ${lesson.number}:`) ?? false;
}

/** The lesson a test file belongs to, from lessons/lessons.json (the one list of lessons). */
export function lessonOfTestFile(testFileUrl: string, root = projectRoot): Lesson {
  const slug = path.basename(path.dirname(fileURLToPath(testFileUrl)));
  const lesson = loadCatalog(root).find((each) => each.slug === slug);
  if (!lesson) throw new Error(`${slug} is not listed in lessons/lessons.json: add it there (number, slug, title, files, run, test).`);
  return lesson;
}

/** Where a failure points the learner: a hint of a lesson's README (the CLI adds how to open it). */
export function hintReference(lesson: Pick<Lesson, "number" | "slug">, hint?: number): string {
  const readme = `lessons/${lesson.slug}/README.md`;
  return hint === undefined ? readme : `hint ${hint} of lesson ${lesson.number}, in ${readme}`;
}
