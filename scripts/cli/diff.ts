// The learner's files against the solution's, only the lesson's files, ignoring whitespace
// (indentation and blank lines are not the lesson). git is present in every clone, and its
// --no-index mode diffs two plain files with the colours people already know.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { lessonPath, requireSolutionFiles, solutionPath } from "./lesson-files.ts";
import { WorkbookProblem } from "./problems.ts";
import { getBackAdvice } from "./reset.ts";

export interface LessonDiff {
  text: string;
  /** true when the learner's files match the solution's (whitespace aside) */
  same: boolean;
}

export function diffAgainstSolution(root: string, lesson: Lesson, color: boolean): LessonDiff {
  // git says "Could not access" with the same exit code as "the files differ": look first.
  requireSolutionFiles(root, lesson);
  const parts: string[] = [];
  let same = true;
  for (const file of lesson.files) {
    const mine = lessonPath(lesson, file);
    const solution = solutionPath(lesson, file);
    if (!existsSync(path.join(root, mine))) {
      parts.push([`${mine} is missing.`, ...getBackAdvice(root, lesson)].join(" "));
      same = false;
      continue;
    }
    const result = spawnSync(
      "git",
      ["diff", "--no-index", "--ignore-all-space", "--ignore-blank-lines", `--color=${color ? "always" : "never"}`, "--", mine, solution],
      { cwd: root, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
    );
    if (result.error) {
      throw new WorkbookProblem(`Cannot run git to diff ${mine}: ${result.error.message}. Fix: install git (it comes with every clone of the workbook).`);
    }
    // Exit 1 means "the files differ"; anything else, or any word on stderr, is a failure.
    const complaint = result.stderr.trim();
    if ((result.status !== 0 && result.status !== 1) || complaint !== "") {
      throw new WorkbookProblem(
        `git could not compare ${mine} with ${solution}: ${complaint.split("\n")[0] || `exit code ${String(result.status)}`}. ` +
          `Fix: check that both are plain, readable files (\`git checkout -- ${solution}\` restores the solution).`,
      );
    }
    if (result.stdout.trim() === "") {
      parts.push(`${mine}: the same as ${solution} (whitespace aside).`);
    } else {
      same = false;
      parts.push(result.stdout.trimEnd());
    }
  }
  return { text: parts.join("\n\n"), same };
}
