// One terminal turn, asked of the app and traced as lesson 9 teaches the client side: a CLIENT
// span, the root of the turn's trace, whose context goes to the app as W3C `traceparent` and
// whose session id goes as W3C `baggage` (the app's SERVER span continues the trace and takes
// the session from it). The terminal (chat.ts) and the drift test (server/course-drift.test.ts)
// call it.
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { getAttributesFromContext, setSession } from "@arizeai/openinference-core";
import { MimeType, OpenInferenceSpanKind, SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from "@opentelemetry/semantic-conventions";
import type { ChatResponse, ConversationMessage } from "../api.ts";
import { CHAT_STREAM_PATH, ChatStreamError, streamChat } from "../chat-stream.ts";

/** The span event of an answer the user stopped (Ctrl-C) before it was complete, as lesson 8 names it. */
const STREAM_STOPPED_EVENT = "Stream Stopped Event";

export interface AppQuestion {
  /** the app, e.g. http://127.0.0.1:8000 */
  appUrl: string;
  /** the conversation so far, ending with the question */
  conversation: ConversationMessage[];
  question: string;
  sessionId: string;
  /** each piece of the answer's text as it arrives */
  onText?: (piece: string) => void;
  /** aborted: the user stopped the answer (Ctrl-C) */
  signal?: AbortSignal;
}

/**
 * One turn, asked in a CLIENT span (lesson 9): the root of the turn's trace, so it reads as the
 * chat in Phoenix (the question in, the reply out, as text). Inside it, propagation.inject writes
 * the span's context as `traceparent` and the session id (baggage in the call's context) as
 * `baggage`; the body carries no sessionId, so the app takes it from the baggage.
 */
export async function askApp({ appUrl, conversation, question, sessionId, onText = () => {}, signal }: AppQuestion): Promise<ChatResponse> {
  const tracer = trace.getTracer("workbook-chat-cli");
  const url = new URL(CHAT_STREAM_PATH, appUrl);
  let callContext = setSession(context.active(), { sessionId });
  callContext = propagation.setBaggage(callContext, propagation.createBaggage({ [SemanticConventions.SESSION_ID]: { value: sessionId } }));
  return context.with(callContext, () =>
    tracer.startActiveSpan(
      `POST ${CHAT_STREAM_PATH}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.CHAIN,
          [ATTR_HTTP_REQUEST_METHOD]: "POST",
          [ATTR_URL_FULL]: url.href,
          [ATTR_SERVER_ADDRESS]: url.hostname,
          [ATTR_SERVER_PORT]: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
          [SemanticConventions.INPUT_VALUE]: question,
          [SemanticConventions.INPUT_MIME_TYPE]: MimeType.TEXT,
          // session.id, from the call's context
          ...getAttributesFromContext(context.active()),
        },
      },
      async (span) => {
        let arrived = "";
        const output = (text: string) => span.setAttributes({ [SemanticConventions.OUTPUT_VALUE]: text, [SemanticConventions.OUTPUT_MIME_TYPE]: MimeType.TEXT });
        try {
          const headers: Record<string, string> = {};
          propagation.inject(context.active(), headers);
          const answer = await streamChat(appUrl, { messages: conversation }, {
            headers,
            signal,
            onStatus: (status) => span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status),
            onText: (piece) => {
              arrived += piece;
              onText(piece);
            },
          });
          output(answer.message.content);
          span.setStatus({ code: SpanStatusCode.OK });
          return answer;
        } catch (error) {
          if (signal?.aborted) {
            // Ctrl-C: the user stopped the answer; no failure (lesson 8). What had arrived is kept.
            if (arrived) output(arrived);
            span.addEvent(STREAM_STOPPED_EVENT);
            throw error;
          }
          const told =
            error instanceof ChatStreamError
              ? error.status >= 400 ? `HTTP ${error.status}: ${error.message}` : error.message
              : arrived
                ? `The connection to the app was lost in the middle of the answer. Is \`npm run app\` still running at ${appUrl}?`
                : `The app is not reachable at ${appUrl}. Start it with \`npm run app\` (or set APP_URL).`;
          // For a client, a 4xx or 5xx is a failed call; so is an error event, or no answer at all.
          output(told);
          span.recordException(error as Error);
          span.setAttribute(ATTR_ERROR_TYPE, error instanceof ChatStreamError && error.status >= 400 ? String(error.status) : (error as Error).name);
          span.setStatus({ code: SpanStatusCode.ERROR, message: told });
          throw new Error(told, { cause: error });
        } finally {
          span.end();
        }
      },
    ),
  );
}
