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

/** The client side: asks the chat server a question in a CLIENT span, the root of the trace. */
export async function askChatServer(serverUrl: string, sessionId: string, question: string): Promise<string> {
  // The session goes into this call's context twice: as a context attribute (for this side's
  // span) and as baggage (which propagation.inject writes into the request for the server).
  let callContext = setSession(context.active(), { sessionId });
  callContext = propagation.setBaggage(callContext, propagation.createBaggage({ [SESSION_ID]: { value: sessionId } }));
  return context.with(callContext, () => postQuestion(new URL(CHAT_ROUTE, serverUrl), question));
}

async function postQuestion(url: URL, question: string): Promise<string> {
  return tracer.startActiveSpan(
    `POST ${CHAT_ROUTE}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        // The root of the trace: Phoenix lists the trace by this span's kind, input and output.
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.CHAIN,
        [ATTR_HTTP_REQUEST_METHOD]: "POST",
        [ATTR_URL_FULL]: url.href,
        [ATTR_SERVER_ADDRESS]: url.hostname,
        [ATTR_SERVER_PORT]: Number(url.port),
        [INPUT_VALUE]: question,
        [INPUT_MIME_TYPE]: MimeType.TEXT,
        ...contextAttributes(),
      },
    },
    async (span) => {
      try {
        const headers: Record<string, string> = { "content-type": "application/json" };
        // Inside the span's callback, the active context holds this span and the baggage: inject
        // writes them as `traceparent: 00-<trace id>-<this span's id>-01` and `baggage: session.id=...`.
        propagation.inject(context.active(), headers);
        const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ question }) });
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
        const body = (await response.json()) as { reply?: string; error?: string };
        if (!response.ok) throw new ChatServerError(response.status, body.error ?? response.statusText);
        const reply = body.reply ?? "";
        span.setAttributes({ [OUTPUT_VALUE]: reply, [OUTPUT_MIME_TYPE]: MimeType.TEXT });
        span.setStatus({ code: SpanStatusCode.OK });
        return reply;
      } catch (error) {
        // For a client, any 4xx or 5xx is a failed call; so is no answer at all (error.type: what happened).
        span.recordException(error as Error);
        span.setAttribute(ATTR_ERROR_TYPE, error instanceof ChatServerError ? String(error.status) : (error as Error).name);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        throw error;
      } finally {
        span.end();
      }
    },
  );
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
