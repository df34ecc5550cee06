// The list of lessons, read from lessons/lessons.json: the one place that names them,
// their order and the files a learner edits. The CLI, the harness and verify all read it,
// and find a lesson's folder and files through the helpers below, so that adding or
// renumbering a lesson touches lessons.json and the lesson's folder, nothing else.
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
  /** the file `npx tsx` runs to see the lesson work (the entry, the same file in every lesson) */
  run: string;
  /** how the entry runs the lesson: one turn, a conversation (streamed from lesson 8), a client asking a server, or that with the server's judges and a vote */
  runs: "turn" | "conversation" | "streamed conversation" | "client and server" | "judged client and server";
  /** what the entry asks when the command line gives no question: one question, or a conversation's turns */
  ask: string[];
  /** the lesson's vitest file */
  test: string;
}

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Which copy of the lesson folders: the learner's (`lessons`), the finished ones (`solutions`),
 * or the absolute path of a folder laid out like them (the mutation check's altered copies).
 */
export type LessonSource = "lessons" | "solutions" | (string & {});

export function loadCatalog(root = projectRoot): Lesson[] {
  const file = path.join(sourceFolder("lessons", root), "lessons.json");
  const lessons = JSON.parse(readFileSync(file, "utf8")) as { lessons: Lesson[] };
  return lessons.lessons;
}

/** Finds a lesson by number ("3", "03") or slug ("03-llm-attributes", "llm-attributes"). */
export function findLesson(lessons: Lesson[], query: string): Lesson | undefined {
  const wanted = query.trim().toLowerCase();
  if (/^\d+$/.test(wanted)) return lessons.find((lesson) => lesson.number === Number(wanted));
  return lessons.find((lesson) => lesson.slug === wanted || lessonName(lesson) === wanted);
}

/** A lesson's name: its slug without the number ("sessions" for "07-sessions"), the same wherever the lesson moves. */
export function lessonName(lesson: Pick<Lesson, "slug">): string {
  return lesson.slug.replace(/^\d+-/, "");
}

/**
 * The lesson called `name` ("sessions"), for code that refers to one lesson: the checks of what it
 * taught, the diagnoses. By name, not number, so that renumbering the lessons changes no code.
 */
export function lessonNamed(name: string, lessons = loadCatalog()): Lesson {
  const lesson = lessons.find((each) => lessonName(each) === name);
  if (!lesson) throw new Error(`No lesson is named "${name}" in lessons/lessons.json (names are slugs without their number: ${lessons.map(lessonName).join(", ")}).`);
  return lesson;
}

/** The lesson before this one in lessons.json, whose solution this one's starter carries on; none for the first. */
export function previousLesson(lesson: Pick<Lesson, "slug">, lessons: Lesson[]): Lesson | undefined {
  const index = lessons.findIndex((each) => each.slug === lesson.slug);
  return index > 0 ? lessons[index - 1] : undefined;
}

/** The folder that holds the lesson folders of a source. */
export function sourceFolder(source: LessonSource, root = projectRoot): string {
  return path.isAbsolute(source) ? source : path.join(root, source);
}

export function lessonDir(lesson: Pick<Lesson, "slug">, source: LessonSource, root = projectRoot): string {
  return path.join(sourceFolder(source, root), lesson.slug);
}

/** The absolute path of one file of a lesson. */
export function lessonFile(lesson: Pick<Lesson, "slug">, source: LessonSource, file: string, root = projectRoot): string {
  return path.join(lessonDir(lesson, source, root), file);
}

/** A lesson's folder or file as the learner's clone names it, for messages: "lessons/03-llm-attributes/chatbot.ts". */
export function lessonPath(lesson: Pick<Lesson, "slug">, source: "lessons" | "solutions", file?: string): string {
  return [source, lesson.slug, ...(file ? [file] : [])].join("/");
}
