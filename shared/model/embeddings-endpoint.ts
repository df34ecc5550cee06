// POST /v1/embeddings, OpenAI's shape: {"model", "input": "text" | ["text", ...], "encoding_format",
// "dimensions"} is answered {"object": "list", "data": [{"object": "embedding", "index", "embedding"}],
// "model", "usage": {"prompt_tokens", "total_tokens"}}. The vectors come from embedding-vectors.ts:
// deterministic, so a test can compute the same ones. A mistake in the request is a 400 naming the
// field, as for chat; the faults queued with injectEmbeddingFaults() apply here (not the chat's
// markers: a chat turn whose model is asked to fail still retrieves its documents).

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Embedding, EmbeddingRequest, EmbeddingResponse } from "../openai/types.ts";
import { DEFAULT_SLOW_MS, dropConnection, rateLimitError, sendMalformed, serverError, upstreamError, type FaultQueue } from "./faults.ts";
import { pause, readBody, sendJson } from "./http.ts";
import { stripMarkers } from "./markers.ts";
import { EMBEDDING_DIMENSIONS, embedText, vectorToBase64 } from "./embedding-vectors.ts";
import { invalidRequest } from "./errors.ts";
import { countTokens } from "./token-count.ts";
import { describe, emptyArray, isObject, missing, parseJsonBody, requireString, wrongType } from "./validate.ts";

/** OpenAI's limit on the texts of one request. */
export const MAX_EMBEDDING_INPUTS = 2048;

export interface EmbeddingsContext {
  faults: FaultQueue;
  /** aborts when the client disconnects or the server closes */
  signal: AbortSignal;
}

export async function handleEmbeddings(req: IncomingMessage, res: ServerResponse, { faults, signal }: EmbeddingsContext): Promise<void> {
  const request = validateEmbeddingRequest(parseJsonBody(await readBody(req)));
  const fault = faults.take();
  switch (fault === "none" ? undefined : fault?.kind) {
    case "http-429":
      throw rateLimitError();
    case "http-500":
      throw serverError();
    case "malformed":
      return sendMalformed(res);
    case "slow":
      if (!(await pause((fault as { ms?: number }).ms ?? DEFAULT_SLOW_MS, signal))) return;
      break;
    // As for a chat request that is not streamed: the connection lost, or the gateway's error as a 500.
    case "stream-abort":
      return dropConnection(res);
    case "stream-error":
      throw upstreamError();
  }
  sendJson(res, 200, embeddingResponse(request));
}

/** The answer to a valid request. */
export function embeddingResponse(request: EmbeddingRequest): EmbeddingResponse {
  const texts = typeof request.input === "string" ? [request.input] : request.input;
  const data: Embedding[] = texts.map((text, index) => {
    // A chat marker in the text ("Hello [[fault:http-500]]") is for the chat model, not part of the text.
    const vector = embedText(stripMarkers(text).text, request.dimensions);
    return { object: "embedding", index, embedding: request.encoding_format === "base64" ? vectorToBase64(vector) : vector };
  });
  const tokens = texts.reduce((sum, text) => sum + countTokens(text), 0);
  // Embedding models answer with the name they were asked for (no dated snapshot, unlike chat).
  return { object: "list", data, model: request.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

export function validateEmbeddingRequest(body: unknown): EmbeddingRequest {
  if (!isObject(body)) {
    throw invalidRequest(`The request body must be a JSON object, but got ${describe(body)}.`, null, "invalid_type");
  }
  const model = requireString(body.model, "model");
  if (model.trim() === "") throw invalidRequest("Invalid 'model': you must name a model.", "model", "invalid_value");

  const request: EmbeddingRequest = { model, input: validateInput(body.input) };

  if (body.encoding_format !== undefined) {
    if (body.encoding_format !== "float" && body.encoding_format !== "base64") {
      throw invalidRequest(
        `Invalid value for 'encoding_format': ${JSON.stringify(body.encoding_format)}. Supported values are: 'float' and 'base64'.`,
        "encoding_format",
        "invalid_value",
      );
    }
    request.encoding_format = body.encoding_format;
  }
  if (body.dimensions !== undefined) {
    const dimensions = body.dimensions;
    if (typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > EMBEDDING_DIMENSIONS) {
      throw invalidRequest(
        `Invalid 'dimensions': expected a whole number from 1 to ${EMBEDDING_DIMENSIONS} (the offline model's vectors are ${EMBEDDING_DIMENSIONS} long), but got ${JSON.stringify(dimensions)}.`,
        "dimensions",
        "invalid_value",
      );
    }
    request.dimensions = dimensions;
  }
  if (body.user !== undefined) request.user = requireString(body.user, "user");
  return request;
}

/** A text, or a list of 1 to 2048 texts; none of them empty. */
function validateInput(input: unknown): string | string[] {
  if (input === undefined) throw missing("input");
  if (typeof input === "string") {
    if (input === "") throw emptyInput("input");
    return input;
  }
  if (!Array.isArray(input)) throw wrongType("input", "a string or an array of strings", input);
  if (input.length === 0) throw emptyArray("input");
  if (input.length > MAX_EMBEDDING_INPUTS) {
    throw invalidRequest(
      `Invalid 'input': ${input.length} texts in one request; at most ${MAX_EMBEDDING_INPUTS} are allowed. Send them in several requests.`,
      "input",
      "array_above_max_length",
    );
  }
  return input.map((text: unknown, index) => {
    const param = `input[${index}]`;
    if (typeof text === "number" || Array.isArray(text)) {
      // Token ids: OpenAI takes them, but they are ids of its own tokenizer, which the offline model does not have.
      throw invalidRequest(
        `Invalid '${param}': the offline model embeds text only, not token ids. Send the texts themselves.`,
        param,
        "invalid_type",
      );
    }
    if (typeof text !== "string") throw wrongType(param, "a string", text);
    if (text === "") throw emptyInput(param);
    return text;
  });
}

function emptyInput(param: string) {
  return invalidRequest(`Invalid '${param}': the text to embed is empty. Send at least one character.`, param, "invalid_value");
}
