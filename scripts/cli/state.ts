// The learner's progress, kept in .workbook/state.json (git-ignored, so `git pull` never
// touches it). Lessons are remembered by slug, so a renumbered or added lesson keeps the rest.
// "Done" is only ever written after a check passed; the file is a cache of verdicts, and
// `npm run workbook -- check` re-confirms it from the learner's code.
// Watch mode and the plain commands may run at the same time, so nobody keeps the state and
// writes it back later: every change is a read, the change, and a write, under one lock
// (updateState), and whoever shows the state reads the file again first.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { withFileLock } from "./file-lock.ts";
import { WorkbookProblem } from "./problems.ts";

export const STATE_VERSION = 1;

export interface WorkbookState {
  version: typeof STATE_VERSION;
  /** slug of the lesson watch mode opens on (when it is not done yet) */
  current: string;
  /** slugs of the lessons whose check passed when last run */
  done: string[];
  /** how many hints the learner has revealed, per slug */
  hintsShown: Record<string, number>;
  /**
   * For each done lesson, its files as they were when its check passed (a hash of each, by
   * name): a done lesson whose files changed since is checked again (lessonFingerprint).
   */
  passedWith?: Record<string, FileHashes>;
}

/** A hash of each of a lesson's source files, by file name ("missing" for a deleted one). */
export type FileHashes = Record<string, string>;

export interface LoadedState {
  state: WorkbookState;
  /** set when the file was unreadable or from an older workbook and was started afresh */
  warning?: string;
}

export function stateFile(root: string): string {
  return path.join(root, ".workbook", "state.json");
}

export function freshState(lessons: Lesson[]): WorkbookState {
  return { version: STATE_VERSION, current: lessons[0]?.slug ?? "", done: [], hintsShown: {} };
}

export function loadState(root: string, lessons: Lesson[]): LoadedState {
  const file = stateFile(root);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return { state: freshState(lessons) };
  }
  const relative = path.relative(root, file);
  const rebuilt = (cause: string): LoadedState => ({
    state: freshState(lessons),
    warning:
      `${relative} ${cause}, so progress starts afresh. ` +
      `Run \`npm run workbook -- check\` (or press c in watch mode) to re-confirm the lessons you finished.`,
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return rebuilt("is not valid JSON");
  }
  if (!isRecord(parsed)) return rebuilt("is not a JSON object");
  if (parsed.version !== STATE_VERSION) return rebuilt(`is from another workbook version (${String(parsed.version)})`);
  const wrongShape = shapeProblem(parsed);
  if (wrongShape) return rebuilt(wrongShape);
  const { current, done, hintsShown, passedWith } = parsed as unknown as WorkbookState;
  // Lessons the workbook no longer has (renamed or removed by `git pull`) are dropped quietly.
  const known = new Set(lessons.map((lesson) => lesson.slug));
  const counts = Object.fromEntries(Object.entries(hintsShown).filter(([slug]) => known.has(slug)));
  return {
    state: {
      version: STATE_VERSION,
      current: known.has(current) ? current : (lessons[0]?.slug ?? ""),
      done: lessons.map((lesson) => lesson.slug).filter((slug) => done.includes(slug)),
      hintsShown: counts,
      // Only a cache of what a done lesson passed with: kept where it is readable, else dropped quietly.
      passedWith: Object.fromEntries(Object.entries(isRecord(passedWith) ? passedWith : {}).filter(([slug, hashes]) => done.includes(slug) && known.has(slug) && isFileHashes(hashes))),
    },
  };
}

/** What is wrong with a parsed file's fields, as the warning says it; undefined when nothing. */
function shapeProblem(parsed: Record<string, unknown>): string | undefined {
  const { current, done, hintsShown } = parsed;
  if (typeof current !== "string") return `has a "current" that is not a lesson slug (${describe(current)})`;
  if (!Array.isArray(done) || !done.every((slug) => typeof slug === "string")) {
    return `has a "done" that is not a list of lesson slugs (${describe(done)})`;
  }
  if (!isRecord(hintsShown) || !Object.values(hintsShown).every((count) => Number.isInteger(count) && (count as number) >= 0)) {
    return `has a "hintsShown" that is not a count of hints read per lesson (${describe(hintsShown)})`;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value === undefined) return "it is missing";
  return `found ${JSON.stringify(value)}`.slice(0, 60);
}

/**
 * Reads the file, applies the change, writes the result, all under one lock: two processes
 * updating at once (a hint read in one terminal, a check passing in watch mode) keep both.
 * The change gets the state as it is on disk now, and returns the new one.
 */
export function updateState(root: string, lessons: Lesson[], change: (state: WorkbookState) => WorkbookState): LoadedState {
  const file = stateFile(root);
  const cannotSave = (error: unknown) => {
    const cause = error instanceof Error ? error.message : String(error);
    return new WorkbookProblem(
      `Cannot save your progress to ${path.relative(root, file)}: ${cause}. Fix: make the .workbook folder writable (and free some disk space if it is full).`,
    );
  };
  try {
    mkdirSync(path.dirname(file), { recursive: true });
  } catch (error) {
    throw cannotSave(error);
  }
  let locked = false;
  try {
    return withFileLock(`${file}.lock`, () => {
      locked = true;
      const loaded = loadState(root, lessons);
      const state = change(loaded.state);
      writeState(file, state, cannotSave);
      return { state, warning: loaded.warning };
    });
  } catch (error) {
    // Only the lock's own failure is a saving problem here; the change's errors go up as they are.
    throw locked ? error : cannotSave(error);
  }
}

function writeState(file: string, state: WorkbookState, cannotSave: (error: unknown) => Error): void {
  // Write then rename: a crash mid-write leaves the old file, never half a file.
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(temporary, file);
  } catch (error) {
    throw cannotSave(error);
  }
}

/**
 * Records a check's verdict, keeping the lessons in catalog order; a pass with the files it
 * passed with (lessonFingerprint), so that a later change to them is noticed.
 */
export function recordVerdict(state: WorkbookState, lessons: Lesson[], slug: string, passed: boolean, files?: FileHashes): WorkbookState {
  const done = new Set(state.done);
  const passedWith = { ...state.passedWith };
  delete passedWith[slug];
  if (passed) {
    done.add(slug);
    if (files) passedWith[slug] = files;
  } else {
    done.delete(slug);
  }
  return { ...state, done: lessons.map((lesson) => lesson.slug).filter((each) => done.has(each)), passedWith };
}

/** The files of a done lesson that changed since its check passed; undefined when that is not known. */
export function changedSincePassed(state: WorkbookState, slug: string, now: FileHashes): string[] | undefined {
  const then = state.passedWith?.[slug];
  if (!then) return undefined;
  return [...new Set([...Object.keys(then), ...Object.keys(now)])].filter((file) => then[file] !== now[file]).sort();
}

/** The lesson to open: the remembered one while it is unfinished, else the first unfinished one. */
export function openingLesson(state: WorkbookState, lessons: Lesson[]): Lesson {
  const remembered = lessons.find((lesson) => lesson.slug === state.current);
  if (remembered && !state.done.includes(remembered.slug)) return remembered;
  return lessons.find((lesson) => !state.done.includes(lesson.slug)) ?? remembered ?? lessons[0]!;
}

/** The next unfinished lesson after `from`, wrapping round; undefined when all are done. */
export function nextUnfinished(state: WorkbookState, lessons: Lesson[], from: Lesson): Lesson | undefined {
  const start = lessons.findIndex((lesson) => lesson.slug === from.slug);
  for (let step = 1; step <= lessons.length; step++) {
    const candidate = lessons[(start + step) % lessons.length]!;
    if (!state.done.includes(candidate.slug)) return candidate;
  }
  return undefined;
}

function isFileHashes(value: unknown): value is FileHashes {
  return isRecord(value) && Object.values(value).every((hash) => typeof hash === "string");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
