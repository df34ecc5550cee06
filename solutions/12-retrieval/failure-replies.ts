// What the user reads when the model call fails: the cause, and what to do. Nothing here is
// traced; lesson 6 records the same failures on the spans.
import {
  ModelApiError,
  ModelConnectionCutError,
  ModelConnectionError,
  ModelResponseError,
  ModelStreamError,
  ModelTimeoutError,
} from "../../shared/chatbot/model-errors.ts";

/** An error the model call can end with: the provider answered an error, or could not be read, reached, or waited for. */
export function isModelFailure(error: unknown): boolean {
  return [ModelApiError, ModelResponseError, ModelTimeoutError, ModelConnectionError, ModelStreamError].some((type) => error instanceof type);
}

export function explainModelFailure(error: unknown): string {
  if (error instanceof ModelApiError && error.status === 429) {
    // Only the provider knows how long to wait (retry-after); without it, say nothing invented.
    const seconds = error.retryAfterSeconds;
    const wait = seconds === null ? "in a moment" : `in ${seconds} second${seconds === 1 ? "" : "s"}`;
    return `The model is busy (rate limited). Please try again ${wait}.`;
  }
  if (error instanceof ModelApiError && error.status >= 500) {
    return `The model service had an error (HTTP ${error.status}). Please try again in a moment.`;
  }
  if (error instanceof ModelApiError) return `The model rejected the request (HTTP ${error.status}): ${error.message}`;
  if (error instanceof ModelTimeoutError) return "The model took too long to answer. Please try again.";
  if (error instanceof ModelResponseError) return "The model sent an answer I could not read. Please try again.";
  // A streamed answer (lesson 8) that the provider ended with an error event: its own words say why.
  if (error instanceof ModelStreamError) return `The model's provider cut the answer off; please try again. It said: ${error.providerMessage}`;
  // Reached, then cut off mid-answer: not the same as never reached.
  if (error instanceof ModelConnectionCutError) return "The model's answer was cut off. Please try again.";
  if (error instanceof ModelConnectionError) return "I could not reach the model. Please check that it is running.";
  return `Something went wrong while asking the model: ${errorMessage(error)}`;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
