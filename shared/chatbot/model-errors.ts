// What can go wrong when calling a model, as error classes the chatbot can tell apart.
// Messages name the cause and the fix; they never contain the API key.
import type { ChatCompletionStreamEvent, StreamErrorEvent } from "../openai/types.ts";
import { redactUrlCredentials } from "../phoenix/url-credentials.ts";

/** The API answered with an HTTP error status (429, 500, 400, ...). */
export class ModelApiError extends Error {
  override name = "ModelApiError";
  constructor(
    message: string,
    readonly status: number,
    readonly type: string | null,
    // Not named `code`: span.recordException() would report it as exception.type.
    readonly apiCode: string | null,
    /** from the `retry-after` header of a 429, in seconds */
    readonly retryAfterSeconds: number | null,
    /** the provider's own explanation (error.message of its body), as sent: may run to several lines */
    readonly providerMessage: string | null = null,
  ) {
    super(message);
  }
}

/**
 * The provider ended a stream with an error event instead of the rest of the answer (a gateway
 * such as LiteLLM whose upstream failed mid-answer): `data: {"error": {...}}`, no `choices`.
 * Its message is the provider's own words.
 */
export class ModelStreamError extends Error {
  override name = "ModelStreamError";
  /** the provider's own explanation, as sent */
  readonly providerMessage: string;
  /** the error's code as sent (LiteLLM: the upstream's status as a string, "500"); not named `code`, see ModelApiError */
  readonly apiCode: string | null;
  constructor(event: StreamErrorEvent) {
    const providerMessage = redactUrlCredentials(String(event.error?.message ?? "(no message)"));
    super(`The model's provider ended the stream with an error: ${providerMessage}`);
    this.providerMessage = providerMessage;
    this.apiCode = event.error?.code === undefined || event.error.code === null ? null : String(event.error.code);
  }
}

/** Whether a streamed event is the provider's error event rather than a chunk of the answer. */
export function isStreamError(event: ChatCompletionStreamEvent): event is StreamErrorEvent {
  return typeof (event as Partial<StreamErrorEvent>).error === "object" && (event as Partial<StreamErrorEvent>).error !== null;
}

/** The API answered 200 but the body was not the JSON it should be. */
export class ModelResponseError extends Error {
  override name = "ModelResponseError";
}

/** The model did not answer within the time limit. */
export class ModelTimeoutError extends Error {
  override name = "ModelTimeoutError";
}

/** The API could not be reached at all (refused, reset, DNS). */
export class ModelConnectionError extends Error {
  override name = "ModelConnectionError";
}

/**
 * The model was reached, then the connection was cut before its answer was complete (a stream
 * that stops, a connection closed mid-answer). Not "could not be reached": a retry may work.
 */
export class ModelConnectionCutError extends ModelConnectionError {
  override name = "ModelConnectionCutError";
}
