// Draws watch mode's screen: the body (verdict, hint, run output, diff, list) on top, cut to
// fit, and the footer (status, progress bar, current file, keys) always on the last lines.
const CLEAR = "\u001b[H\u001b[2J";
// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\]8;;[^\u0007]*\u0007/g;

export function visibleLength(text: string): number {
  return text.replace(ESCAPES, "").length;
}

export interface Screen {
  body: string;
  footer: string[];
  /** what to run to see a cut body in full */
  fullTextCommand?: string;
}

export function drawScreen(screen: Screen, output: NodeJS.WriteStream = process.stdout): void {
  const rows = output.rows || 40;
  const columns = output.columns || 100;
  const rowsOf = (line: string) => Math.max(1, Math.ceil(visibleLength(line) / columns));
  const room = Math.max(3, rows - screen.footer.reduce((sum, line) => sum + rowsOf(line), 0) - 1);
  const lines = screen.body.replace(/\s+$/, "").split("\n");
  const kept: string[] = [];
  let used = 0;
  for (const [index, line] of lines.entries()) {
    if (used + rowsOf(line) > room - 1 && index < lines.length - 1) {
      const more = lines.length - index;
      kept.push(`… ${more} more lines${screen.fullTextCommand ? ` (all of it: ${screen.fullTextCommand})` : " (make the window taller to see them)"}`);
      break;
    }
    kept.push(line);
    used += rowsOf(line);
  }
  output.write(`${CLEAR}${kept.join("\n")}\n\n${screen.footer.join("\n")}`);
}
