// The chat client: asks the chat server (chat-server.ts) a question over HTTP. Lesson 9 traces the
// call as a CLIENT span, the root of the trace, and writes the W3C headers that carry the trace and
// the session to the server: traceparent and baggage.
import { SpanKind, SpanStatusCode, context, propagation, trace } from "@opentelemetry/api";
import { setSession } from "@arizeai/openinference-core";
import { ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ATTR_URL_FULL } from "@opentelemetry/semantic-conventions";
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
import { CHAT_ROUTE } from "./chat-server.ts";
import { contextAttributes } from "./context-attributes.ts";
import { errorMessage } from "./failure-replies.ts";

const tracer = trace.getTracer("workbook-chatbot");

/** The client side: asks the chat server a question. */
export async function askChatServer(serverUrl: string, sessionId: string, question: string): Promise<string> {
  // TODO 2: put the session in this call's context twice: setSession (for this side's span) and propagation.setBaggage (for the server).
  const callContext = context.active();
  return context.with(callContext, () => postQuestion(new URL(CHAT_ROUTE, serverUrl), question));
}

async function postQuestion(url: URL, question: string): Promise<string> {
  // TODO 3: trace the call as a CLIENT span, the root of the trace: kind SpanKind.CLIENT, CHAIN, url.full, http.request.method, server.address, server.port, the question as input, ...contextAttributes().
  const headers: Record<string, string> = { "content-type": "application/json" };
  // TODO 4: inside the CLIENT span, write traceparent and baggage into these headers: propagation.inject(context.active(), headers).
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ question }) });
  // TODO 5: record http.response.status_code, the reply as output and OK; when the call fails (an error status, or no answer), the exception, error.type and ERROR.
  const body = (await response.json()) as { reply?: string; error?: string };
  if (!response.ok) throw new ChatServerError(response.status, body.error ?? response.statusText);
  return body.reply ?? "";
}

/** The server answered with an error status. */
export class ChatServerError extends Error {
  override name = "ChatServerError";
  constructor(
    readonly status: number,
    reason: string,
  ) {
    super(`The chat server answered HTTP ${status}: ${reason}`);
  }
}
