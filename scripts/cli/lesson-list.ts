// The lessons as a list with their status: what `list` prints and what watch mode's list shows.
import type { Lesson } from "../../shared/lessons/catalog.ts";
import type { WorkbookState } from "./state.ts";
import { style } from "./terminal-style.ts";

export function lessonLine(lesson: Lesson, state: WorkbookState, current?: Lesson): string {
  const done = state.done.includes(lesson.slug);
  const marker = current?.slug === lesson.slug ? ">" : " ";
  const status = done ? style.green("done   ") : style.yellow("pending");
  return `${marker} ${String(lesson.number).padStart(2)}  ${status}  ${lesson.slug.padEnd(20)} ${lesson.title}`;
}

export function matchesFilter(lesson: Lesson, filter: string): boolean {
  const wanted = filter.trim().toLowerCase();
  return wanted === "" || `${lesson.number} ${lesson.slug} ${lesson.title}`.toLowerCase().includes(wanted);
}

/** For an unknown lesson: the valid ones, so the learner can pick. */
export function validLessons(lessons: Lesson[]): string {
  return lessons.map((lesson) => `  ${String(lesson.number).padStart(2)}  ${lesson.slug}  (${lesson.title})`).join("\n");
}
