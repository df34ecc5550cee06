// Draws watch mode's screen: the body (verdict, hint, run output, diff, list) on top, cut to
// fit, and the footer (status, progress bar, current file, keys) always on the last lines.
// The body comes in sections, each with the command that prints it whole: a cut says which
// command shows what was cut (a hint's is `hint N k`, the verdict's `check N`).
const CLEAR = "\u001b[H\u001b[2J";
// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\]8;;[^\u0007]*\u0007/g;

export function visibleLength(text: string): number {
  return text.replace(ESCAPES, "").length;
}

export interface Section {
  text: string;
  /** what to run to see this section in full when it is cut */
  fullTextCommand?: string;
}

export interface Screen {
  /** the sections of the body, top to bottom, a blank line between them */
  body: Section[];
  footer: string[];
}

/** The body's lines, each with the section it belongs to (undefined: a blank line between sections). */
function bodyLines(body: Section[]): Array<{ line: string; section?: Section }> {
  const lines: Array<{ line: string; section?: Section }> = [];
  for (const section of body.filter((each) => each.text.trim() !== "")) {
    if (lines.length > 0) lines.push({ line: "" });
    for (const line of section.text.replace(/\s+$/, "").split("\n")) lines.push({ line, section });
  }
  return lines;
}

/** The body as plain text, sections apart: what the screen shows when it fits. */
export function bodyText(body: Section[]): string {
  return bodyLines(body)
    .map(({ line }) => line)
    .join("\n");
}

export function drawScreen(screen: Screen, output: NodeJS.WriteStream = process.stdout): void {
  output.write(`${CLEAR}${fitScreen(screen, output.rows || 40, output.columns || 100)}`);
}

/** The screen's text for a terminal of this size, the body cut to leave room for the footer. */
export function fitScreen(screen: Screen, rows: number, columns: number): string {
  const rowsOf = (line: string) => Math.max(1, Math.ceil(visibleLength(line) / columns));
  const room = Math.max(3, rows - screen.footer.reduce((sum, line) => sum + rowsOf(line), 0) - 1);
  const lines = bodyLines(screen.body);
  const kept: string[] = [];
  let used = 0;
  for (const [index, { line, section }] of lines.entries()) {
    if (used + rowsOf(line) > room - 1 && index < lines.length - 1) {
      const more = lines.length - index;
      // The section the cut falls in: the blank line before a section counts as that section's.
      const command = (section ?? lines[index + 1]?.section)?.fullTextCommand;
      kept.push(`… ${more} more lines${command ? ` (all of it: ${command})` : " (make the window taller to see them)"}`);
      break;
    }
    kept.push(line);
    used += rowsOf(line);
  }
  return `${kept.join("\n")}\n\n${screen.footer.join("\n")}`;
}
