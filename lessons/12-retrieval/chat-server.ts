// The chat server: POST /chat with {"question": "..."} is answered {"reply": "...", "spanId",
// "traceId"}, the chat turn (chatbot.ts) doing the work. Lesson 9 traces each request as a SERVER
// span, the child of the caller's CLIENT span (the W3C headers traceparent and baggage are read
// here). Lesson 10 judges the answers: the answer names its SERVER span, the span to judge; a
// user's vote comes back as POST /feedback {"spanId", "vote", "userId"} (feedback.ts), and each
// answer is judged by the evaluations (evaluations.ts) once it has been sent.
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
import type { PhoenixClient } from "@arizeai/phoenix-client";
import type { LanguageModel } from "ai";
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import { whyPhoenixFailed } from "../../shared/phoenix/annotation-failure.ts";
import { answer } from "./chatbot.ts";
import { contextAttributes } from "./context-attributes.ts";
import { answersTheQuestion, judgeAnswer, namesEveryCity, type Evaluator, type Verdict } from "./evaluations.ts";
import { errorMessage } from "./failure-replies.ts";
import { BadVote, recordVote, voteOf } from "./feedback.ts";

const tracer = trace.getTracer("workbook-chatbot");

/** The chat endpoint's route: the same on both sides. */
export const CHAT_ROUTE = "/chat";
/** Where votes come: {"spanId": "...", "vote": "up" | "down", "userId": "..."}. */
export const FEEDBACK_ROUTE = "/feedback";

/** Starts the chat server on a free port of 127.0.0.1 (loopback only: nothing outside this machine can reach it). */
export async function startChatServer(model: ModelConnection, options: JudgingOptions = {}): Promise<ChatServer> {
  const judging = judgingFor(model, options);
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method === "POST" && path === CHAT_ROUTE) void handleChat(judging, request, response);
    else if (request.method === "POST" && path === FEEDBACK_ROUTE) void handleFeedback(judging, request, response);
    else respond(response, 404, { error: `Nothing here: the chatbot answers POST ${CHAT_ROUTE} and POST ${FEEDBACK_ROUTE}.` });
  });
  const judged = async () => {
    while (judging.underWay.size > 0) await Promise.allSettled([...judging.underWay]);
  };
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    judged,
    close: () =>
      judged().then(() => new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })),
  };
}

/** The server side of one request, traced as a SERVER span: the child of the caller's span when its traceparent names one. */
async function handleChat(judging: Judging, request: IncomingMessage, response: ServerResponse): Promise<void> {
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
          const reply = await answer(judging.model, [], question);
          span.setAttributes({ [OUTPUT_VALUE]: reply, [OUTPUT_MIME_TYPE]: MimeType.TEXT, [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200 });
          span.setStatus({ code: SpanStatusCode.OK });
          // The answer names the span to judge, this SERVER span, and its trace: a vote needs them.
          const { spanId, traceId } = span.spanContext();
          respond(response, 200, { reply, spanId, traceId });
          // Judged after the answer is sent, not awaited: the user never waits for the judges.
          // Started here, the EVALUATOR spans are children of this span, in the answer's trace.
          const judgement = judgeAnswer({ question, reply }, spanId, judging.evaluators, judging.phoenix, (failure) => judging.tell(failure, "the verdicts"))
            .then((verdicts) => judging.onJudged?.({ spanId, traceId, verdicts }))
            .finally(() => judging.underWay.delete(judgement));
          judging.underWay.add(judgement);
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

/** POST /feedback: the vote, recorded in Phoenix. Phoenix down or refusing is a 502 that says so, never a crash. */
async function handleFeedback(judging: Judging, request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    const vote = voteOf(await readBody(request));
    if (!judging.phoenix) return respond(response, 503, { error: "Feedback goes to Phoenix, and none is set up: set PHOENIX_COLLECTOR_ENDPOINT." });
    await recordVote(judging.phoenix, vote);
    respond(response, 200, { saved: vote });
  } catch (error) {
    if (error instanceof BadVote) return respond(response, 400, { error: error.message });
    respond(response, 502, { error: whyPhoenixFailed(error, judging.phoenix?.config.baseUrl ?? "(none)", "the vote") });
  }
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

export interface ChatServer {
  /** where it listens, e.g. http://127.0.0.1:53211 */
  url: string;
  /** resolves once every judging under way has ended */
  judged(): Promise<void>;
  /** waits for the judging under way, then stops */
  close(): Promise<void>;
}

export interface JudgingOptions {
  /** where votes and verdicts go (annotations); none: votes are refused, verdicts only traced */
  phoenix?: PhoenixClient;
  /** the LLM-as-judge's model; default: the chat's own */
  judge?: LanguageModel;
  /** told each answer's verdicts (the lesson's run prints them) */
  onJudged?(judged: { spanId: string; traceId: string; verdicts: Verdict[] }): void;
  /** told what went wrong with Phoenix, each distinct message once; default console.warn */
  warn?(message: string): void;
}

/** What a request handler needs: the chat's model, the evaluators, and where votes and verdicts go. */
interface Judging extends JudgingOptions {
  model: ModelConnection;
  evaluators: Evaluator[];
  underWay: Set<Promise<unknown>>;
  tell(failure: unknown, what: string): void;
}

/** The judges and where their verdicts go, for the request handlers; a Phoenix failure is told once per message. */
function judgingFor(model: ModelConnection, options: JudgingOptions): Judging {
  const told = new Set<string>();
  return {
    ...options,
    model,
    evaluators: [namesEveryCity, answersTheQuestion(options.judge ?? model.languageModel())],
    underWay: new Set(),
    tell(failure, what) {
      const message = whyPhoenixFailed(failure, options.phoenix?.config.baseUrl ?? "(none)", what);
      if (!told.has(message)) (options.warn ?? console.warn)(message);
      told.add(message);
    },
  };
}
