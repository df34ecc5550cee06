// Reset puts a lesson's files back to the starter (the files it edits, or one file named), and
// restoring puts a backup back; both first back up what the learner has, so no keystroke can
// lose their work.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { lessonFile, type Lesson } from "../../shared/lessons/catalog.ts";
import { backUpLessonFiles, listBackups, type Backup } from "./backups.ts";
import { lessonModules, lessonPath, missingModules } from "./lesson-files.ts";
import { WorkbookProblem } from "./problems.ts";
import { readStarter, starterCommits } from "./starter.ts";

export interface ResetOutcome {
  /** where the learner's files went; undefined when there was nothing of theirs to keep */
  backup?: Backup;
  /** the files put back, as paths from the workbook root */
  restored: string[];
  /** modules left as they are that differ from the starter (a reset of the files a lesson edits only) */
  otherChanges?: string[];
}

/** The lesson's modules missing from its folder: what a check or a run cannot do without. */
export function missingFiles(root: string, lesson: Lesson): string[] {
  return missingModules(root, lesson);
}

/**
 * Puts the starter back: of `only`, a module of the lesson, when named; else of the files the
 * lesson edits, and of any other module of it that was deleted. What is overwritten and differs
 * from the starter is backed up first, every such file.
 */
export function resetLesson(root: string, lesson: Lesson, only?: string): ResetOutcome {
  const modules = lessonModules(root, lesson);
  if (only !== undefined && !modules.includes(only)) {
    throw new WorkbookProblem(
      `${lessonPath(lesson, only)} is not a file of lesson ${lesson.number}. Name one of its files: ${modules.join(", ")} ` +
        `(the ones it asks you to edit: ${lesson.files.join(", ")}), or none to reset those.`,
    );
  }
  const targets = only !== undefined ? [only] : [...new Set([...lesson.files, ...missingModules(root, lesson)])];
  const commits = starterCommits(root);
  // Read every starter before touching anything: a missing one stops the reset cleanly.
  const starters = targets.map((file) => ({ file, text: readStarter(root, lesson, file, commits).text }));
  const learnerWork = starters.filter(({ file, text }) => textOf(root, lesson, file) !== undefined && textOf(root, lesson, file) !== text).map(({ file }) => file);
  const backup = learnerWork.length > 0 ? backUpLessonFiles(root, lesson, learnerWork) : undefined;
  for (const { file, text } of starters) {
    const target = lessonFile(lesson, "lessons", file, root);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  const otherChanges = only !== undefined ? undefined : modules.filter((file) => !targets.includes(file) && differsFromStarter(root, lesson, file, commits));
  return { backup, restored: starters.map(({ file }) => lessonPath(lesson, file)), otherChanges };
}

/** What a reset did, in words: which files went where, what came back, and what it left as it was. */
export function describeReset(root: string, lesson: Lesson, outcome: ResetOutcome): string[] {
  const lines: string[] = [];
  if (outcome.backup) {
    const backedUp = outcome.backup.files.map((file) => lessonPath(lesson, file)).join(", ");
    lines.push(`Backed up ${backedUp} to ${path.relative(root, outcome.backup.dir)}/`);
    lines.push(`  (to put them back: npm run workbook -- reset ${lesson.number} --restore ${outcome.backup.name})`);
  } else {
    lines.push("Nothing to back up: the files were the starter already, or missing.");
  }
  lines.push(`Restored the starter: ${outcome.restored.join(", ")}`);
  for (const other of outcome.otherChanges ?? []) {
    lines.push(`${lessonPath(lesson, other)} differs from the starter too, and was left as it is (reset it alone with: npm run workbook -- reset ${lesson.number} ${other})`);
  }
  return lines;
}

export function restoreBackup(root: string, lesson: Lesson, backup: Backup): ResetOutcome {
  const kept = backup.files.filter((file) => holdsLearnerWork(root, lesson, backup, file));
  const safety = kept.length > 0 ? backUpLessonFiles(root, lesson, kept) : undefined;
  for (const file of backup.files) {
    const target = lessonFile(lesson, "lessons", file, root);
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(path.join(backup.dir, file), target);
  }
  return { backup: safety, restored: backup.files.map((file) => lessonPath(lesson, file)) };
}

/**
 * Whether the lesson's file holds something that restoring the backup would lose: not when it
 * is missing, the backup's own text, or the starter (which reset can always bring back).
 * Backups of nothing would crowd the list and hide the one the learner is looking for.
 */
function holdsLearnerWork(root: string, lesson: Lesson, backup: Backup, file: string): boolean {
  const current = textOf(root, lesson, file);
  if (current === undefined) return false;
  if (current === readFileSync(path.join(backup.dir, file), "utf8")) return false;
  try {
    return current !== readStarter(root, lesson, file).text;
  } catch {
    return true; // no starter to compare with: keep a copy to be safe
  }
}

function differsFromStarter(root: string, lesson: Lesson, file: string, commits: string[]): boolean {
  const current = textOf(root, lesson, file);
  if (current === undefined) return false;
  try {
    return current !== readStarter(root, lesson, file, commits).text;
  } catch {
    return false; // not in git: nothing to compare with, nothing to suggest
  }
}

function textOf(root: string, lesson: Lesson, file: string): string | undefined {
  try {
    return readFileSync(lessonFile(lesson, "lessons", file, root), "utf8");
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
    `Get the starter back with \`npm run workbook -- reset ${lesson.number}\` (in watch mode: press x). Whatever you changed in the files it resets is backed up first.`,
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
