// The learner's progress, kept in .workbook/state.json (git-ignored, so `git pull` never
// touches it). Lessons are remembered by slug, so a renumbered or added lesson keeps the rest.
// "Done" is only ever written after a check passed; the file is a cache of verdicts, and
// `npm run workbook -- check` re-confirms it from the learner's code.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../../shared/lessons/catalog.ts";
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
}

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
  const known = new Set(lessons.map((lesson) => lesson.slug));
  const done = Array.isArray(parsed.done) ? parsed.done.filter((slug): slug is string => typeof slug === "string" && known.has(slug)) : [];
  const hintsShown: Record<string, number> = {};
  if (isRecord(parsed.hintsShown)) {
    for (const [slug, count] of Object.entries(parsed.hintsShown)) {
      if (known.has(slug) && typeof count === "number" && Number.isInteger(count) && count >= 0) hintsShown[slug] = count;
    }
  }
  const current = typeof parsed.current === "string" && known.has(parsed.current) ? parsed.current : (lessons[0]?.slug ?? "");
  return { state: { version: STATE_VERSION, current, done: lessons.map((l) => l.slug).filter((slug) => done.includes(slug)), hintsShown } };
}

export function saveState(root: string, state: WorkbookState): void {
  const file = stateFile(root);
  // Write then rename: a crash mid-write leaves the old file, never half a file.
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(temporary, file);
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new WorkbookProblem(
      `Cannot save your progress to ${path.relative(root, file)}: ${cause}. Fix: make the .workbook folder writable (and free some disk space if it is full).`,
    );
  }
}

/** Records a check's verdict, keeping the lessons in catalog order. */
export function recordVerdict(state: WorkbookState, lessons: Lesson[], slug: string, passed: boolean): WorkbookState {
  const done = new Set(state.done);
  if (passed) done.add(slug);
  else done.delete(slug);
  return { ...state, done: lessons.map((lesson) => lesson.slug).filter((each) => done.has(each)) };
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
