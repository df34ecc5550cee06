// Hints live in each lesson's README under "## Hints", one "### Hint N" heading each,
// from a nudge to nearly the answer. This reads them back for the CLI and failure messages.
import { readFileSync } from "node:fs";
import { lessonFile, type Lesson } from "./catalog.ts";

export function readHints(lesson: Lesson, root?: string): string[] {
  const readme = readFileSync(lessonFile(lesson, "lessons", "README.md", root), "utf8");
  return parseHints(readme);
}

export function parseHints(readme: string): string[] {
  const section = readme.split(/^## Hints\s*$/m)[1];
  if (!section) return [];
  const untilNextSection = section.split(/^## /m)[0] ?? "";
  return untilNextSection
    .split(/^### Hint \d+.*$/m)
    .slice(1)
    .map((hint) => hint.trim())
    .filter((hint) => hint.length > 0);
}
