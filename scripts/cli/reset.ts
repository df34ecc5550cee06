// Reset puts a lesson's files back to the starter, and restoring puts a backup back; both first
// back up what the learner has, so no keystroke can lose their work.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { backUpLessonFiles, listBackups, type Backup } from "./backups.ts";
import { readStarter } from "./starter.ts";

export interface ResetOutcome {
  /** where the learner's files went; undefined when there was nothing of theirs to keep */
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
  const changed = starters.some(({ file, text }) => textOf(root, lesson, file) !== undefined && textOf(root, lesson, file) !== text);
  const backup = changed ? backUpLessonFiles(root, lesson) : undefined;
  for (const { file, text } of starters) {
    const target = lessonFile(root, lesson, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  return { backup, restored: starters.map(({ file }) => path.join("lessons", lesson.slug, file)) };
}

export function restoreBackup(root: string, lesson: Lesson, backup: Backup): ResetOutcome {
  const safety = holdsLearnerWork(root, lesson, backup) ? backUpLessonFiles(root, lesson) : undefined;
  for (const file of backup.files) {
    const target = lessonFile(root, lesson, file);
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(path.join(backup.dir, file), target);
  }
  return { backup: safety, restored: backup.files.map((file) => path.join("lessons", lesson.slug, file)) };
}

/**
 * Whether the lesson's files hold something that restoring the backup would lose: not when
 * they are missing, the backup's own text, or the starter (which reset can always bring back).
 * Backups of nothing would crowd the list and hide the one the learner is looking for.
 */
function holdsLearnerWork(root: string, lesson: Lesson, backup: Backup): boolean {
  return lesson.files.some((file) => {
    const current = textOf(root, lesson, file);
    if (current === undefined) return false;
    if (backup.files.includes(file) && current === readFileSync(path.join(backup.dir, file), "utf8")) return false;
    try {
      return current !== readStarter(root, lesson, file).text;
    } catch {
      return true; // no starter to compare with: keep a copy to be safe
    }
  });
}

function textOf(root: string, lesson: Lesson, file: string): string | undefined {
  try {
    return readFileSync(lessonFile(root, lesson, file), "utf8");
  } catch {
    return undefined;
  }
}

/**
 * How to get a deleted lesson file back: the starter by reset, and, when the lesson has
 * backups, the learner's own work from the newest (what a deleted file most likely held).
 */
export function getBackAdvice(root: string, lesson: Lesson): string[] {
  const advice = [
    `Get the starter back with \`npm run workbook -- reset ${lesson.number}\` (in watch mode: press x). Your other files of the lesson are backed up first.`,
  ];
  const newest = listBackups(root, lesson)[0];
  if (newest) {
    advice.push(
      `Or put your own work back from a backup, the newest with \`npm run workbook -- reset ${lesson.number} --restore ${newest.name}\`; ` +
        `\`npm run workbook -- reset ${lesson.number} --backups\` lists them all.`,
    );
  }
  return advice;
}
