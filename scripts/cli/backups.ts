// Copies of the learner's lesson files, taken before anything overwrites them (reset, restoring
// an older backup). They live in .workbook/backups/<timestamp>-<slug>/, git-ignored, and are
// never deleted by the CLI. A backup is named by its folder, which never changes: a number in
// a list would shift with every new backup, and `--restore 1` would then put back the wrong one.
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { lessonFile, type Lesson } from "../../shared/lessons/catalog.ts";

export interface Backup {
  /** its folder's name, e.g. 2025-11-23T22-58-34-120Z-02-first-span: what `--restore` takes */
  name: string;
  dir: string;
  /** when it was made, from its name */
  madeAt: Date;
  /** the lesson's files it holds, by name in the lesson folder */
  files: string[];
  /** the files' size together */
  bytes: number;
}

export function backupsDir(root: string): string {
  return path.join(root, ".workbook", "backups");
}

/** Copies those of the lesson's files that exist (by default the ones it edits); undefined when there is nothing to copy. */
export function backUpLessonFiles(root: string, lesson: Lesson, files: string[] = lesson.files): Backup | undefined {
  const present = files.filter((file) => existsSync(lessonFile(lesson, "lessons", file, root)));
  if (present.length === 0) return undefined;
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  let name = `${stamp}-${lesson.slug}`;
  // Two resets in the same millisecond (a script) must not share a folder.
  for (let n = 2; existsSync(path.join(backupsDir(root), name)); n++) name = `${stamp}-${n}-${lesson.slug}`;
  const dir = path.join(backupsDir(root), name);
  mkdirSync(dir, { recursive: true });
  for (const file of present) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(lessonFile(lesson, "lessons", file, root), path.join(dir, file));
  }
  return backupAt(root, lesson, name)!;
}

/** The lesson's backups, newest first (the names start with the time, so they sort by it). */
export function listBackups(root: string, lesson: Lesson): Backup[] {
  const dir = backupsDir(root);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(`-${lesson.slug}`))
    .sort()
    .reverse()
    .map((name) => backupAt(root, lesson, name))
    .filter((backup): backup is Backup => backup !== undefined);
}

/**
 * A backup by its name, as `--backups` lists it; its path as reset printed it
 * (`.workbook/backups/<name>/`) works too. Never by a number.
 */
export function findBackup(root: string, lesson: Lesson, query: string): Backup | undefined {
  const name = query.replace(/[\\/]+$/, "").replace(/^\.workbook[\\/]backups[\\/]/, "");
  if (!name.endsWith(`-${lesson.slug}`) || name !== path.basename(name)) return undefined;
  return backupAt(root, lesson, name);
}

function backupAt(root: string, lesson: Lesson, name: string): Backup | undefined {
  const dir = path.join(backupsDir(root), name);
  const stamp = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z/.exec(name);
  if (!stamp || !isFolder(dir)) return undefined;
  const [, day, hours, minutes, seconds, millis] = stamp;
  // Every file in it: a reset of one module backs up that module only, whichever it is.
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort((a, b) => order(lesson, a) - order(lesson, b) || a.localeCompare(b));
  const bytes = files.reduce((sum, file) => sum + statSync(path.join(dir, file)).size, 0);
  return { name, dir, madeAt: new Date(`${day}T${hours}:${minutes}:${seconds}.${millis}Z`), files, bytes };
}

/** The files a lesson edits first, in reading order, then the others. */
function order(lesson: Lesson, file: string): number {
  const index = lesson.files.indexOf(file);
  return index === -1 ? lesson.files.length : index;
}

function isFolder(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
