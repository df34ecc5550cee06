// Reading a user's message: does it ask about the weather (and where), or for arithmetic
// (and what), is it a follow-up ("And in London?"), or does it ask what came first?
// Plain regular expressions and small scanners, so you can predict what the model will do.
//
// Every function here takes time linear in the length of the text, whatever the text: no
// regular expression below can backtrack over a run of characters more than once (the
// ones that could, like "digits then an operator" searched anywhere in the text, are
// written as scanners instead). shared/model/linear-time.test.ts checks this on
// 100,000-character messages.

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

// City names contain no regex special characters, so they can go in as they are.
// (matchAll copies a global expression, so sharing these is safe.)
const CITY_PATTERNS = KNOWN_CITIES.map((city) => ({ city, pattern: new RegExp(`\\b${city}\\b`, "gi") }));

/** One message makes at most this many get_weather calls (the first cities it names). */
export const MAX_CITIES = 16;

const WEATHER_WORDS = /weather|temperature|forecast|how (hot|cold|warm)/i;
// A capitalised place after "in" that is not a known city: "weather in Atlantis".
const PLACE_AFTER_IN = /\b[Ii]n ([A-Z][a-z]+(?: [A-Z][a-z]+)?)/g;

// Anchored at the start, and `(.*)$` (with the s flag) always reaches the end in one go.
const CALCULATE_VERB = /^(?:calculate|compute)\b[\s:,]*(.*)$/is;
const WHAT_IS = /^(?:what is|what['’]s)\b(.*)$/is;
const EXPRESSION_CHARS = "0123456789 +-*/^%().";
const OPERATORS = "+-*/^%";

// "And in London?", "What about Tokyo?", "How about in Cairo?"
const FOLLOW_UP = /^(?:and|what about|how about)\b/i;

// "What did I ask first?", "What was my first question?", "Remind me what I said first."
const RECALL_FIRST = /\bfirst\b/i;
const RECALL_WHAT = /\b(?:ask|asked|question|message|say|said)\b/i;
const RECALL_WHO = /\b(?:i|my|me)\b/i;

export function asksAboutWeather(text: string): boolean {
  return WEATHER_WORDS.test(text);
}

/** "And in London?": a message that starts with "and", "what about" or "how about". */
export function isFollowUp(text: string): boolean {
  return FOLLOW_UP.test(text.trim());
}

/**
 * "What did I ask first?" and its variants: the message says "first", speaks of asking or
 * saying (ask, asked, question, message, say, said) and of the user (I, my, me).
 */
export function asksForFirstMessage(text: string): boolean {
  return RECALL_FIRST.test(text) && RECALL_WHAT.test(text) && RECALL_WHO.test(text);
}

/** The cities a message mentions, in the order it mentions them, each once (at most MAX_CITIES). */
export function findCities(text: string): string[] {
  const known: Array<{ name: string; start: number; end: number }> = [];
  for (const { city, pattern } of CITY_PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      known.push({ name: city, start: match.index, end: match.index + match[0].length });
    }
  }
  // Known cities never overlap each other, so sorted by start they are sorted by end too.
  known.sort((a, b) => a.start - b.start);

  const found = [...known];
  let next = 0; // the first known city that may still overlap a later place
  for (const match of text.matchAll(PLACE_AFTER_IN)) {
    const name = match[1] ?? "";
    const start = match.index + match[0].length - name.length;
    const end = start + name.length;
    // Places come in order too: a known city that ends before this one cannot overlap later ones.
    while (next < known.length && known[next]!.end <= start) next += 1;
    // "in New York" was already found as a known city: skip the overlap.
    const overlaps = next < known.length && known[next]!.start < end;
    if (!overlaps) found.push({ name, start, end });
  }

  found.sort((a, b) => a.start - b.start);
  return [...new Set(found.map((city) => city.name))].slice(0, MAX_CITIES);
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
    if (/\d/.test(rest) && onlyExpression(rest)) return rest;
  }

  return arithmeticSpan(trimmed);
}

function arithmeticSpan(text: string): string | undefined {
  const match = findArithmetic(text);
  if (!match) return undefined;

  let { start, end } = match;
  while (start > 0 && (isSpace(text.charAt(start - 1)) || text.charAt(start - 1) === "(")) start -= 1;
  while (end < text.length && isExpressionChar(text.charAt(end))) end += 1;
  // A sentence's final full stop is not a decimal point.
  return trimEndChars(text.slice(start, end).trim(), ".").trim();
}

/**
 * The first "number operator number" in the text: what the regular expression
 * /\d+(\.\d+)?\s*[-+*\/^%]\s*[-(]*\d/ finds, but as a scanner. Searched anywhere in a text,
 * that expression retries from every digit of a long run of digits, which is quadratic
 * (100,000 digits took 48 s); here each run is tried once, from its first digit, and every
 * character is read at most twice.
 */
export function findArithmetic(text: string): { start: number; end: number } | undefined {
  let at = 0;
  while (at < text.length) {
    if (!isDigit(text.charAt(at))) {
      at += 1;
      continue;
    }
    const start = at;
    let i = skipDigits(text, start);
    const afterNumber = i;
    // (\.\d+)?
    if (text.charAt(i) === "." && isDigit(text.charAt(i + 1))) i = skipDigits(text, i + 1);
    i = skipSpaces(text, i);
    if (i < text.length && OPERATORS.includes(text.charAt(i))) {
      let j = skipSpaces(text, i + 1);
      while (text.charAt(j) === "-" || text.charAt(j) === "(") j += 1;
      if (isDigit(text.charAt(j))) return { start, end: j + 1 };
    }
    // No match from this run; a match from later in the same run would fail the same way.
    at = afterNumber;
  }
  return undefined;
}

function skipDigits(text: string, from: number): number {
  let i = from;
  while (i < text.length && isDigit(text.charAt(i))) i += 1;
  return i;
}

function skipSpaces(text: string, from: number): number {
  let i = from;
  while (i < text.length && isSpace(text.charAt(i))) i += 1;
  return i;
}

function isDigit(char: string): boolean {
  return char >= "0" && char <= "9";
}

/** What `\s` matches (one character). */
function isSpace(char: string): boolean {
  return char !== "" && char.trim() === "";
}

/** A digit, a space, an operator, a parenthesis or a dot: /[\d\s+\-*\/^%().]/. */
function isExpressionChar(char: string): boolean {
  return char !== "" && (EXPRESSION_CHARS.includes(char) || isSpace(char));
}

/** Nothing but expression characters (and at least one of them). */
function onlyExpression(text: string): boolean {
  if (text === "") return false;
  for (let i = 0; i < text.length; i += 1) {
    if (!isExpressionChar(text.charAt(i))) return false;
  }
  return true;
}

function withoutEndPunctuation(text: string): string {
  return trimEndChars(text.trim(), "?.!").trim();
}

/** `text` without the run of `chars` at its end: /[...]+$/ without the quadratic search. */
export function trimEndChars(text: string, chars: string): string {
  let end = text.length;
  while (end > 0 && chars.includes(text.charAt(end - 1))) end -= 1;
  return text.slice(0, end);
}
