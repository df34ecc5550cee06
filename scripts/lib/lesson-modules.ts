// The modules of a lesson folder, and where two copies of a module differ: what verify's
// carried-modules check and the mutation check both need.
import { existsSync, readdirSync } from "node:fs";

/** The chatbot's modules in a lesson folder: its .ts files but the tests, sorted. */
export function lessonModules(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
    .sort();
}

/** Where a copy first differs from the original, in words; undefined when they are the same bytes. */
export function firstDifference(original: Buffer, copy: Buffer): string | undefined {
  if (original.equals(copy)) return undefined;
  const lines = (bytes: Buffer) => bytes.toString("utf8").replace(/\n$/, "").split("\n");
  const [want, got] = [lines(original), lines(copy)];
  const show = (line: string | undefined) => (line === undefined ? "(the file ends)" : JSON.stringify(line.length > 100 ? `${line.slice(0, 100)}...` : line));
  for (let index = 0; index < Math.max(want.length, got.length); index++) {
    if (want[index] !== got[index]) return `line ${index + 1} is ${show(got[index])} where the original has ${show(want[index])}`;
  }
  return "the same lines in other bytes (line endings, the final newline, or an invisible character)";
}
