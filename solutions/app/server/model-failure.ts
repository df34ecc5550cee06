// A failed model call as an HTTP answer: 504 when the model was too slow, 502 for anything
// else the model (or the way to it) did wrong. The message is for the user: one short line,
// no stack trace; the provider's full text stays on the spans (the exception event).
import {
  ModelApiError,
  ModelConnectionCutError,
  ModelConnectionError,
  ModelResponseError,
  ModelStreamError,
  ModelTimeoutError,
} from "../../../shared/chatbot/model-errors.ts";

/** The model called tools at every step allowed and never answered: the turn failed. */
export class NoAnswerError extends Error {
  override name = "NoAnswerError";
}

/**
 * The turn's search of the city guide (lesson 12's retrieval) failed: the question could not be
 * embedded. The model is not asked; the user is told it was the search, then why (the cause as a
 * model failure: the embeddings endpoint is the model's provider too).
 */
export class RetrievalError extends Error {
  override name = "RetrievalError";
  constructor(override readonly cause: unknown) {
    super(`The search of the city guide failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export interface ModelFailure {
  statusCode: 502 | 504;
  message: string;
}

/** How much of a provider's explanation the user gets (its first line, at most this long). */
const PROVIDER_DETAIL_MAX = 200;

/** undefined when the error is not a model failure (a bug: the route answers 500). */
export function modelFailure(error: unknown): ModelFailure | undefined {
  if (error instanceof RetrievalError) {
    const cause = modelFailure(error.cause);
    // A bug in the search itself is a bug: the route answers 500, as for any other.
    return cause && { statusCode: cause.statusCode, message: `The search of the city guide for your question failed. ${cause.message}` };
  }
  if (error instanceof NoAnswerError) {
    return { statusCode: 502, message: "The model kept calling tools and gave no answer. Please try again, or ask in another way." };
  }
  if (error instanceof ModelTimeoutError) {
    return { statusCode: 504, message: "The model took too long to answer. Please try again." };
  }
  if (error instanceof ModelApiError && error.status === 429) {
    const when = error.retryAfterSeconds !== null ? `in ${error.retryAfterSeconds} second${error.retryAfterSeconds === 1 ? "" : "s"}` : "in a moment";
    return { statusCode: 502, message: `The model is busy (rate limited, HTTP 429). Please try again ${when}.` };
  }
  if (error instanceof ModelApiError && error.status >= 500) {
    return { statusCode: 502, message: `The model service had an error (HTTP ${error.status}). Please try again in a moment.` };
  }
  if (error instanceof ModelApiError) {
    const detail = shortDetail(error.providerMessage ?? error.message.replace(/^The model API answered HTTP \d+( \([^)]*\))?: /, ""));
    return { statusCode: 502, message: `The model rejected the request (HTTP ${error.status})${detail ? `: ${detail}` : "."}` };
  }
  if (error instanceof ModelResponseError) {
    return { statusCode: 502, message: "The model sent an answer that could not be read. Please try again." };
  }
  // The provider (a gateway whose upstream failed) ended the stream with an error event: its own
  // words are the reason, so the user gets them (their first line, last), as for a rejected request.
  if (error instanceof ModelStreamError) {
    const detail = shortDetail(error.providerMessage);
    return { statusCode: 502, message: `The model's provider cut the answer off; please try again.${detail ? ` It said: ${detail}` : ""}` };
  }
  // Reached, then cut off: not "could not be reached".
  if (error instanceof ModelConnectionCutError) {
    return { statusCode: 502, message: "The connection to the model was cut off before its answer was complete. Please try again." };
  }
  if (error instanceof ModelConnectionError) {
    return { statusCode: 502, message: "The model could not be reached. Check OPENAI_BASE_URL and that the model server is running." };
  }
  return undefined;
}

/** The first line, cut to PROVIDER_DETAIL_MAX characters, without a repeated "HTTP 400". */
export function shortDetail(text: string): string {
  const firstLine = (text.split(/\r?\n/).find((line) => line.trim() !== "") ?? "").trim().replace(/^(error:?\s*)?HTTP \d{3}:?\s*/i, "");
  return firstLine.length > PROVIDER_DETAIL_MAX ? `${firstLine.slice(0, PROVIDER_DETAIL_MAX - 3)}...` : firstLine;
}

/** An error's message, or what was thrown as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A one-line status message for a span (the exception event keeps the full text). */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s*\r?\n\s*/g, " | ").trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}
