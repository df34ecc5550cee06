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

/** The server side of one request, traced as a SERVER span: the child of the caller's span when its traceparent names one. */
async function handleChat(model: ModelConnection, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // The caller's trace context and baggage, read from its headers into an empty context. Not into
  // context.active(): Node runs every request in the context that was active when the server
  // started listening, and a request without traceparent must start a trace of its own.
  let requestContext = propagation.extract(ROOT_CONTEXT, request.headers);
  // The session id came as baggage; as a context attribute, every span of this request carries it.
  const sessionId = propagation.getBaggage(requestContext)?.getEntry(SESSION_ID)?.value;
  if (sessionId) requestContext = setSession(requestContext, { sessionId });

  await context.with(requestContext, () =>
    tracer.startActiveSpan(
      `POST ${CHAT_ROUTE}`,
      {
        // OTel's kind says "this process received the request"; Phoenix reads only the OpenInference kind.
        kind: SpanKind.SERVER,
        attributes: {
          [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.CHAIN,
          [ATTR_HTTP_REQUEST_METHOD]: "POST",
          [ATTR_URL_PATH]: CHAT_ROUTE,
          [ATTR_URL_SCHEME]: "http",
          [ATTR_HTTP_ROUTE]: CHAT_ROUTE,
          [ATTR_SERVER_ADDRESS]: request.socket.localAddress,
          [ATTR_SERVER_PORT]: request.socket.localPort,
          ...contextAttributes(),
        },
      },
      async (span) => {
        try {
          const question = questionOf(await readBody(request));
          span.setAttributes({ [INPUT_VALUE]: question, [INPUT_MIME_TYPE]: MimeType.TEXT });
          const reply = await answer(model, [], question);
          span.setAttributes({ [OUTPUT_VALUE]: reply, [OUTPUT_MIME_TYPE]: MimeType.TEXT, [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200 });
          span.setStatus({ code: SpanStatusCode.OK });
          respond(response, 200, { reply });
        } catch (error) {
          const status = error instanceof BadRequest ? 400 : 500;
          span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
          // A 4xx is the caller's mistake, not this span's failure: the HTTP conventions leave a
          // SERVER span's status unset then. A 5xx is ours: ERROR, the exception, error.type.
          if (status >= 500) {
            span.recordException(error as Error);
            span.setAttribute(ATTR_ERROR_TYPE, String(status));
            span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
          }
          respond(response, status, { error: error instanceof BadRequest ? error.message : "The server could not answer." });
        } finally {
          span.end();
        }
      },
    ),
  );
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
