// When an attribute has the wrong value, what its shape says about the mistake: a number sent as
// text, a list sent as one joined string, JSON text inside JSON text, a piece of the expected
// value (pieces overwritten instead of appended). Named from the value alone, never guessed: each
// rule needs the value to be exactly what that mistake produces.
import type { AttributeValue } from "@opentelemetry/api";

/** The mistake the value's shape shows, when it shows one. */
export function shapeMistake(key: string, expected: AttributeValue | undefined, value: AttributeValue | undefined): string | undefined {
  if (value === undefined || expected === undefined) return undefined;
  if (typeof expected === "number" && typeof value === "string" && value.trim() !== "" && Number(value) === expected) {
    return `"${key}" holds the number as text (${JSON.stringify(value)}): set the number itself, ${expected}, so that Phoenix can add it up and sort by it.`;
  }
  if (typeof expected === "boolean" && typeof value === "string" && value === String(expected)) {
    return `"${key}" holds the boolean as text (${JSON.stringify(value)}): set ${expected} itself.`;
  }
  if (Array.isArray(expected) && typeof value === "string") {
    if (value === JSON.stringify(expected)) {
      return `"${key}" is the list as JSON text (${value.length > 80 ? `${value.slice(0, 80)}...` : value}): the spec wants the list itself, an array attribute of ${typeof expected[0]}s.`;
    }
    const joined = [",", ", ", " ", ";"].find((separator) => value === expected.join(separator));
    if (joined !== undefined && expected.length > 1) {
      return `"${key}" is the list joined into one string (${JSON.stringify(value)}): set the array itself; span attributes may be lists of strings.`;
    }
  }
  if (typeof expected === "string" && typeof value === "string") {
    if (isJsonTextOf(value, expected)) {
      return `"${key}" is JSON text inside JSON text: JSON.stringify was applied to a value that already was JSON text. Stringify the object once.`;
    }
    if (value !== "" && value.length < expected.length && (expected.endsWith(value) || expected.startsWith(value))) {
      return expected.endsWith(value)
        ? `"${key}" holds only the last piece of the expected text: each piece overwrote the one before. Append the pieces (text += piece) and set the whole at the end.`
        : `"${key}" holds only the first pieces of the expected text: it was set before the last pieces arrived. Set it once, after the whole text is in.`;
    }
  }
  return undefined;
}

/** For a check that wants JSON text: the value is JSON text whose content is JSON text again. */
export function jsonInJsonMistake(key: string, value: AttributeValue | undefined): string | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const inner: unknown = JSON.parse(value);
    if (typeof inner === "string") JSON.parse(inner);
    else return undefined;
  } catch {
    return undefined;
  }
  return `"${key}" is JSON text inside JSON text: JSON.stringify was applied to a value that already was JSON text. Stringify the object once.`;
}

/** The value is the expected text stringified once more: "\"{\\\"a\\\":1}\"" for "{\"a\":1}". */
function isJsonTextOf(value: string, expected: string): boolean {
  try {
    return JSON.parse(value) === expected;
  } catch {
    return false;
  }
}

/** What the check says when the key is not set, though the code did set it: OpenTelemetry dropped the value. */
export function droppedValueMistake(key: string): string {
  return `"${key}" was set, but to a value OpenTelemetry drops without a word (it logs "Invalid attribute value set for key"): an object, or a list mixing types. Attributes hold strings, numbers, booleans and lists of one of these: JSON.stringify the object.`;
}
