// Feedback as Phoenix sees it: a span annotation named "user_feedback", written by a HUMAN,
// on the span of the answer (POST /v1/span_annotations, as the seed's chatbot does).
// Phoenix stores annotations asynchronously and attaches them once the span has arrived.

import { phoenixAuthAdvice } from "../../../shared/phoenix/headers.ts";

export interface PhoenixConnection {
  /** the Phoenix UI / REST API, e.g. http://localhost:6006 (no credentials in it) */
  url: string;
  apiKey?: string;
  /** every header for Phoenix (config.phoenixHeaders); default: the API key as a bearer token */
  headers?: Record<string, string>;
}

/** Phoenix did not answer at all: not running, wrong URL. */
export class PhoenixUnreachableError extends Error {
  override name = "PhoenixUnreachableError";
}

/** Phoenix answered, with an error status. */
export class PhoenixRejectedError extends Error {
  override name = "PhoenixRejectedError";
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

export async function sendFeedback(phoenix: PhoenixConnection, spanId: string, score: 0 | 1): Promise<void> {
  const url = `${phoenix.url}/v1/span_annotations`;
  const body = {
    data: [
      {
        span_id: spanId,
        name: "user_feedback",
        annotator_kind: "HUMAN",
        result: { label: score === 1 ? "thumbs-up" : "thumbs-down", score },
        metadata: {},
      },
    ],
  };
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...phoenixHeaders(phoenix) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
  } catch (error) {
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new PhoenixUnreachableError(
      `Phoenix is not reachable at ${phoenix.url} (${cause}), so the feedback was not saved. ` +
        "Start it with `npm run phoenix`, or set PHOENIX_URL to where it runs.",
    );
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel().catch(() => {});
    throw new PhoenixRejectedError(`The feedback was not saved. ${phoenixAuthAdvice(response.status, phoenixHeaders(phoenix))}`, response.status);
  }
  if (!response.ok) {
    const detail = (await response.text().catch(() => "")).slice(0, 200).replace(/\s+/g, " ").trim();
    throw new PhoenixRejectedError(`Phoenix refused the feedback (HTTP ${response.status}): ${detail}`, response.status);
  }
}

export function phoenixHeaders(phoenix: PhoenixConnection): Record<string, string> {
  if (phoenix.headers) return phoenix.headers;
  return phoenix.apiKey ? { authorization: `Bearer ${phoenix.apiKey}` } : {};
}
