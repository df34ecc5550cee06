// "Lesson N's starter is lesson N-1's solution plus the new TODOs", as a check: every module a
// lesson does not list in its `files` (lessons/lessons.json) is the previous lesson's solution
// byte for byte, and the lesson's solution has the same modules, the unlisted ones unchanged.
// So the diff between two lessons is the lesson, and a learner can trust that what they did
// not edit is what they finished before.
import { readFileSync } from "node:fs";
import { lessonDir, lessonFile, lessonPath, previousLesson, projectRoot, type Lesson } from "../../shared/lessons/catalog.ts";
import { firstDifference, lessonModules } from "./lesson-modules.ts";

/** Problems found, in words; empty when every module is where it should be. */
export function checkCarriedModules(lesson: Lesson, lessons: Lesson[], root = projectRoot): string[] {
  const problems: string[] = [];
  const read = (of: Lesson, source: "lessons" | "solutions", file: string) => readFileSync(lessonFile(of, source, file, root));
  const starterModules = lessonModules(lessonDir(lesson, "lessons", root));
  const solutionModules = lessonModules(lessonDir(lesson, "solutions", root));
  const edited = new Set(lesson.files);
  const starter = (file: string) => lessonPath(lesson, "lessons", file);
  const solution = (file: string) => lessonPath(lesson, "solutions", file);

  for (const file of starterModules.filter((each) => !solutionModules.includes(each))) {
    problems.push(`${solution(file)} is missing: a solution has the same modules as its lesson (${starter(file)})`);
  }
  for (const file of solutionModules.filter((each) => !starterModules.includes(each))) {
    problems.push(`${solution(file)} has no counterpart ${starter(file)}: a solution has the same modules as its lesson`);
  }
  for (const file of starterModules.filter((each) => !edited.has(each) && solutionModules.includes(each))) {
    const difference = firstDifference(read(lesson, "lessons", file), read(lesson, "solutions", file));
    if (difference) problems.push(`${solution(file)} differs from ${starter(file)}, which the lesson does not edit (not in its "files"): ${difference}`);
  }

  const previous = previousLesson(lesson, lessons);
  if (!previous) return problems;
  const previousModules = lessonModules(lessonDir(previous, "solutions", root));
  const carriedFrom = (file: string) => lessonPath(previous, "solutions", file);
  for (const file of starterModules.filter((each) => !edited.has(each))) {
    if (!previousModules.includes(file)) {
      problems.push(`${starter(file)} is neither a file the lesson edits (its "files" in lessons/lessons.json) nor carried from ${carriedFrom(file)}, which does not exist`);
      continue;
    }
    const difference = firstDifference(read(previous, "solutions", file), read(lesson, "lessons", file));
    if (difference) problems.push(`${starter(file)} is carried (not in the lesson's "files"), but it is not ${carriedFrom(file)} byte for byte: ${difference}`);
  }
  for (const file of previousModules.filter((each) => !starterModules.includes(each))) {
    problems.push(`${carriedFrom(file)} is not carried into ${lessonPath(lesson, "lessons")}: a lesson starts from the whole previous solution`);
  }
  return problems;
}
