// The shape every lesson must have, checked by `npm run verify`: a README with hints, TODO
// markers in the files the learner edits, a test file, and a solution that mirrors the lesson.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { lessonDir, projectRoot, type Lesson } from "../../shared/lessons/catalog.ts";
import { parseHints } from "../../shared/lessons/hints.ts";

/** Problems found, in words; empty when the lesson is well formed. */
export function checkLessonStructure(lesson: Lesson, root = projectRoot): string[] {
  const problems: string[] = [];
  const starterDir = lessonDir(lesson, "lessons", root);
  const solutionDir = lessonDir(lesson, "solutions", root);
  const readme = path.join(starterDir, "README.md");
  if (!existsSync(readme)) {
    problems.push(`${rel(readme, root)} is missing`);
  } else {
    const hints = parseHints(readFileSync(readme, "utf8"));
    if (hints.length < 2) problems.push(`${rel(readme, root)} has ${hints.length} hint(s) under "## Hints"; at least 2 are needed`);
  }
  if (!existsSync(path.join(starterDir, lesson.test))) problems.push(`the test file ${lesson.slug}/${lesson.test} is missing`);
  for (const file of lesson.files) {
    const starter = path.join(starterDir, file);
    if (!existsSync(starter)) {
      problems.push(`${rel(starter, root)} is missing`);
      continue;
    }
    if (!/\bTODO\b/.test(readFileSync(starter, "utf8"))) problems.push(`${rel(starter, root)} has no TODO marker`);
  }
  const starterFiles = sourceFiles(starterDir).filter((file) => file !== lesson.test);
  const solutionFiles = existsSync(solutionDir) ? sourceFiles(solutionDir) : [];
  for (const file of starterFiles) {
    if (!solutionFiles.includes(file)) problems.push(`solutions/${lesson.slug}/${file} is missing (solutions mirror lessons)`);
  }
  for (const file of solutionFiles) {
    if (!starterFiles.includes(file)) problems.push(`solutions/${lesson.slug}/${file} has no counterpart in lessons/`);
    else if (/\bTODO\b/.test(readFileSync(path.join(solutionDir, file), "utf8"))) problems.push(`solutions/${lesson.slug}/${file} still has a TODO`);
  }
  if (!existsSync(path.join(starterDir, lesson.run))) problems.push(`the run file ${lesson.slug}/${lesson.run} is missing`);
  return problems;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).filter((file) => file.endsWith(".ts")).sort();
}

function rel(file: string, root: string): string {
  return path.relative(root, file);
}
