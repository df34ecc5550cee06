// The contract between whoever runs the lesson tests (the workbook CLI, `npm test`, verify,
// the mutation check) and the lesson tests' harness. Both sides import these names; nothing
// else ties them together, so a rename here is a rename everywhere.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { lessonNamed, lessonPath, loadCatalog, projectRoot, sourceFolder, type Lesson, type LessonSource } from "./catalog.ts";

export type { LessonSource };

/** Set to `SUITE_LESSONS` by the runner: vitest.config.ts then includes lessons' tests only. */
export const SUITE_VARIABLE = "WORKBOOK_SUITE";
export const SUITE_LESSONS = "lessons";

/**
 * Which copy of each lesson's files the tests load: the learner's (`lessons`), `solutions`, or
 * the absolute path of a folder laid out like them (the mutation check's altered copies).
 */
export const SOURCE_VARIABLE = "WORKBOOK_SOURCE";

/** The folder that holds the lesson folders the tests load. */
export function lessonSourceDir(root = projectRoot, env: NodeJS.ProcessEnv = process.env): string {
  const source = env[SOURCE_VARIABLE];
  if (source === "solutions" || (source && path.isAbsolute(source))) return sourceFolder(source, root);
  return sourceFolder("lessons", root);
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

/** The titles of a lesson test file's describe blocks, from lessons/lessons.json. */
export interface LessonGroupTitles {
  /** a block of the lesson's own tests: "lesson 8: <subject>" */
  own(subject: string): string;
  /** the block of checks of what the earlier lessons taught: "still true from lessons 1 to 7" */
  stillTrue(): string;
  /**
   * A test in that block, of what earlier lessons taught, by name: taught("llm-attributes", ...) is
   * "lesson 3: ...", taught(["first-span", "tools"], ...) "lessons 2 to 5: ..." (a pair is a run of
   * lessons), taught([["first-span", "tools"], "streaming"], ...) "lessons 2 to 5 and 8: ...",
   * taught([["errors"], ["sessions"]], ...) "lessons 6 and 7: ...".
   */
  taught(lessons: TaughtIn, subject: string): string;
}

/** Earlier lessons by name: one, a run [first, last], or a list of single lessons ([name]) and runs. */
export type TaughtIn = string | [first: string, last: string] | Array<string | [name: string] | [first: string, last: string]>;

function isRun(names: Exclude<TaughtIn, string>): names is [string, string] {
  return names.length === 2 && names.every((each) => typeof each === "string");
}

/**
 * What a lesson test file titles its blocks with, so that no test file writes a lesson number:
 *   const titles = lessonGroupTitles(harness.lesson);
 *   describe(titles.own("one chat turn is one CHAIN span"), () => { ... });
 *   describe(titles.stillTrue(), () => {
 *     it(titles.taught("tracer-setup", "tracing.ts sets up the provider ..."), ...);
 *   });
 */
export function lessonGroupTitles(lesson: Pick<Lesson, "number" | "slug">, lessons = loadCatalog()): LessonGroupTitles {
  return {
    own: (subject) => lessonGroupTitle(lesson, subject),
    stillTrue() {
      const earlier = lessons.filter((each) => each.number < lesson.number).map((each) => each.number);
      if (earlier.length === 0) throw new Error(`${lesson.slug} is the first lesson: there is nothing earlier to still be true.`);
      const [first, last] = [earlier[0]!, earlier.at(-1)!];
      if (earlier.length === 1) return `still true from lesson ${first}`;
      return earlier.length === 2 ? `still true from lessons ${first} and ${last}` : `still true from lessons ${first} to ${last}`;
    },
    taught(names: TaughtIn, subject: string) {
      if (typeof names === "string") return `lesson ${lessonNamed(names, lessons).number}: ${subject}`;
      const number = (name: string) => lessonNamed(name, lessons).number;
      const runs: Array<[number, number]> = isRun(names)
        ? [[number(names[0]), number(names[1])]]
        : names.map((each) => (typeof each === "string" ? [number(each), number(each)] : each.length === 1 ? [number(each[0]), number(each[0])] : [number(each[0]), number(each[1]!)]));
      const parts = runs.map(([first, last]) => (first === last ? `${first}` : `${first} to ${last}`));
      return `lessons ${parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`}: ${subject}`;
    },
  };
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
  const readme = lessonPath(lesson, "lessons", "README.md");
  return hint === undefined ? readme : `hint ${hint} of lesson ${lesson.number}, in ${readme}`;
}
