// The shape every lesson must have, checked by `npm run verify`: a README with hints, TODO
// markers in the files the learner edits, a test file, a run file, and a solution without TODOs.
// (That the solution has the lesson's modules, and what is carried from the lesson before, is
// carried-modules.ts; the files the learner edits, edited-files.ts and what-to-edit.ts.)
import { existsSync, readFileSync } from "node:fs";
import { lessonDir, lessonFile, lessonPath, projectRoot, type Lesson } from "../../shared/lessons/catalog.ts";
import { parseHints } from "../../shared/lessons/hints.ts";
import { lessonModules } from "./lesson-modules.ts";

/** Problems found, in words; empty when the lesson is well formed. */
export function checkLessonStructure(lesson: Lesson, root = projectRoot): string[] {
  const problems: string[] = [];
  const starter = (file: string) => lessonFile(lesson, "lessons", file, root);
  const readme = starter("README.md");
  if (!existsSync(readme)) {
    problems.push(`${lessonPath(lesson, "lessons", "README.md")} is missing`);
  } else {
    const hints = parseHints(readFileSync(readme, "utf8"));
    if (hints.length < 2) problems.push(`${lessonPath(lesson, "lessons", "README.md")} has ${hints.length} hint(s) under "## Hints"; at least 2 are needed`);
  }
  if (!existsSync(starter(lesson.test))) problems.push(`the test file ${lessonPath(lesson, "lessons", lesson.test)} is missing`);
  for (const file of lesson.files) {
    if (!existsSync(starter(file))) {
      problems.push(`${lessonPath(lesson, "lessons", file)} is missing`);
      continue;
    }
    if (!/\bTODO\b/.test(readFileSync(starter(file), "utf8"))) problems.push(`${lessonPath(lesson, "lessons", file)} has no TODO marker`);
  }
  for (const file of lessonModules(lessonDir(lesson, "solutions", root))) {
    if (/\bTODO\b/.test(readFileSync(lessonFile(lesson, "solutions", file, root), "utf8"))) problems.push(`${lessonPath(lesson, "solutions", file)} still has a TODO`);
  }
  if (!existsSync(starter(lesson.run))) problems.push(`the run file ${lessonPath(lesson, "lessons", lesson.run)} is missing`);
  return problems;
}
