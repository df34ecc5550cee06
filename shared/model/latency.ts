// A real provider's pace, for measuring an app as it runs in production: the first token of an
// answer after some hundreds of milliseconds, the next pieces every few tens. Off by default (the
// offline model answers at once, its chunks streamChunkDelayMs apart).

export interface ProviderLatency {
  /** before the first chunk of a stream (time to first token) */
  firstTokenMs: number;
  /** between two chunks of a stream */
  chunkMs: number;
}

/** Checks a latency given as an option: whole or fractional milliseconds, 0 or more. */
export function checkLatency(latency: ProviderLatency): ProviderLatency {
  for (const key of ["firstTokenMs", "chunkMs"] as const) {
    const value = latency[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new Error(`latency.${key} must be a number of milliseconds, 0 or more, not ${String(value)}.`);
    }
  }
  return { firstTokenMs: latency.firstTokenMs, chunkMs: latency.chunkMs };
}

/** "400,30" (first token, then between chunks, in ms) -> { firstTokenMs: 400, chunkMs: 30 }. */
export function parseLatency(text: string): ProviderLatency {
  const parts = text.split(",").map((part) => part.trim());
  if (parts.length !== 2 || parts.some((part) => part === "" || Number.isNaN(Number(part)))) {
    throw new Error(`A latency is two numbers of milliseconds, the first token's and then between chunks (e.g. 400,30), not "${text}".`);
  }
  return checkLatency({ firstTokenMs: Number(parts[0]), chunkMs: Number(parts[1]) });
}

/**
 * How long a provider takes to send a whole answer that it would stream in `chunks` chunks: a
 * non-streamed answer arrives when its stream would have ended.
 */
export function wholeAnswerDelayMs(latency: ProviderLatency, chunks: number): number {
  return latency.firstTokenMs + latency.chunkMs * Math.max(0, chunks - 1);
}
