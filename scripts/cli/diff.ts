// The learner's files against the solution's, only the lesson's files, ignoring whitespace
// (indentation and blank lines are not the lesson). git is present in every clone, and its
// --no-index mode diffs two plain files with the colours people already know.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../../shared/lessons/catalog.ts";

export interface LessonDiff {
  text: string;
  /** true when the learner's files match the solution's (whitespace aside) */
  same: boolean;
}

export function diffAgainstSolution(root: string, lesson: Lesson, color: boolean): LessonDiff {
  const parts: string[] = [];
  let same = true;
  for (const file of lesson.files) {
    const mine = path.join("lessons", lesson.slug, file);
    const solution = path.join("solutions", lesson.slug, file);
    if (!existsSync(path.join(root, mine))) {
      parts.push(`${mine} is missing. Restore the starter with: npm run workbook -- reset ${lesson.number}`);
      same = false;
      continue;
    }
    const result = spawnSync(
      "git",
      ["diff", "--no-index", "--ignore-all-space", "--ignore-blank-lines", `--color=${color ? "always" : "never"}`, "--", mine, solution],
      { cwd: root, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
    );
    if (result.error) {
      throw new Error(`Cannot run git to diff ${mine}: ${result.error.message}. Fix: install git (it comes with every clone of the workbook).`);
    }
    // git diff exits 1 when the files differ; anything else is a real failure.
    if (result.status !== 0 && result.status !== 1) throw new Error(`git diff failed for ${mine}: ${result.stderr.trim()}`);
    if (result.stdout.trim() === "") {
      parts.push(`${mine}: the same as ${solution} (whitespace aside).`);
    } else {
      same = false;
      parts.push(result.stdout.trimEnd());
    }
  }
  return { text: parts.join("\n\n"), same };
}
