// Errors the offline model answers with, in the OpenAI shape:
// `{ error: { message, type, param, code } }` plus an HTTP status.
// Handlers throw an ApiError; the server turns it into the response, so a bad request
// can never crash the process.

import type { ApiErrorBody } from "../openai/types.ts";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** extra response headers, e.g. `retry-after` on a 429 */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  toBody(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A 400 the client caused: a field is missing, has the wrong type or a wrong value. */
export function invalidRequest(message: string, param: string | null, code: string | null): ApiError {
  return new ApiError(400, message, "invalid_request_error", param, code);
}
