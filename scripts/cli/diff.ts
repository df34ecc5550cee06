// The learner's files against the solution's, ignoring whitespace (indentation and blank lines
// are not the lesson): each module of the lesson that differs, under its name, the files the
// lesson edits first; the ones that match in one line. A module the lesson carries unchanged is
// compared too, since a slip there breaks the lesson as surely as one in a file with TODOs.
// git is present in every clone, and its --no-index mode diffs two plain files with the colours
// people already know.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { lessonModules, lessonPath, requireSolutionFiles, solutionPath } from "./lesson-files.ts";
import { WorkbookProblem } from "./problems.ts";
import { getBackAdvice } from "./reset.ts";
import { style } from "./terminal-style.ts";

export interface LessonDiff {
  text: string;
  /** true when the learner's files match the solution's (whitespace aside) */
  same: boolean;
  /** the modules that differ from the solution's, by name */
  changed: string[];
}

export function diffAgainstSolution(root: string, lesson: Lesson, color: boolean): LessonDiff {
  // git says "Could not access" with the same exit code as "the files differ": look first.
  requireSolutionFiles(root, lesson);
  const paint = color ? style : noStyle;
  const parts: string[] = [];
  const alike: string[] = [];
  const changed: string[] = [];
  for (const file of lessonModules(root, lesson)) {
    const mine = lessonPath(lesson, file);
    const solution = solutionPath(lesson, file);
    if (!existsSync(path.join(root, mine))) {
      parts.push([paint.bold(`${mine} is missing.`), ...getBackAdvice(root, lesson)].join(" "));
      changed.push(file);
      continue;
    }
    if (!existsSync(path.join(root, solution))) {
      parts.push(paint.bold(`${mine}: a file of yours; the solution has no such file.`));
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
      alike.push(file);
    } else {
      changed.push(file);
      const edited = lesson.files.includes(file) ? "" : " (a file this lesson does not ask you to edit)";
      parts.push([paint.bold(`${mine} against ${solution}${edited}:`), result.stdout.trimEnd()].join("\n"));
    }
  }
  if (alike.length > 0) {
    parts.push(
      changed.length === 0 && parts.length === 0
        ? `Your files are the same as the solution's (whitespace aside): ${alike.map((file) => lessonPath(lesson, file)).join(", ")}.`
        : `The same as the solution (whitespace aside): ${alike.map((file) => lessonPath(lesson, file)).join(", ")}.`,
    );
  }
  return { text: parts.join("\n\n"), same: changed.length === 0, changed };
}

const noStyle = { bold: (text: string) => text };
