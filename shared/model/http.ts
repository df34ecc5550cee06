// Small helpers over node:http: read a bounded body, answer JSON, wait while the client is
// still there.

import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiError } from "./errors.ts";

/** Providers cap request bodies too; 1 MiB is plenty for a chat. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The body as text; a 413 ApiError when it is larger than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Past the limit we keep reading but throw the bytes away: answering before the client
  // has finished sending would make most clients see a reset connection, not our 413.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) {
    throw new ApiError(
      413,
      `The request body is ${size} bytes; the offline model accepts at most ${limit} bytes (1 MiB).`,
      "invalid_request_error",
      null,
      "request_too_large",
    );
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The path of a request target, without its query and trailing slashes: "/v1/models/?x=1"
 * -> "/v1/models". Accepts a path ("/v1/models") or an absolute URL
 * ("http://127.0.0.1:4010/v1/models", as proxies send). Anything else ("//", "*",
 * "http://[::1/x") is a 400 invalid_request_target.
 */
export function requestPath(target: string): string {
  let url: URL | undefined;
  try {
    if (target.startsWith("/") && !target.startsWith("//")) url = new URL(target, "http://offline-model");
    else if (/^https?:\/\//i.test(target)) url = new URL(target);
  } catch {
    url = undefined;
  }
  if (!url) {
    const shown = target.length > 100 ? `${target.slice(0, 97)}...` : target;
    throw new ApiError(
      400,
      `Invalid request target ${JSON.stringify(shown)}: expected a path such as /v1/chat/completions.`,
      "invalid_request_error",
      null,
      "invalid_request_target",
    );
  }
  let end = url.pathname.length;
  while (end > 1 && url.pathname.charAt(end - 1) === "/") end -= 1;
  return url.pathname.slice(0, end);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.headersSent) return; // the client is gone, or a reply is under way
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.status, error.toBody(), error.headers);
}

/** Waits `ms`; false when `signal` aborts first (client gone, server closing). */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false; // the timer was cleared: nobody is waiting for the answer any more
  }
}
