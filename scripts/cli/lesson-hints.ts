// The hints of a lesson, from its README: revealing the next one (and remembering it in the
// learner's state) and how many they have read. Watch mode and `hint`/`check` both use these,
// and only say differently how to get the next hint.
import { existsSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { readHints } from "../../shared/lessons/hints.ts";
import { readmePath } from "./lesson-files.ts";
import type { WorkbookState } from "./state.ts";
import { style } from "./terminal-style.ts";

export type HintsLookup = { hints: string[] } | { problem: string };

/** The lesson's hints from its README, or why there are none to show. */
export function lessonHints(root: string, lesson: Lesson): HintsLookup {
  const readme = readmePath(lesson);
  if (!existsSync(path.join(root, readme))) {
    return { problem: `${readme} is missing, so there are no hints to show. Fix: restore it with \`git checkout -- ${readme}\`.` };
  }
  const hints = readHints(lesson, root);
  if (hints.length === 0) {
    return { problem: `${readme} has no "## Hints" section with "### Hint 1" headings yet. Read the README itself meanwhile.` };
  }
  return { hints };
}

/** Applies a change to the saved state and returns the new state (updateState, with its warning told). */
export type StateUpdate = (change: (state: WorkbookState) => WorkbookState) => WorkbookState;

export type HintReveal =
  | { problem: string }
  | {
      /** the learner's state with this hint counted as read (already saved) */
      state: WorkbookState;
      /** "Hint 2 of 4" and its text */
      text: string;
      number: number;
      isLast: boolean;
    };

/**
 * The next hint the learner has not read (the last one again once all are), counted and saved;
 * or hint `number` (1-based), again or for the first time (then it and those before count as read).
 * The count is the saved one at this moment: hints read in another terminal count too.
 */
export function revealNextHint(root: string, lesson: Lesson, update: StateUpdate, number?: number): HintReveal {
  const lookup = lessonHints(root, lesson);
  if ("problem" in lookup) return lookup;
  const { hints } = lookup;
  if (number !== undefined && !(Number.isInteger(number) && number >= 1 && number <= hints.length)) {
    return { problem: `Lesson ${lesson.number} has hints 1 to ${hints.length}, so there is no hint ${number}.` };
  }
  let index = 0;
  const state = update((saved) => {
    const read = saved.hintsShown[lesson.slug] ?? 0;
    index = number !== undefined ? number - 1 : Math.min(read, hints.length - 1);
    return { ...saved, hintsShown: { ...saved.hintsShown, [lesson.slug]: Math.max(read, index + 1) } };
  });
  return { state, text: `Hint ${index + 1} of ${hints.length}\n\n${hints[index]}`, number: index + 1, isLast: index === hints.length - 1 };
}

/** "Hints read: 1 of 3 (how to read the next)", or why the lesson shows no hints. */
export function hintProgress(root: string, lesson: Lesson, state: WorkbookState, howToReadNext: string): string {
  return hintProgressLine(lessonHints(root, lesson), lesson, state, howToReadNext);
}

/** hintProgress once the README is read: the same line, from what it holds. */
export function hintProgressLine(lookup: HintsLookup, lesson: Lesson, state: WorkbookState, howToReadNext: string): string {
  if ("problem" in lookup) return style.dim(lookup.problem);
  const shown = Math.min(state.hintsShown[lesson.slug] ?? 0, lookup.hints.length);
  return `Hints read: ${shown} of ${lookup.hints.length}` + (shown < lookup.hints.length ? `  (${howToReadNext})` : "");
}
