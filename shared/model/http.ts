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
