// Reset puts a lesson's files back to the starter, and restoring puts a backup back; both first
// back up what the learner has, so no keystroke can lose their work.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { backUpLessonFiles, type Backup } from "./backups.ts";
import { readStarter } from "./starter.ts";

export interface ResetOutcome {
  /** where the learner's files went; undefined when they were the starter already or missing */
  backup?: Backup;
  restored: string[];
}

export function lessonFile(root: string, lesson: Lesson, file: string): string {
  return path.join(root, "lessons", lesson.slug, file);
}

export function missingFiles(root: string, lesson: Lesson): string[] {
  return lesson.files.filter((file) => !existsSync(lessonFile(root, lesson, file)));
}

export function resetLesson(root: string, lesson: Lesson): ResetOutcome {
  // Read every starter before touching anything: a missing one stops the reset cleanly.
  const starters = lesson.files.map((file) => ({ file, text: readStarter(root, lesson, file).text }));
  const changed = starters.some(({ file, text }) => {
    const target = lessonFile(root, lesson, file);
    return existsSync(target) && readFileSync(target, "utf8") !== text;
  });
  const backup = changed ? backUpLessonFiles(root, lesson) : undefined;
  for (const { file, text } of starters) {
    const target = lessonFile(root, lesson, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  return { backup, restored: starters.map(({ file }) => path.join("lessons", lesson.slug, file)) };
}

export function restoreBackup(root: string, lesson: Lesson, backup: Backup): ResetOutcome {
  const safety = backUpLessonFiles(root, lesson);
  for (const file of backup.files) cpSync(path.join(backup.dir, file), lessonFile(root, lesson, file));
  return { backup: safety, restored: backup.files.map((file) => path.join("lessons", lesson.slug, file)) };
}
