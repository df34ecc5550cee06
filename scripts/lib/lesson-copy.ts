// A lesson's solution laid out in another folder, optionally with one file replaced: how the
// mutation check and the diagnosis tests try a mistake without touching lessons/ or solutions/.
// The lesson tests load it when SOURCE_VARIABLE names that folder (shared/lessons/check-contract.ts).
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { lessonDir, projectRoot } from "../../shared/lessons/catalog.ts";

/** Writes `<sourceDir>/<slug>/`: the solution's files, `replaced` instead of its namesake. */
export function writeLessonCopy(sourceDir: string, slug: string, replaced?: { file: string; text: string }, root = projectRoot): void {
  const target = lessonDir({ slug }, sourceDir);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const solution = lessonDir({ slug }, "solutions", root);
  // The copy may sit deeper than solutions/<slug>/: its relative imports of shared/ are re-aimed.
  const up = path.relative(target, root).split(path.sep).join("/");
  for (const file of readdirSync(solution)) {
    if (!file.endsWith(".ts")) {
      cpSync(path.join(solution, file), path.join(target, file), { recursive: true });
      continue;
    }
    const text = replaced?.file === file ? replaced.text : readFileSync(path.join(solution, file), "utf8");
    writeFileSync(path.join(target, file), text.replaceAll('from "../../', `from "${up}/`));
  }
}
