// Colours and links only when a person is looking: piped or redirected output (CI, scripts)
// gets plain text, whatever FORCE_COLOR says, so logs and greps never see escape codes.
import chalk, { Chalk, type ChalkInstance } from "chalk";
import { pathToFileURL } from "node:url";

export const interactive = Boolean(process.stdout.isTTY);

export const style: ChalkInstance = new Chalk({ level: interactive ? Math.max(chalk.level, 1) as 1 | 2 | 3 : 0 });

/** A path the terminal can open on click (OSC 8 hyperlink); plain text without a TTY. */
export function fileLink(label: string, absolutePath: string): string {
  if (!interactive) return label;
  return `\u001b]8;;${pathToFileURL(absolutePath).href}\u0007${label}\u001b]8;;\u0007`;
}

/** done/total as a bar: [#####-----] 3/6 */
export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  const bar = style.green("#".repeat(filled)) + style.dim("-".repeat(width - filled));
  return `Progress: [${bar}] ${done}/${total} lessons done`;
}
