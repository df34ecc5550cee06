// The hints of a lesson, from its README, and how many the learner has revealed so far.
import { existsSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { readHints } from "../../shared/lessons/hints.ts";

export type HintsLookup = { hints: string[] } | { problem: string };

export function lessonHints(root: string, lesson: Lesson): HintsLookup {
  const readme = path.join("lessons", lesson.slug, "README.md");
  if (!existsSync(path.join(root, readme))) {
    return { problem: `${readme} is missing, so there are no hints to show. Fix: restore it with \`git checkout -- ${readme}\`.` };
  }
  const hints = readHints(lesson, root);
  if (hints.length === 0) {
    return { problem: `${readme} has no "## Hints" section with "### Hint 1" headings yet. Read the README itself meanwhile.` };
  }
  return { hints };
}

/** "Hint 2 of 4" and its text. */
export function formatHint(hints: string[], index: number): string {
  return `Hint ${index + 1} of ${hints.length}\n\n${hints[index]}`;
}
