// A failed model call as an HTTP answer: 504 when the model was too slow, 502 for anything
// else the model (or the way to it) did wrong. The message is for the user; no stack trace.
import { ModelApiError, ModelConnectionError, ModelResponseError, ModelTimeoutError } from "../../../shared/chatbot/model-errors.ts";

export interface ModelFailure {
  statusCode: 502 | 504;
  message: string;
}

/** undefined when the error is not a model failure (a bug: the route answers 500). */
export function modelFailure(error: unknown): ModelFailure | undefined {
  if (error instanceof ModelTimeoutError) {
    return { statusCode: 504, message: "The model took too long to answer. Please try again." };
  }
  if (error instanceof ModelApiError && error.status === 429) {
    return { statusCode: 502, message: `The model is busy (rate limited, HTTP 429). Please try again in ${error.retryAfterSeconds ?? 10} seconds.` };
  }
  if (error instanceof ModelApiError && error.status >= 500) {
    return { statusCode: 502, message: `The model service had an error (HTTP ${error.status}). Please try again in a moment.` };
  }
  if (error instanceof ModelApiError) {
    return { statusCode: 502, message: `The model rejected the request (HTTP ${error.status}): ${error.message}` };
  }
  if (error instanceof ModelResponseError) {
    return { statusCode: 502, message: "The model sent an answer that could not be read. Please try again." };
  }
  if (error instanceof ModelConnectionError) {
    return { statusCode: 502, message: "The model could not be reached. Check OPENAI_BASE_URL and that the model server is running." };
  }
  return undefined;
}
