// Two kinds of failure. A WorkbookProblem is expected (git missing, a file deleted, a disk that
// refuses a write): its message names the cause and the fix, and is all the learner sees.
// Anything else thrown is a bug in the workbook itself, shown with its stack for the report.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export class WorkbookProblem extends Error {
  override name = "WorkbookProblem";
}

const REPORT = "This is a bug in the workbook, not in your code; please report it with the lines below.";

/** For the plain commands: the problem's message, or the bug line and the stack. */
export function describeFailure(error: unknown): string {
  if (error instanceof WorkbookProblem) return error.message;
  return `${REPORT}\n\n${error instanceof Error ? (error.stack ?? String(error)) : String(error)}`;
}

/**
 * For watch mode, one line: the problem's message, or the bug's first line. A bug's stack goes
 * to .workbook/last-error.log, which the line names, since the screen has no room for it.
 */
export function failureNotice(error: unknown, root: string): string {
  if (error instanceof WorkbookProblem) return firstLine(error.message);
  const log = path.join(".workbook", "last-error.log");
  let where = `its details are in ${log}`;
  try {
    mkdirSync(path.join(root, ".workbook"), { recursive: true });
    writeFileSync(path.join(root, log), `${new Date().toISOString()}\n${error instanceof Error ? (error.stack ?? String(error)) : String(error)}\n`);
  } catch {
    where = `and ${log} could not be written either`;
  }
  const message = error instanceof Error ? `${error.name}: ${firstLine(error.message)}` : firstLine(String(error));
  return `Unexpected error: ${message}. This is a bug in the workbook; please report it (${where}). Watch mode goes on.`;
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? "";
}
