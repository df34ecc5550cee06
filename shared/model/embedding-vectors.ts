// How the offline model turns a text into a vector. Real embedding models learn theirs; this one
// uses a rule you can follow by hand, so that texts which share words point the same way and the
// cosine similarity of two vectors says how many words they share:
//
//   words    = the runs of letters and digits, lower case, without the common words ("the",
//              "what", "in", ...) and a plural's final "s" ("museums" -> "museum")
//   vector   = EMBEDDING_DIMENSIONS numbers, all 0; each word adds 1 or -1 at four positions, each
//              picked by a hash of the word (FNV-1a with a seed, mixed; the sign by another bit)
//   then     = scaled to length 1, each number rounded to float32 (what providers send)
//
// A text with no word left gets a vector of its own (1 at position 0, where no word lands): it
// resembles nothing, and its cosine similarity with any text is 0.

/** The length of the offline model's vectors; a request's `dimensions` may ask for fewer. */
export const EMBEDDING_DIMENSIONS = 512;

const COMMON_WORDS = new Set(
  (
    "a an and are as at be by can could did do does for from had has have how i if in into is it its " +
    "me my of on or our should so than that the their them then there these they this to was we were " +
    "what when where which who why will with would you your about any some tell know like want"
  ).split(" "),
);

/** The words of a text that count, in order (with repeats). */
export function contentWords(text: string): string[] {
  const words: string[] = [];
  for (const [raw] of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    if (raw.length < 2 || COMMON_WORDS.has(raw)) continue;
    words.push(raw.length > 3 && raw.endsWith("s") && !raw.endsWith("ss") ? raw.slice(0, -1) : raw);
  }
  return words;
}

/** The text's vector, `dimensions` long (at most EMBEDDING_DIMENSIONS), length 1. */
export function embedText(text: string, dimensions = EMBEDDING_DIMENSIONS): number[] {
  const vector = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  const words = contentWords(text);
  if (words.length === 0) vector[0] = 1;
  for (const word of words) {
    for (let seed = 0; seed < POSITIONS_PER_WORD; seed++) {
      const hash = wordHash(word, seed);
      // Positions 1..n-1: position 0 is kept for texts with no word.
      vector[1 + (hash % (EMBEDDING_DIMENSIONS - 1))]! += hash & 0x80000000 ? -1 : 1;
    }
  }
  return normalized(vector.slice(0, dimensions));
}

/** Scaled to length 1 (as OpenAI's are), each number a float32. A vector of zeros stays zeros. */
export function normalized(vector: number[]): number[] {
  const length = Math.hypot(...vector);
  return vector.map((value) => Math.fround(length === 0 ? 0 : value / length));
}

/** The vector as OpenAI's encoding_format "base64" sends it: the base64 of its little-endian float32 bytes. */
export function vectorToBase64(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString("base64");
}

/** The vector back from its base64 form. */
export function vectorFromBase64(text: string): number[] {
  const bytes = Buffer.from(text, "base64");
  return Array.from({ length: Math.floor(bytes.length / 4) }, (_, index) => bytes.readFloatLE(index * 4));
}

/**
 * Each word lands at this many positions. Two different words that share one position (there are
 * more words than positions) then share a quarter of their direction, not all of it.
 */
const POSITIONS_PER_WORD = 4;

/** 32-bit FNV-1a of the seed and the word's UTF-8 bytes, mixed: small, fast, and the same everywhere. */
function wordHash(word: string, seed: number): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (const byte of Buffer.from(word, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // FNV's low bits mix poorly for short words: spread them (murmur3's finalizer).
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35) >>> 0;
  hash ^= hash >>> 16;
  return hash >>> 0;
}
