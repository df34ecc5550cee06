// The workbook's offline model: a small OpenAI-compatible chat-completions server on
// loopback. The chatbot calls it over real HTTP, exactly as it would call a provider, so
// every span a lesson creates around that call is a real one. Its answers are
// deterministic (see replies.ts), which makes traces and tests repeatable.
//
//   POST /v1/chat/completions   the chat API (JSON or a stream)
//   POST /v1/embeddings         vectors for texts (embedding-vectors.ts), for retrieval
//   GET  /v1/models             the one model it serves
//   POST /_offline/faults       queue faults from another process (see faults.ts);
//                               only with the option faultRoute (on by default)

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { handleChatCompletion } from "./chat-endpoint.ts";
import { handleEmbeddings } from "./embeddings-endpoint.ts";
import { ApiError } from "./errors.ts";
import { FaultQueue, faultListFrom, type FaultSpec } from "./faults.ts";
import { checkLatency, type ProviderLatency } from "./latency.ts";
import { readBody, requestPath, sendError, sendJson } from "./http.ts";
import { streamStyleFrom, type StreamStyleSpec } from "./stream-style.ts";
import { parseJsonBody } from "./validate.ts";

export interface OfflineModelOptions {
  /** default 0: the system picks a free port */
  port?: number;
  /** default "127.0.0.1": reachable from this machine only */
  host?: string;
  /** the name GET /v1/models lists; default "workbook-offline" */
  modelName?: string;
  /** pause between two streamed chunks; default 5 */
  streamChunkDelayMs?: number;
  /**
   * Serve POST /_offline/faults, so that another process can queue faults; default true.
   * false: that path is a 404 like any unknown one (injectFaults() and markers still work).
   */
  faultRoute?: boolean;
  /**
   * Stream like another provider: "litellm", a list of variants (["text-first",
   * "usage-choice"]), or an object. Default "openai". See stream-style.ts.
   */
  streamStyle?: StreamStyleSpec;
  /** usage with prompt_tokens_details and completion_tokens_details; default false */
  usageDetails?: boolean;
  /** usage with `cost` (US dollars), as some proxies send; default false */
  usageCost?: boolean;
  /**
   * Answer at a real provider's pace: a stream's first chunk after `firstTokenMs`, the next ones
   * `chunkMs` apart (instead of streamChunkDelayMs); a non-streamed answer when its stream would
   * have ended. Default none: answers at once. See latency.ts.
   */
  latency?: ProviderLatency;
}

export interface OfflineModel {
  /** e.g. "http://127.0.0.1:53211/v1": what OPENAI_BASE_URL would be */
  baseUrl: string;
  port: number;
  modelName: string;
  /**
   * Replaces the fault queue: the next chat requests take one entry each, in order
   * ("none" = answer normally). `injectFaults()` clears it.
   * Accepts fault objects or their text form: "http-500", "slow=2000", "none".
   */
  injectFaults(...faults: FaultSpec[]): void;
  /**
   * The same for POST /v1/embeddings requests, which have a queue of their own (a stream fault
   * does what it does to a chat request that is not streamed).
   */
  injectEmbeddingFaults(...faults: FaultSpec[]): void;
  /** POST /v1/chat/completions requests received so far, whatever their outcome */
  requestCount(): number;
  /** POST /v1/embeddings requests received so far, whatever their outcome */
  embeddingRequestCount(): number;
  /** Stops the server, closing open connections and cancelling slow answers and streams. */
  close(): Promise<void>;
}

export type { Fault, FaultName, FaultSpec } from "./faults.ts";
export type { StreamStyle, StreamStyleSpec, StreamVariant } from "./stream-style.ts";
export type { ProviderLatency } from "./latency.ts";

export const DEFAULT_MODEL_NAME = "workbook-offline";
/** A fixed `created` for the model listing: nothing about it changes between runs. */
const MODEL_CREATED = 1735689600; // 2025-01-01T00:00:00Z

interface Route {
  method: "GET" | "POST";
  handle(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> | void;
}

export async function startOfflineModel(options: OfflineModelOptions = {}): Promise<OfflineModel> {
  const host = options.host ?? "127.0.0.1";
  const modelName = options.modelName ?? DEFAULT_MODEL_NAME;
  const streamChunkDelayMs = options.streamChunkDelayMs ?? 5;
  const streamStyle = streamStyleFrom(options.streamStyle); // throws on an unknown variant
  const usage = { details: options.usageDetails === true, cost: options.usageCost === true };
  const latency = options.latency === undefined ? undefined : checkLatency(options.latency); // throws on a bad one

  const faults = new FaultQueue();
  const embeddingFaults = new FaultQueue();
  let chatRequests = 0;
  let embeddingRequests = 0;
  // Aborted by close(): cancels slow answers and streams still in progress.
  const closing = new AbortController();

  const routes = new Map<string, Route>([
    [
      "/v1/chat/completions",
      {
        method: "POST",
        handle(req, res, signal) {
          chatRequests += 1;
          return handleChatCompletion(req, res, { faults, streamChunkDelayMs, latency, streamStyle, usage, signal });
        },
      },
    ],
    [
      "/v1/embeddings",
      {
        method: "POST",
        handle(req, res, signal) {
          embeddingRequests += 1;
          return handleEmbeddings(req, res, { faults: embeddingFaults, signal });
        },
      },
    ],
    [
      "/v1/models",
      {
        method: "GET",
        handle(_req, res) {
          sendJson(res, 200, {
            object: "list",
            data: [{ id: modelName, object: "model", created: MODEL_CREATED, owned_by: "openinference-workbook" }],
          });
        },
      },
    ],
  ]);
  if (options.faultRoute !== false) {
    routes.set("/_offline/faults", {
      method: "POST",
      async handle(req, res) {
        faults.set(faultListFrom(parseJsonBody(await readBody(req))));
        res.writeHead(204).end();
      },
    });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const path = requestPath(req.url ?? "/"); // a 400 for a target that is not a path
    const target = routes.get(path);

    if (!target) {
      throw new ApiError(404, `Invalid URL (${method} ${path})`, "invalid_request_error", null, "unknown_url");
    }
    if (method !== target.method) {
      throw new ApiError(
        405,
        `Method ${method} is not allowed on ${path}; use ${target.method}.`,
        "invalid_request_error",
        null,
        "method_not_allowed",
        { allow: target.method },
      );
    }

    // Stop work for this request when its client disconnects or the server closes.
    const clientGone = new AbortController();
    res.on("close", () => clientGone.abort());
    await target.handle(req, res, AbortSignal.any([closing.signal, clientGone.signal]));
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (error instanceof ApiError) return sendError(res, error);
      if (res.destroyed) return; // e.g. the client hung up while sending its body
      // A bug in the model itself: say so instead of crashing the process.
      console.error("[offline model]", error);
      sendError(res, new ApiError(500, `The offline model failed: ${String(error)}`, "server_error"));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closed: Promise<void> | undefined;

  return {
    baseUrl: `http://${urlHost}:${port}/v1`,
    port,
    modelName,
    injectFaults: (...specs) => faults.set(specs),
    injectEmbeddingFaults: (...specs) => embeddingFaults.set(specs),
    requestCount: () => chatRequests,
    embeddingRequestCount: () => embeddingRequests,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        // close() alone waits for keep-alive connections to time out; tests must not wait.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
