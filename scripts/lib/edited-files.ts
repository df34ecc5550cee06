// The files a lesson asks the learner to edit (its `files` in lessons/lessons.json) stay short
// and lead with the work: at most MAX_LINES lines, the first TODO within FIRST_TODO_BY lines,
// and the TODOs numbered in reading order across the files, in the order lessons.json lists
// them (`TODO 1:` ... `TODO n:`, no gaps, none unnumbered), so that the README and a hint can
// say "TODO 3" and the learner finds it.
import { existsSync, readFileSync } from "node:fs";
import { lessonFile, lessonPath, projectRoot, type Lesson } from "../../shared/lessons/catalog.ts";

export const MAX_LINES = 250;
export const FIRST_TODO_BY = 120;

const TODO = /\bTODO\b/;
const NUMBERED_TODO = /\bTODO (\d+):/;

/** Problems found, in words; empty when the files are short, lead with a TODO, and number them in order. */
export function checkEditedFiles(lesson: Lesson, root = projectRoot): string[] {
  const problems: string[] = [];
  let next = 1;
  for (const file of lesson.files) {
    const where = lessonPath(lesson, "lessons", file);
    const path = lessonFile(lesson, "lessons", file, root);
    if (!existsSync(path)) continue; // the structure check names a missing file
    const lines = readFileSync(path, "utf8").replace(/\n$/, "").split("\n");
    if (lines.length > MAX_LINES) {
      problems.push(`${where} has ${lines.length} lines; a file the learner edits has at most ${MAX_LINES} (move what the lesson does not teach into a module of its own)`);
    }
    const first = lines.findIndex((line) => TODO.test(line));
    if (first >= FIRST_TODO_BY) {
      problems.push(`${where}: its first TODO is on line ${first + 1}; it must come within the first ${FIRST_TODO_BY} lines (the code the lesson teaches goes near the top)`);
    }
    lines.forEach((line, index) => {
      if (!TODO.test(line)) return;
      const numbered = NUMBERED_TODO.exec(line);
      if (!numbered) {
        problems.push(`${where}:${index + 1}: a TODO without its number; write "TODO ${next}:" (numbered in reading order across ${lesson.files.join(", ")})`);
      } else if (Number(numbered[1]) !== next) {
        problems.push(`${where}:${index + 1}: TODO ${numbered[1]} where TODO ${next} comes next (numbered in reading order across ${lesson.files.join(", ")}, as lessons.json lists them)`);
      }
      next = numbered ? Math.max(next, Number(numbered[1]) + 1) : next + 1;
    });
  }
  return problems;
}
