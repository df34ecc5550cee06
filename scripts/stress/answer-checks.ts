// What no answer of the app may hold, and what every error answer must be: the checks the
// scenarios apply to each answer, and to the app's own output.
import { STATUS_CODES } from "node:http";
import { fileURLToPath } from "node:url";
import type { RawAnswer } from "../../shared/testing/raw-http.ts";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");

/** "    at Object.<anonymous> (/x/y.ts:3:9)", "at file:///x.ts:1:2": a stack frame. */
const STACK_FRAME = /\bat (?:async )?(?:[\w$.<>\[\] ]+ \()?(?:file:\/\/|node:|\/)[^\s)]*:\d+:\d+\)?/;

/** A secret, a stack frame or a path of this checkout in `text`: what it is, or undefined. */
export function leakIn(text: string, secrets: string[]): string | undefined {
  for (const secret of secrets) if (text.includes(secret)) return `a secret (${secret.slice(0, 6)}...)`;
  const frame = STACK_FRAME.exec(text);
  if (frame) return `a stack frame (${frame[0].slice(0, 80)})`;
  if (text.includes(projectRoot)) return `a path of the checkout (${projectRoot})`;
  if (text.includes("node_modules/")) return "a node_modules path";
  return undefined;
}

/** What is wrong with a 4xx/5xx answer's body, which must be JSON `{ error: "<a sentence>" }`: a short kind and the details. */
export function errorBodyProblem(answer: RawAnswer, head: boolean): { kind: string; detail: string } | undefined {
  const body = answer.body.toString("utf8");
  if (head) return answer.body.length === 0 ? undefined : { kind: "HEAD answer with a body", detail: body.slice(0, 80) };
  const type = answer.headers["content-type"] ?? "";
  if (!type.startsWith("application/json")) return { kind: "not JSON", detail: `content-type ${JSON.stringify(type)}, body ${JSON.stringify(body.slice(0, 80))}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: "not JSON", detail: `body ${JSON.stringify(body.slice(0, 80))}` };
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  if (typeof error !== "string" || error.trim() === "") return { kind: 'without an "error" sentence', detail: JSON.stringify(parsed).slice(0, 120) };
  // Fastify's own defaults ({ error: "Bad Request", message: "Client Error" }) name the status, not what was wrong.
  if (Object.values(STATUS_CODES).includes(error.trim())) return { kind: "whose error names no cause", detail: JSON.stringify(parsed).slice(0, 120) };
  return undefined;
}

/** The whole answer as text, headers included, for leakIn. */
export function answerText(answer: RawAnswer): string {
  return `${Object.entries(answer.headers).map(([name, value]) => `${name}: ${value}`).join("\n")}\n${answer.body.toString("utf8")}`;
}

/** The server-sent events of a streamed answer (POST /api/chat/stream), in order. */
export function streamEvents(body: Buffer): Array<{ event: string; data: unknown }> {
  const events: Array<{ event: string; data: unknown }> = [];
  for (const block of body.toString("utf8").split("\n\n")) {
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (!event) continue;
    let parsed: unknown = data;
    try {
      parsed = data === undefined ? undefined : JSON.parse(data);
    } catch {
      // kept as text: the caller says it is not JSON
    }
    events.push({ event, data: parsed });
  }
  return events;
}

/** What is wrong with a 200 stream: it must end with a `done` event (an `error` event or none at all is a failure). */
export function streamProblem(body: Buffer): string | undefined {
  const events = streamEvents(body);
  const last = events.at(-1);
  if (!last) return `no events at all: ${JSON.stringify(body.toString("utf8").slice(0, 120))}`;
  if (last.event === "error") return `it ended with an error event: ${JSON.stringify(last.data).slice(0, 160)}`;
  if (last.event !== "done") return `it ended without a done event (last: ${last.event})`;
  return undefined;
}
