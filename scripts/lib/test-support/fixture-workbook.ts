// A tiny workbook in a temporary folder for the checks' unit tests: a lessons.json and the
// files given, by path from the root ("lessons/02-first-span/chatbot.ts": "...").
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadCatalog, type Lesson } from "../../../shared/lessons/catalog.ts";

export interface FixtureWorkbook {
  root: string;
  /** as loadCatalog reads them back */
  lessons: Lesson[];
  remove(): void;
}

/** Lessons by slug and the files they edit; the number comes from the slug. */
export function fixtureWorkbook(lessons: Array<{ slug: string; files: string[] }>, files: Record<string, string>): FixtureWorkbook {
  const root = mkdtempSync(path.join(tmpdir(), "workbook-fixture-"));
  const catalog = lessons.map(({ slug, files }) => ({
    number: Number(slug.split("-")[0]),
    slug,
    title: slug,
    files,
    run: "chatbot.ts",
    test: "chatbot.test.ts",
    runs: "turn",
    ask: ["Hello"],
  }));
  for (const [file, text] of Object.entries({ "lessons/lessons.json": JSON.stringify({ lessons: catalog }), ...files })) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return { root, lessons: loadCatalog(root), remove: () => rmSync(root, { recursive: true, force: true }) };
}
