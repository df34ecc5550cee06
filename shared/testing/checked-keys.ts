// Which attribute keys (and "status", "exception", "ended", ...) a lesson's checks asserted.
// When the runner names a folder in CHECKED_KEYS_VARIABLE, each lesson test file writes its
// list there; verify then requires every row of the lesson README's "Expected spans" table to
// be among them, so the README never promises a check that does not exist.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../lessons/catalog.ts";
import { CHECKED_KEYS_VARIABLE } from "../lessons/check-contract.ts";

const checked = new Set<string>();

export function recordChecked(key: string): void {
  checked.add(key);
}

/** Writes `<folder>/<slug>.json` when the runner asked for it; otherwise does nothing. */
export function writeCheckedKeys(lesson: Pick<Lesson, "slug">, env: NodeJS.ProcessEnv = process.env): void {
  const folder = env[CHECKED_KEYS_VARIABLE];
  if (!folder) return;
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, `${lesson.slug}.json`), JSON.stringify([...checked].sort()));
}
