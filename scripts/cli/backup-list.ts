// What `reset <n> --backups` shows of each backup, so that the learner can tell them apart
// before putting one back: its name (what --restore takes), when it was made, how big it is,
// and its first line that differs from the starter (a backup of the untouched starter says so).
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import type { Backup } from "./backups.ts";
import { readStarter } from "./starter.ts";

export interface FirstChange {
  /** 1-based, in the backup's file */
  line: number;
  /** the backup's line there; undefined when the starter's lines from here on were deleted */
  text?: string;
}

/** The first line where the backup's text differs from the starter's; undefined when they are the same. */
export function firstChange(backupText: string, starterText: string): FirstChange | undefined {
  const mine = backupText.replace(/\r\n/g, "\n").split("\n");
  const starter = starterText.replace(/\r\n/g, "\n").split("\n");
  for (let index = 0; index < Math.max(mine.length, starter.length); index++) {
    if (mine[index] !== starter[index]) return { line: index + 1, text: mine[index] };
  }
  return undefined;
}

/** The listing, one block per backup, newest first as given. */
export function describeBackups(root: string, lesson: Lesson, backups: Backup[]): string[] {
  const starters = new Map<string, string | undefined>();
  const starterOf = (file: string) => {
    if (!starters.has(file)) {
      try {
        starters.set(file, readStarter(root, lesson, file).text);
      } catch {
        starters.set(file, undefined); // no git: the listing goes on without the comparison
      }
    }
    return starters.get(file);
  };
  return backups.flatMap((backup) => [
    `  ${backup.name}`,
    `    made ${localTime(backup.madeAt)}, ${backup.files.join(", ") || "no files"} (${bytes(backup.bytes)})`,
    `    ${changeLine(backup, starterOf)}`,
  ]);
}

function changeLine(backup: Backup, starterOf: (file: string) => string | undefined): string {
  for (const file of backup.files) {
    const starter = starterOf(file);
    if (starter === undefined) return "(no starter to compare with: this copy is not a git clone)";
    const change = firstChange(readFileSync(path.join(backup.dir, file), "utf8"), starter);
    if (!change) continue;
    const what = change.text === undefined ? "the starter's lines from here on are deleted" : shorten(change.text.trim() || "(an empty line)");
    return `first change from the starter: ${file} line ${change.line}: ${what}`;
  }
  return "the same as the starter";
}

function shorten(text: string, width = 72): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** 2025-11-23 23:58:34, in the learner's time zone. */
export function localTime(date: Date): string {
  const two = (value: number) => String(value).padStart(2, "0");
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

function bytes(count: number): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? "byte" : "bytes"}`;
}
