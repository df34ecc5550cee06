// The rows of a lesson README's "Expected spans" table, as the keys each row promises a check
// of. Verify holds every row to the keys the lesson's tests really asserted (checked-keys.ts).
// A row names what is checked in its "Key" (or "Checked") column: attribute keys in backticks
// (`input.value`; `...tool_calls.0.tool_call.id` or `.function.name` match by their end), or
// the words status, event `exception`, ended, parent; code such as `phoenixExporter(...)` by its name;
// an OpenInference key without a dot (`metadata`) by its being one; a span event by its name
// (`First Token Stream Event`: capitalised words ending in "Event").
import { SemanticConventions } from "@arizeai/openinference-semantic-conventions";

export interface ExpectedRow {
  /** the row as written, for the report */
  text: string;
  /** what must have been checked; each entry is a key or a key ending (starting with ".") */
  keys: string[];
}

const WORDS = ["status", "exception", "ended", "parent"];
const EVENT_NAME = /^(?:[A-Z][a-z]+ )+Event$/;
const OPENINFERENCE_KEYS = new Set<string>(Object.values(SemanticConventions));

export function expectedRows(readme: string): ExpectedRow[] {
  const section = readme.split(/^## Expected spans\s*$/m)[1]?.split(/^## /m)[0];
  if (!section) return [];
  const table = section.split("\n").filter((line) => line.trim().startsWith("|"));
  if (table.length < 3) return [];
  const header = cells(table[0]!);
  const column = header.findIndex((cell) => /^(key|checked)$/i.test(cell));
  if (column < 0) return [];
  return table.slice(2).map((line) => {
    const cell = cells(line)[column] ?? "";
    return { text: line.trim(), keys: keysOf(cell) };
  });
}

function cells(line: string): string[] {
  return line.trim().replace(/^\||\|$/g, "").split("|").map((cell) => cell.trim());
}

function keysOf(cell: string): string[] {
  const keys = [...cell.matchAll(/`([^`]+)`/g)]
    .map((match) => match[1]!.trim())
    .map((token) => token.replace(/\(.*$/s, "")) // phoenixExporter({ ... }) -> phoenixExporter
    .map((token) => token.replace(/^\.\.\./, "."))
    .filter((token) => token.includes(".") || /^[a-z]+[A-Z][A-Za-z]*$/.test(token) || OPENINFERENCE_KEYS.has(token) || EVENT_NAME.test(token));
  for (const word of WORDS) if (new RegExp(`\\b${word}\\b`).test(cell.replace(/`[^`]*`/g, (code) => (code === "`exception`" ? "exception" : "")))) keys.push(word);
  return [...new Set(keys)];
}

/** The row's keys that no check asserted. */
export function uncheckedKeys(row: ExpectedRow, checked: readonly string[]): string[] {
  return row.keys.filter((key) => (key.startsWith(".") ? !checked.some((each) => each.endsWith(key)) : !checked.includes(key)));
}
