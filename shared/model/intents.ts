// Reading a user's message: does it ask about the weather (and where), or for arithmetic
// (and what)? Plain regular expressions, so you can predict what the model will do.

export const KNOWN_CITIES = [
  "Paris",
  "Tokyo",
  "London",
  "New York",
  "Sydney",
  "Cairo",
  "Reykjavik",
  "Lima",
] as const;

const WEATHER_WORDS = /weather|temperature|forecast|how (hot|cold|warm)/i;
// A capitalised place after "in" that is not a known city: "weather in Atlantis".
const PLACE_AFTER_IN = /\b[Ii]n ([A-Z][a-z]+(?: [A-Z][a-z]+)?)/g;

const CALCULATE_VERB = /^(?:calculate|compute)\b[\s:,]*(.*)$/is;
const WHAT_IS = /^(?:what is|what['’]s)\b(.*)$/is;
// Two numbers joined by an operator: "12 * 7", "2.5+1", "3 * (4".
const ARITHMETIC = /\d+(\.\d+)?\s*[-+*/^%]\s*[-(]*\d/;
const EXPRESSION_CHAR = /[\d\s+\-*/^%().]/;
const ONLY_EXPRESSION = /^[\d\s+\-*/^%().]+$/;

export function asksAboutWeather(text: string): boolean {
  return WEATHER_WORDS.test(text);
}

/** The cities a message mentions, in the order it mentions them, each once. */
export function findCities(text: string): string[] {
  const found: Array<{ name: string; start: number; end: number }> = [];

  for (const city of KNOWN_CITIES) {
    // City names contain no regex special characters, so they can go in as they are.
    for (const match of text.matchAll(new RegExp(`\\b${city}\\b`, "gi"))) {
      found.push({ name: city, start: match.index, end: match.index + match[0].length });
    }
  }

  for (const match of text.matchAll(PLACE_AFTER_IN)) {
    const name = match[1] ?? "";
    const start = match.index + match[0].length - name.length;
    const end = start + name.length;
    // "in New York" was already found as a known city: skip the overlap.
    const overlaps = found.some((city) => city.start < end && start < city.end);
    if (!overlaps) found.push({ name, start, end });
  }

  found.sort((a, b) => a.start - b.start);
  return [...new Set(found.map((city) => city.name))];
}

/**
 * The arithmetic a message asks for, or undefined if it asks for none.
 * - "calculate X" / "compute X" (X containing a digit): all of X, even if it is not valid
 *   arithmetic ("calculate 2 + banana"); the calculator tool is the one to reject it.
 * - "what is X" where X is nothing but an expression ("what is -3 + 4?"): X.
 * - otherwise the first "number operator number" span in the text, widened over the
 *   digits, operators, spaces and parentheses around it.
 * ("What's the weather for the next 3 days?" is therefore not arithmetic.)
 */
export function findExpression(text: string): string | undefined {
  const trimmed = text.trim();

  const verb = CALCULATE_VERB.exec(trimmed);
  if (verb) {
    const rest = withoutEndPunctuation(verb[1] ?? "");
    if (/\d/.test(rest)) return rest;
  }

  const whatIs = WHAT_IS.exec(trimmed);
  if (whatIs) {
    const rest = withoutEndPunctuation(whatIs[1] ?? "");
    if (/\d/.test(rest) && ONLY_EXPRESSION.test(rest)) return rest;
  }

  return arithmeticSpan(trimmed);
}

function arithmeticSpan(text: string): string | undefined {
  const match = ARITHMETIC.exec(text);
  if (!match) return undefined;

  let start = match.index;
  let end = start + match[0].length;
  while (start > 0 && /[\s(]/.test(text.charAt(start - 1))) start -= 1;
  while (end < text.length && EXPRESSION_CHAR.test(text.charAt(end))) end += 1;
  // A sentence's final full stop is not a decimal point.
  return text.slice(start, end).trim().replace(/\.+$/, "").trim();
}

function withoutEndPunctuation(text: string): string {
  return text.trim().replace(/[?.!]+$/, "").trim();
}
