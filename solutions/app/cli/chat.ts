// `npm run chat`: the chatbot in the terminal, talking to the running app (`npm run app`).
// It keeps the conversation and a session id, like the web page; /new starts over, /quit leaves.
// The answer is printed as it streams in (POST /api/chat/stream). Each turn is traced as lesson 9
// teaches the client side: a CLIENT span, the root of the turn's trace, whose context goes to the
// app as W3C `traceparent` and whose session id goes as W3C `baggage` (the app's SERVER span
// continues the trace and takes the session from it). Spans go to Phoenix (cli/tracing.ts).
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline/promises";
import { stdin, stdout } from "node:process";
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
import { setupClientTracing, type ClientTracing } from "./tracing.ts";

const appUrl = (process.env.APP_URL || `http://127.0.0.1:${process.env.APP_PORT || 8000}`).replace(/\/+$/, "");
/** The span event of an answer the user stopped (Ctrl-C) before it was complete, as lesson 8 names it. */
const STREAM_STOPPED_EVENT = "Stream Stopped Event";

let tracing: ClientTracing;
try {
  tracing = setupClientTracing();
} catch (error) {
  // A setting the app would refuse too (an unknown OTEL_EXPORTER_OTLP_PROTOCOL): say which.
  console.error(`npm run chat could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const tracer = trace.getTracer("workbook-chat-cli");

let sessionId = randomUUID();
let messages: ConversationMessage[] = [];
/** the answer on its way, if any: Ctrl-C cancels it */
let pending: AbortController | undefined;
let asked = 0;
let answered = 0;

const terminal = createInterface({ input: stdin, output: stdout, prompt: "you> " });
// Ctrl-C (in a terminal, readline gets it as a key): stop waiting for the answer and leave.
// Without this handler readline only closes itself, and a pending answer keeps the process alive.
terminal.on("SIGINT", () => {
  pending?.abort();
  terminal.close();
  stdout.write("\n");
});
// Input can end while an answer is on its way (piped input, Ctrl-D): the lines already read still
// come, but no prompt follows (Node 24 throws ERR_USE_AFTER_CLOSE on prompt() after close).
let closed = false;
terminal.on("close", () => (closed = true));
console.log(`Chatting with ${appUrl} (session ${sessionId}). /new starts over, /quit, Ctrl-D or Ctrl-C leaves.`);
terminal.prompt();

// Reading lines as an async iterator queues the ones typed (or piped in) while an answer is on its way.
for await (const line of terminal) {
  const text = line.trim();
  if (text === "/quit" || text === "/exit") break;
  if (text === "/new") {
    sessionId = randomUUID();
    messages = [];
    console.log(`New conversation (session ${sessionId}).`);
  } else if (text !== "") {
    if (!stdin.isTTY) console.log(text); // echo piped input, so the transcript reads like a chat
    messages.push({ role: "user", content: text });
    pending = new AbortController();
    asked++;
    let printed = false;
    const print = (piece: string) => {
      stdout.write(printed ? piece : `bot> ${piece}`);
      printed = true;
    };
    try {
      const answer = await chat(messages, text, print, pending.signal);
      messages.push(answer.message);
      answered++;
      if (!printed) print(answer.message.content);
      stdout.write("\n");
      if (answer.traceId) console.log(`     trace ${answer.traceId}: ${appUrl}/api/traces/${answer.traceId}`);
    } catch (error) {
      messages.pop(); // unanswered: not part of the conversation
      if (printed) stdout.write("\n");
      if (pending.signal.aborted) break; // Ctrl-C
      console.log(`!!   ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      pending = undefined;
    }
  }
  if (!closed) terminal.prompt();
}
terminal.close();
await tracing.shutdown(); // the last turn's span is on its way to Phoenix
// Piped in (a script, CI): when no question got an answer, say so with the exit code too.
if (!stdin.isTTY && asked > 0 && answered === 0) {
  console.error(`None of the ${asked} question(s) got an answer.`);
  process.exitCode = 1;
}

/**
 * One turn, asked in a CLIENT span (lesson 9): the root of the turn's trace, so it reads as the
 * chat in Phoenix (the question in, the reply out, as text). Inside it, propagation.inject writes
 * the span's context as `traceparent` and the session id (baggage in the call's context) as
 * `baggage`; the body carries no sessionId, so the app takes it from the baggage.
 */
async function chat(conversation: ConversationMessage[], question: string, onText: (piece: string) => void, signal: AbortSignal): Promise<ChatResponse> {
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
          if (signal.aborted) {
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
