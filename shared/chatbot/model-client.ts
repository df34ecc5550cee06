// A raw OpenAI-compatible client over `fetch` (chat completions, embeddings): no SDK, no tracing.
// The lessons wrap these calls in spans themselves; that is the point of the workbook.
import type { ApiErrorBody, ChatCompletion, ChatCompletionRequest, ChatCompletionStreamEvent, EmbeddingRequest, EmbeddingResponse } from "../openai/types.ts";
import { ModelApiError, ModelConnectionCutError, ModelConnectionError, ModelResponseError, ModelTimeoutError } from "./model-errors.ts";
import { redactUrlCredentials, splitUrlCredentials } from "../phoenix/url-credentials.ts";

export interface ModelClientOptions {
  /**
   * e.g. http://127.0.0.1:4010/v1 or https://api.openai.com/v1. A user:password@ in it is sent
   * as Basic authorization (when there is no apiKey) and never appears in a message.
   */
  baseUrl: string;
  apiKey?: string;
  /** per request, for the whole response (streams included); default 30 s */
  timeoutMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ModelClient {
  createChatCompletion(request: ChatCompletionRequest, options?: CallOptions): Promise<ChatCompletion>;
  /**
   * Yields each SSE event as it arrives: a chunk of the answer, or (from a gateway whose upstream
   * failed mid-answer) an error event with no `choices`, after which the stream ends with no
   * `data: [DONE]`. Like a raw client, it hands the error event on as it came: reading it is the
   * caller's job. Ends after `data: [DONE]`.
   */
  streamChatCompletion(request: ChatCompletionRequest, options?: CallOptions): AsyncGenerator<ChatCompletionStreamEvent>;
  /** POST /embeddings: the response as it came (vectors as lists, or base64 text when the request asked for it). */
  createEmbeddings(request: EmbeddingRequest, options?: CallOptions): Promise<EmbeddingResponse>;
}

export function createModelClient({ baseUrl, apiKey, timeoutMs = 30_000 }: ModelClientOptions): ModelClient {
  const { url: bareBaseUrl, authorization: basicAuthorization } = splitUrlCredentials(baseUrl);
  const url = `${bareBaseUrl.replace(/\/+$/, "")}/chat/completions`;
  const embeddingsUrl = `${bareBaseUrl.replace(/\/+$/, "")}/embeddings`;
  const authorization = apiKey ? `Bearer ${apiKey}` : basicAuthorization;

  /** The model's response, and `release` to call once its body has been read (or given up on). */
  async function post(request: ChatCompletionRequest | EmbeddingRequest, options: CallOptions, to = url): Promise<{ response: Response; release: () => void }> {
    const limit = options.timeoutMs ?? timeoutMs;
    const { signal, release } = callSignal(limit, options.signal);
    let response: Response;
    try {
      response = await fetch(to, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify(request),
        signal,
      });
    } catch (error) {
      release();
      throw translateFetchError(error, to, limit);
    }
    if (!response.ok) {
      const error = await apiErrorFrom(response);
      release();
      throw error;
    }
    return { response, release };
  }

  return {
    async createChatCompletion(request, options = {}) {
      const { response, release } = await post({ ...request, stream: false }, options);
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        // The model answered (status and headers arrived), then the body was cut off.
        throw translateFetchError(error, url, options.timeoutMs ?? timeoutMs, { answering: true });
      } finally {
        release();
      }
      return parseCompletion(text);
    },

    async createEmbeddings(request, options = {}) {
      const { response, release } = await post(request, options, embeddingsUrl);
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        throw translateFetchError(error, embeddingsUrl, options.timeoutMs ?? timeoutMs, { answering: true });
      } finally {
        release();
      }
      return parseEmbeddings(text, typeof request.input === "string" ? 1 : request.input.length);
    },

    async *streamChatCompletion(request, options = {}) {
      const { response, release } = await post({ ...request, stream: true }, options);
      if (!response.body) {
        release();
        throw new ModelResponseError("The model's streamed response had no body.");
      }
      const decoder = new TextDecoder();
      let buffered = "";
      try {
        for await (const bytes of response.body) {
          buffered += decoder.decode(bytes as Uint8Array, { stream: true });
          // SSE events are separated by a blank line; keep the unfinished tail for later.
          const events = buffered.split(/\r?\n\r?\n/);
          buffered = events.pop() ?? "";
          for (const event of events) {
            const data = event
              .split(/\r?\n/)
              .filter((line) => line.startsWith("data:"))
              .map((line) => line.slice(5).trimStart())
              .join("\n");
            if (data === "") continue;
            if (data === "[DONE]") return;
            yield parseChunk(data);
          }
        }
      } catch (error) {
        if (error instanceof ModelResponseError) throw error;
        throw translateFetchError(error, url, options.timeoutMs ?? timeoutMs, { answering: true });
      } finally {
        // Also when the caller stops reading early (its for-await loop ends this generator).
        release();
      }
      throw new ModelConnectionCutError("The model's stream ended before `data: [DONE]`: the connection was cut off mid-answer.");
    },
  };
}

/**
 * One call's signal: aborted by its time limit (a TimeoutError, as AbortSignal.timeout's) or by
 * the caller's signal, and released as soon as the call is over. AbortSignal.timeout's timer
 * outlives the call until the garbage collector finds the signal, and the timer holds on to the
 * async context it was started in: in a traced app, the turn's spans, whole conversation and all
 * (the finished app under load: 61 MB of live heap instead of 26, peak RSS up to twice the
 * untraced app's; `npm run bench`).
 */
function callSignal(limitMs: number, caller: AbortSignal | undefined): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")), limitMs);
  timer.unref(); // as AbortSignal.timeout: a call in progress does not keep the process alive
  const onCallerAbort = () => controller.abort(caller?.reason);
  if (caller?.aborted) onCallerAbort();
  else caller?.addEventListener("abort", onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    release: () => {
      clearTimeout(timer);
      caller?.removeEventListener("abort", onCallerAbort);
    },
  };
}

function parseCompletion(text: string): ChatCompletion {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ModelResponseError(`The model answered with a body that is not valid JSON: ${preview(text)}`);
  }
  const choices = (body as Partial<ChatCompletion> | null)?.choices;
  if (!Array.isArray(choices) || choices.length === 0 || typeof choices[0]?.message !== "object") {
    throw new ModelResponseError(`The model's answer has no choices[0].message: ${preview(text)}`);
  }
  return body as ChatCompletion;
}

function parseEmbeddings(text: string, expected: number): EmbeddingResponse {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ModelResponseError(`The embeddings endpoint answered with a body that is not valid JSON: ${preview(text)}`);
  }
  const data = (body as Partial<EmbeddingResponse> | null)?.data;
  if (!Array.isArray(data) || data.length !== expected) {
    throw new ModelResponseError(`The embeddings endpoint's answer should have ${expected} vector(s) in "data": ${preview(text)}`);
  }
  return body as EmbeddingResponse;
}

function parseChunk(data: string): ChatCompletionStreamEvent {
  try {
    return JSON.parse(data) as ChatCompletionStreamEvent;
  } catch {
    throw new ModelResponseError(`The model streamed a chunk that is not valid JSON: ${preview(data)}`);
  }
}

async function apiErrorFrom(response: Response): Promise<ModelApiError> {
  const text = await response.text().catch(() => "");
  let detail: Partial<ApiErrorBody["error"]> = {};
  try {
    detail = (JSON.parse(text) as ApiErrorBody).error ?? {};
  } catch {
    // Not every gateway answers JSON; the status line still tells the story.
  }
  const retryAfter = Number(response.headers.get("retry-after"));
  const message = redactUrlCredentials(detail.message ?? (preview(text) || response.statusText));
  const retryHeader = response.headers.get("retry-after");
  return new ModelApiError(
    `The model API answered HTTP ${response.status}${detail.type ? ` (${detail.type})` : ""}: ${message}`,
    response.status,
    detail.type ?? null,
    detail.code ?? null,
    // Seconds only (an HTTP date is rare from model APIs); no header: null, never a made-up figure.
    retryHeader !== null && retryHeader.trim() !== "" && Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : null,
    typeof detail.message === "string" ? message : null,
  );
}

/** Socket errors that mean the server was reached and then the connection was lost. */
const CUT_OFF_CODES = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE", "UND_ERR_CLOSED"]);

function translateFetchError(error: unknown, url: string, timeoutMs: number, { answering = false } = {}): Error {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return error.name === "TimeoutError"
      ? new ModelTimeoutError(`The model did not answer within ${timeoutMs} ms (${url}).`)
      : error;
  }
  const causeError = error instanceof Error ? (error.cause as (Error & { code?: string }) | undefined) : undefined;
  const cause = redactUrlCredentials(error instanceof Error ? (causeError?.message ?? error.message) : String(error));
  if (answering || (causeError?.code && CUT_OFF_CODES.has(causeError.code))) {
    return new ModelConnectionCutError(`The connection to the model at ${url} was cut off before its answer was complete: ${cause}.`);
  }
  return new ModelConnectionError(
    `Could not reach the model at ${url}: ${cause}. Is OPENAI_BASE_URL right and the server running?`,
  );
}

function preview(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}...` : text;
}
