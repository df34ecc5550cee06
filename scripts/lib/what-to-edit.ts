// A lesson README's "What to edit" section names every file the learner edits (the lesson's
// `files` in lessons/lessons.json), so the learner knows which files to open before the first test.
import { existsSync, readFileSync } from "node:fs";
import { lessonFile, lessonPath, projectRoot, type Lesson } from "../../shared/lessons/catalog.ts";

const HEADING = "What to edit";

/** The text of the README's "## What to edit" section, up to the next "## " heading; undefined when it has none. */
export function whatToEditSection(readme: string): string | undefined {
  const parts = readme.split(new RegExp(`^## ${HEADING}\\s*$`, "m"));
  return parts.length < 2 ? undefined : parts[1]!.split(/^## /m)[0];
}

/** Problems found, in words; empty when the section names every file. */
export function checkWhatToEdit(lesson: Lesson, root = projectRoot): string[] {
  const file = lessonFile(lesson, "lessons", "README.md", root);
  if (!existsSync(file)) return []; // the structure check names a missing README
  const where = lessonPath(lesson, "lessons", "README.md");
  const section = whatToEditSection(readFileSync(file, "utf8"));
  if (section === undefined) return [`${where} has no "## ${HEADING}" section naming the files to edit (${lesson.files.join(", ")})`];
  const unnamed = lesson.files.filter((name) => !new RegExp(`(?<![\\w.-])${escape(name)}(?![\\w-]|\\.\\w)`).test(section));
  return unnamed.length === 0 ? [] : [`${where}: "${HEADING}" does not name ${unnamed.join(", ")}, which the lesson asks to edit (its "files" in lessons/lessons.json)`];
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
