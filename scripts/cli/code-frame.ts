// A few lines of the learner's file around an error, with a caret under the column: what an
// editor would show, instead of a stack trace through vitest's internals.
import { readFileSync } from "node:fs";
import { style } from "./terminal-style.ts";

export function codeFrame(file: string, line: number, column: number, context = 2): string {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch {
    return "";
  }
  const lines = source.split(/\r?\n/);
  const first = Math.max(1, line - context);
  const last = Math.min(lines.length, line + context);
  const width = String(last).length;
  const frame: string[] = [];
  for (let number = first; number <= last; number++) {
    const gutter = `${String(number).padStart(width)} | `;
    const text = lines[number - 1] ?? "";
    if (number === line) {
      frame.push(style.red("> ") + style.dim(gutter) + text);
      frame.push(`  ${" ".repeat(width)} ${style.dim("|")} ${" ".repeat(Math.max(0, column - 1))}${style.red("^")}`);
    } else {
      frame.push(`  ${style.dim(gutter)}${text}`);
    }
  }
  return frame.join("\n");
}
