// The list of lessons, read from lessons/lessons.json: the one place that names them,
// their order and the files a learner edits. The CLI, the harness and verify all read it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface Lesson {
  /** 1, 2, ... */
  number: number;
  /** folder name under lessons/ and solutions/, e.g. "03-llm-attributes" */
  slug: string;
  title: string;
  /** the files the learner edits (the ones with TODOs), relative to the lesson folder */
  files: string[];
  /** the file `npx tsx` runs to see the lesson work */
  run: string;
  /** the lesson's vitest file */
  test: string;
}

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function loadCatalog(root = projectRoot): Lesson[] {
  const file = path.join(root, "lessons", "lessons.json");
  const lessons = JSON.parse(readFileSync(file, "utf8")) as { lessons: Lesson[] };
  return lessons.lessons;
}

/** Finds a lesson by number ("3", "03") or slug ("03-llm-attributes", "llm-attributes"). */
export function findLesson(lessons: Lesson[], query: string): Lesson | undefined {
  const wanted = query.trim().toLowerCase();
  if (/^\d+$/.test(wanted)) return lessons.find((lesson) => lesson.number === Number(wanted));
  return lessons.find((lesson) => lesson.slug === wanted || lesson.slug.replace(/^\d+-/, "") === wanted);
}

export function lessonDir(lesson: Lesson, source: "lessons" | "solutions", root = projectRoot): string {
  return path.join(root, source, lesson.slug);
}
