// allowed-survivors.json: the mutants the lesson tests cannot kill, each with the reason. An
// entry names the lessons it holds for (by name, "llm-attributes", or slug) and the mutant by its
// id, "<module>: <operator>: <code>", so one list serves lessons of several modules, carried or
// edited. Entries are checked against the solutions: an unknown lesson or a module the lesson
// does not have is refused, and a stale entry is told where its mutant went, if it moved.
import { findLesson, type Lesson } from "../../shared/lessons/catalog.ts";
import type { Mutant } from "./mutants.ts";

export interface AllowedSurvivor {
  /** the lessons the reason holds for, by name ("llm-attributes") or slug */
  lessons: string[];
  /** the mutant's id: "<module>: <operator>: <code>[ #n]" */
  mutant: string;
  why: string;
}

export interface SurvivorVerdict {
  /** survivors with an entry */
  explained: Mutant[];
  /** survivors without one: a mistake a learner would be told "done" for */
  unexplained: Mutant[];
  /** entries whose mutant was killed or no longer exists, each with what to do */
  stale: string[];
}

/** Problems with the list itself, in words: an entry without a reason, an unknown lesson, a module not in the lesson. */
export function checkAllowList(entries: AllowedSurvivor[], catalog: Lesson[], modulesOf: (lesson: Lesson) => string[]): string[] {
  const problems: string[] = [];
  for (const entry of entries) {
    if (!entry.why?.trim()) problems.push(`the entry for "${entry.mutant}" gives no reason`);
    if (!Array.isArray(entry.lessons) || entry.lessons.length === 0) {
      problems.push(`the entry for "${entry.mutant}" names no lessons ("lessons": ["llm-attributes", ...])`);
      continue;
    }
    const module = moduleOf(entry.mutant);
    for (const name of entry.lessons) {
      const lesson = findLesson(catalog, name);
      if (!lesson) problems.push(`the entry for "${entry.mutant}" names the lesson "${name}", which lessons/lessons.json does not have`);
      else if (!modulesOf(lesson).includes(module)) {
        problems.push(`the entry for "${entry.mutant}" names ${module}, which is not a module of ${lesson.slug}'s solution: key it by the module that holds the code now`);
      }
    }
  }
  return problems;
}

/** Sorts one lesson's survivors by the list, and finds the list's entries for it that no longer hold. */
export function judgeSurvivors(lesson: Lesson, mutants: Mutant[], survivors: Mutant[], entries: AllowedSurvivor[]): SurvivorVerdict {
  const forLesson = entries.filter((entry) => entry.lessons.some((name) => findLesson([lesson], name) === lesson));
  const explained = survivors.filter((mutant) => forLesson.some((entry) => entry.mutant === mutant.id));
  const unexplained = survivors.filter((mutant) => !explained.includes(mutant));
  const stale = forLesson
    .filter((entry) => !survivors.some((mutant) => mutant.id === entry.mutant))
    .map((entry) => {
      const moved = survivors.find((mutant) => mutant.id !== entry.mutant && withoutModule(mutant.id) === withoutModule(entry.mutant));
      if (moved) return `allowed-survivors.json lists "${entry.mutant}" for ${lesson.slug}; the same mutant now survives in ${moved.file}: key the entry "${moved.id}"`;
      const killed = mutants.some((mutant) => mutant.id === entry.mutant);
      return `allowed-survivors.json lists "${entry.mutant}" for ${lesson.slug}, which ${killed ? "the tests now kill" : "no longer exists"}: take ${lesson.slug} out of the entry`;
    });
  return { explained, unexplained, stale };
}

function moduleOf(id: string): string {
  return id.split(": ")[0]!;
}

function withoutModule(id: string): string {
  return id.slice(id.indexOf(": ") + 2);
}
