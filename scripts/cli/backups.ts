// Copies of the learner's lesson files, taken before anything overwrites them (reset, restoring
// an older backup). They live in .workbook/backups/<timestamp>-<slug>/, git-ignored, and are
// never deleted by the CLI.
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../../shared/lessons/catalog.ts";

export interface Backup {
  /** folder name, e.g. 2025-11-23T22-58-34-120Z-02-first-span */
  name: string;
  dir: string;
  files: string[];
}

export function backupsDir(root: string): string {
  return path.join(root, ".workbook", "backups");
}

/** Copies the lesson's existing files; undefined when there is nothing to copy. */
export function backUpLessonFiles(root: string, lesson: Lesson): Backup | undefined {
  const present = lesson.files.filter((file) => existsSync(path.join(root, "lessons", lesson.slug, file)));
  if (present.length === 0) return undefined;
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  let name = `${stamp}-${lesson.slug}`;
  // Two resets in the same millisecond (a script) must not share a folder.
  for (let n = 2; existsSync(path.join(backupsDir(root), name)); n++) name = `${stamp}-${n}-${lesson.slug}`;
  const dir = path.join(backupsDir(root), name);
  mkdirSync(dir, { recursive: true });
  for (const file of present) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(root, "lessons", lesson.slug, file), path.join(dir, file));
  }
  return { name, dir, files: present };
}

/** The lesson's backups, newest first. */
export function listBackups(root: string, lesson: Lesson): Backup[] {
  const dir = backupsDir(root);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(`-${lesson.slug}`) && statSync(path.join(dir, name)).isDirectory())
    .sort()
    .reverse()
    .map((name) => ({
      name,
      dir: path.join(dir, name),
      files: lesson.files.filter((file) => existsSync(path.join(dir, name, file))),
    }));
}

/** A backup by its number in listBackups (1 = newest) or its folder name. */
export function findBackup(root: string, lesson: Lesson, query: string): Backup | undefined {
  const backups = listBackups(root, lesson);
  if (/^\d+$/.test(query)) return backups[Number(query) - 1];
  return backups.find((backup) => backup.name === query);
}
