// The chat server: POST /chat with {"question": "..."} is answered {"reply": "..."}, the chat turn
// (chatbot.ts) doing the work. Lesson 9 traces each request as a SERVER span, the child of the
// caller's CLIENT span: the W3C headers the client wrote (traceparent, baggage) are read here.
// It answers one question per request: the conversation's history stays with the caller (the
// finished app, solutions/app, takes the whole conversation in each request).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace } from "@opentelemetry/api";
import { setSession } from "@arizeai/openinference-core";
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from "@opentelemetry/semantic-conventions";
import {
  INPUT_MIME_TYPE,
  INPUT_VALUE,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
  SESSION_ID,
  SemanticConventions,
} from "@arizeai/openinference-semantic-conventions";
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import { answer } from "./chatbot.ts";
import { contextAttributes } from "./context-attributes.ts";
import { errorMessage } from "./failure-replies.ts";

const tracer = trace.getTracer("workbook-chatbot");

/** The chat endpoint's route: the same on both sides. */
export const CHAT_ROUTE = "/chat";

export interface ChatServer {
  /** where it listens, e.g. http://127.0.0.1:53211 */
  url: string;
  close(): Promise<void>;
}

/** Starts the chat server on a free port of 127.0.0.1 (loopback only: nothing outside this machine can reach it). */
export async function startChatServer(model: ModelConnection): Promise<ChatServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method === "POST" && path === CHAT_ROUTE) void handleChat(model, request, response);
    else respond(response, 404, { error: `Nothing here: the chatbot answers POST ${CHAT_ROUTE}.` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The server side of one request. */
async function handleChat(model: ModelConnection, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // TODO 6: read the caller's trace context and baggage from the headers into an empty context: propagation.extract(ROOT_CONTEXT, request.headers).
  let requestContext = context.active();
  // TODO 7: take the session id from the baggage (SESSION_ID) and put it in requestContext with setSession, so every span of the request carries it.

  await context.with(requestContext, async () => {
    // TODO 8: trace the request as a SERVER span "POST /chat": kind SpanKind.SERVER, the OpenInference kind CHAIN, the http.*, url.* and server.* attributes, ...contextAttributes(); end it in finally.
    try {
      const question = questionOf(await readBody(request));
      // TODO 9: the question as the SERVER span's input, the reply as its output (text), and http.response.status_code; status OK.
      const reply = await answer(model, [], question);
      respond(response, 200, { reply });
    } catch (error) {
      const status = error instanceof BadRequest ? 400 : 500;
      // TODO 10: record the status code; only for a 5xx, the exception, error.type and ERROR (a 4xx is the caller's mistake).
      respond(response, status, { error: error instanceof BadRequest ? error.message : "The server could not answer." });
    }
  });
}

/** A request the server cannot answer because of what it holds: a 400, with the reason. */
class BadRequest extends Error {
  override name = "BadRequest";
}

/** The question in a request body {"question": "..."}, or a BadRequest saying what is wrong. */
function questionOf(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BadRequest('The request body is not JSON. Send {"question": "..."} with content-type application/json.');
  }
  const question = (parsed as { question?: unknown } | null)?.question;
  if (typeof question !== "string" || question.trim() === "") {
    throw new BadRequest('The request body has no "question": send {"question": "..."} with a question that is not empty.');
  }
  return question;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function respond(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
