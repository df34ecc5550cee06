// Faults: the ways a real provider fails, on demand, so a lesson can trace them.
//
//   http-429      rate limited: status 429 with `retry-after: 1`
//   http-500      the provider's internal error: status 500
//   malformed     status 200, but the JSON body is cut off half-way
//   slow[=ms]     waits ms (default 5000) and then answers normally: for timeouts
//   stream-abort  a stream stops after three chunks (no [DONE]); a non-stream request
//                 loses its connection without any response
//   stream-error  a stream sends three chunks, then one error event, as LiteLLM and other
//                 gateways do when their upstream fails mid-answer:
//                   data: {"error": {"message": "...", "type": null, "param": null, "code": "500"}}
//                 with no `choices` and no [DONE]; a non-stream request gets that error as an HTTP 500
//
// Two ways to trigger one:
//   - a queue: `model.injectFaults("http-429", "none")` in the same process, or
//     POST /_offline/faults {"faults": ["http-429", "none"]} from another one.
//     Each chat request takes the next entry; "none" answers normally.
//   - a marker in the last user message: "weather in Paris [[fault:slow=3000]]" (markers.ts).
//     It fails every request of that turn (retries and the follow-up after tool calls too).
// A queued entry, "none" included, wins over a marker.

import type { ServerResponse } from "node:http";
import type { StreamErrorEvent } from "../openai/types.ts";
import { ApiError, invalidRequest } from "./errors.ts";

export type Fault =
  | { kind: "http-429" | "http-500" | "malformed" | "stream-abort" | "stream-error" }
  | { kind: "slow"; ms?: number };

/** The text form of a fault, as in a marker: "http-500", "slow", "slow=2000"... */
export type FaultName = "http-429" | "http-500" | "malformed" | "stream-abort" | "stream-error" | "slow" | `slow=${number}`;

/** One queue entry, in any of the forms injectFaults accepts. */
export type FaultSpec = Fault | FaultName | "none";

export const DEFAULT_SLOW_MS = 5000;

const SIMPLE_KINDS = ["http-429", "http-500", "malformed", "stream-abort", "stream-error"] as const;

/**
 * The longest `slow` wait: 10 minutes, longer than any client's timeout. A longer one is
 * rejected rather than clamped (Node's timers cannot wait past 2^31 - 1 ms and would fire
 * at once instead).
 */
export const MAX_SLOW_MS = 600_000;

/** "http-500" -> { kind: "http-500" }, "slow=2000" -> { kind: "slow", ms: 2000 }. */
export function parseFault(text: string): Fault {
  const name = text.trim();
  const shown = shorten(name);
  const simple = SIMPLE_KINDS.find((kind) => kind === name);
  if (simple) return { kind: simple };
  if (name === "slow") return { kind: "slow" };

  if (name.startsWith("slow=")) {
    const digits = name.slice("slow=".length);
    if (!/^\d+$/.test(digits)) {
      throw new Error(`Invalid fault "${shown}": slow=<ms> needs a whole number of milliseconds, e.g. slow=2000.`);
    }
    return checkSlow({ kind: "slow", ms: Number(digits) }, shown);
  }

  throw new Error(
    `Unknown fault "${shown}". Known faults: http-429, http-500, malformed, slow, slow=<ms>, stream-abort, stream-error.`,
  );
}

function checkSlow(fault: { kind: "slow"; ms?: number }, name: string): Fault {
  const { ms } = fault;
  if (ms === undefined) return fault;
  if (ms > MAX_SLOW_MS) {
    throw new Error(
      `Invalid fault "${name}": slow=<ms> waits at most ${MAX_SLOW_MS} ms (10 minutes), so that a ` +
        "forgotten marker cannot hang a request for days.",
    );
  }
  if (!Number.isInteger(ms) || ms < 0) {
    throw new Error(`Invalid fault "${name}": slow=<ms> needs a whole number of milliseconds, e.g. slow=2000.`);
  }
  return fault;
}

/** A fault given as an object (injectFaults({ kind: "slow", ms: 2000 })), checked like its text form. */
function checkFault(fault: Fault): Fault {
  if (fault.kind === "slow") return checkSlow(fault, `slow=${String(fault.ms)}`);
  if (SIMPLE_KINDS.includes(fault.kind)) return fault;
  return parseFault(String((fault as { kind: unknown }).kind)); // throws: unknown fault
}

/** A name as it can appear in an error message: at most 60 characters. */
function shorten(name: string): string {
  return name.length > 60 ? `${name.slice(0, 57)}...` : name;
}

function toEntry(spec: FaultSpec | string): Fault | "none" {
  if (typeof spec !== "string") return checkFault(spec);
  return spec.trim() === "none" ? "none" : parseFault(spec);
}

/** Faults waiting for the next chat requests, first in first out. */
export class FaultQueue {
  private entries: Array<Fault | "none"> = [];

  /** Replaces the queue (so a test never inherits another test's leftovers). */
  set(specs: Array<FaultSpec | string>): void {
    this.entries = specs.map(toEntry); // parses all first: one bad entry queues nothing
  }

  /** The entry for this request, or undefined when nothing is queued. */
  take(): Fault | "none" | undefined {
    return this.entries.shift();
  }
}

/** The body of POST /_offline/faults: { "faults": ["http-429", "none", ...] }. */
export function faultListFrom(body: unknown): string[] {
  const list = typeof body === "object" && body !== null ? (body as { faults?: unknown }).faults : undefined;
  if (!Array.isArray(list)) {
    throw invalidRequest('Expected a JSON body like {"faults": ["http-500", "none"]}.', "faults", "invalid_type");
  }
  return list.map((entry: unknown, i) => {
    const param = `faults[${i}]`;
    if (typeof entry !== "string") {
      throw invalidRequest(`Invalid '${param}': expected a fault name such as "http-500".`, param, "invalid_type");
    }
    try {
      if (entry.trim() !== "none") parseFault(entry);
    } catch (error) {
      throw invalidRequest((error as Error).message, param, "invalid_value");
    }
    return entry;
  });
}

// ---- what each fault does -----------------------------------------------------------

export function rateLimitError(): ApiError {
  return new ApiError(
    429,
    "Rate limit reached for the offline model (injected fault). Retry after 1 second.",
    "requests",
    null,
    "rate_limit_exceeded",
    { "retry-after": "1" },
  );
}

export function serverError(): ApiError {
  return new ApiError(
    500,
    "The offline model had an internal error (injected fault).",
    "server_error",
    null,
    null,
  );
}

/**
 * What a gateway sends when its upstream fails mid-stream: LiteLLM's own words and shape
 * (`type` null, `code` the status as a string), in an SSE event of its own.
 */
export function upstreamStreamError(): StreamErrorEvent {
  return {
    error: {
      message: "litellm.APIConnectionError: APIConnectionError: OpenAIException - Connection error. Injected by the offline model's stream-error fault.",
      type: null,
      param: null,
      code: "500",
    },
  };
}

/** The same failure answered to a request that did not stream. */
export function upstreamError(): ApiError {
  const { message } = upstreamStreamError().error;
  return new ApiError(500, message, "api_error", null, "500");
}

/** Valid JSON up to the point where the connection "broke". */
export const MALFORMED_BODY = '{"id":"chatcmpl-broken","object":"chat.completion","choices":[{"index":0,"message":{"role":"assist';

export function sendMalformed(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(MALFORMED_BODY);
}

/** Like a network failure: the socket closes and no response ever arrives. */
export function dropConnection(res: ServerResponse): void {
  res.destroy();
}
