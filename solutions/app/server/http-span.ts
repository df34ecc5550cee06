// One SERVER span per API request, the parent of everything the request does.
// - Its parent is the client's span when the request carries a W3C `traceparent` header
//   (a traced frontend or another service): client and server then share one trace. A W3C
//   `baggage` header is read too (the routes take the session id from it: routes/chat.ts).
// - It carries OTel's http.* attributes and also an OpenInference kind (CHAIN): Phoenix reads
//   only `openinference.span.kind` and would show a span without it as UNKNOWN.
// - It is usually the trace's root, and Phoenix reads a trace's (and a session's) input and
//   output from the root span (its trace list and its Sessions view): so its input.value / output.value are
//   the words a person reads, as text (for the chat: the question and the reply; for a failed
//   request: the error the client was told), never the raw JSON bodies. The bodies' sizes go
//   in http.request.body.size / http.response.body.size.
// Fastify runs hooks and the handler in separate async steps, so the span's context is kept on
// the request and the handler re-enters it with `context.with(requestContext(request), ...)`.
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Context, type Span } from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { MimeType, OpenInferenceSpanKind, SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from "@opentelemetry/semantic-conventions";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { clientHungUp } from "./cancellation.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** the request's SERVER span and the context that has it as the active span */
    serverSpan: { span: Span; context: Context; exchange: ExchangeText | undefined; streamFailure?: StreamFailure } | null;
  }
}

// Development-status HTTP conventions: copied, as @opentelemetry/semantic-conventions advises,
// rather than imported from its "incubating" entry point.
const ATTR_HTTP_REQUEST_BODY_SIZE = "http.request.body.size";
const ATTR_HTTP_RESPONSE_BODY_SIZE = "http.response.body.size";

const tracer = trace.getTracer("workbook-chatbot-app");
// The app's own propagator, not the global one: which headers the server reads is its decision.
const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });

/** A streamed answer that failed after its 200 went out: the error event the client was sent. */
interface StreamFailure {
  message: string;
  /** error.type: the class of the error, e.g. ModelConnectionCutError */
  type: string;
}

/**
 * What a traced route's SERVER span shows as the exchange: the text a person reads, taken from
 * the parsed request body and from the answer before it is serialized. Either may be left out
 * (or give undefined): the span then has no input.value / output.value of its own, only its
 * http.* attributes. A failed request's output is always the error it answers with.
 */
export interface ExchangeText {
  input?(body: unknown): string | undefined;
  output?(answer: unknown): string | undefined;
}

/** Gives each request to one of `routes` (e.g. "/api/chat") a SERVER span; each route says what its exchange reads as. */
export function traceHttpRequests(app: FastifyInstance, { routes }: { routes: Record<string, ExchangeText> }): void {
  app.decorateRequest("serverSpan", null);
  const exchangeText = (request: FastifyRequest) => routes[request.routeOptions.url ?? ""];

  app.addHook("onRequest", async (request, reply) => {
    const route = request.routeOptions.url;
    if (!route || !Object.hasOwn(routes, route)) return;
    // The client's trace context, if it sent one; otherwise this span starts a new trace.
    const parent = propagator.extract(ROOT_CONTEXT, request.headers, {
      get: (headers, key) => headers[key],
      keys: (headers) => Object.keys(headers),
    });
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.CHAIN,
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          [ATTR_HTTP_ROUTE]: route,
          [ATTR_URL_PATH]: request.url.split("?")[0],
          [ATTR_URL_SCHEME]: request.protocol,
          [ATTR_CLIENT_ADDRESS]: request.ip,
          // The address and port this request came in on, as lesson 9 records them (none under inject()).
          ...(request.socket.localAddress ? { [ATTR_SERVER_ADDRESS]: request.socket.localAddress, [ATTR_SERVER_PORT]: request.socket.localPort } : {}),
          ...(request.headers["user-agent"] ? { [ATTR_USER_AGENT_ORIGINAL]: request.headers["user-agent"] } : {}),
          ...requestBodySize(request.headers["content-length"]),
        },
      },
      parent,
    );
    request.serverSpan = { span, context: trace.setSpan(parent, span), exchange: exchangeText(request) };

    // The client hung up before the answer was sent (a closed tab, Ctrl-C in `npm run chat`),
    // at any point of the request: Fastify's onResponse never runs then, so end the span here.
    // (The chat route also cancels the model call: see cancellation.ts.)
    reply.raw.once("close", () => {
      if (!request.serverSpan || !clientHungUp(reply)) return;
      request.serverSpan.span.setStatus({ code: SpanStatusCode.ERROR, message: "The client closed the connection before the answer was sent." });
      request.serverSpan.span.end();
      request.serverSpan = null;
    });
  });

  // The parsed body is known from here on (invalid bodies never get this far).
  app.addHook("preHandler", async (request) => {
    if (!request.serverSpan || request.body === undefined) return;
    const input = exchangeText(request)?.input?.(request.body);
    if (input !== undefined) {
      request.serverSpan.span.setAttributes({ [SemanticConventions.INPUT_VALUE]: input, [SemanticConventions.INPUT_MIME_TYPE]: MimeType.TEXT });
    }
  });

  // The answer as an object, before it becomes JSON: every answer the app sends, the error
  // handler's included (a plain string or a Buffer would skip this hook; the app sends neither).
  app.addHook("preSerialization", async (request, _reply, answer: unknown) => {
    recordOutput(request, answer);
    return answer;
  });

  app.addHook("onSend", async (request, _reply, payload) => {
    if (request.serverSpan && (typeof payload === "string" || Buffer.isBuffer(payload))) {
      request.serverSpan.span.setAttribute(ATTR_HTTP_RESPONSE_BODY_SIZE, Buffer.byteLength(payload));
    }
    return payload;
  });

  app.addHook("onResponse", async (request, reply) => {
    const serverSpan = request.serverSpan;
    if (!serverSpan) return;
    serverSpan.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
    // For a server, a 4xx is the client's mistake, not an error of this span; a 5xx is, and so
    // is a streamed answer that ended in an error event.
    if (reply.statusCode >= 500) {
      serverSpan.span.setAttribute(ATTR_ERROR_TYPE, String(reply.statusCode));
      serverSpan.span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${reply.statusCode}` });
    } else if (serverSpan.streamFailure) {
      serverSpan.span.setAttribute(ATTR_ERROR_TYPE, serverSpan.streamFailure.type);
      serverSpan.span.setStatus({ code: SpanStatusCode.ERROR, message: serverSpan.streamFailure.message });
    } else {
      serverSpan.span.setStatus({ code: SpanStatusCode.OK });
    }
    serverSpan.span.end();
    request.serverSpan = null;
  });
}

/** The SERVER span's output.value: the error the client was told, or the route's text of the answer. */
function recordOutput(request: FastifyRequest, answer: unknown): void {
  if (!request.serverSpan) return;
  const output = errorText(answer) ?? request.serverSpan.exchange?.output?.(answer);
  if (output !== undefined) {
    request.serverSpan.span.setAttributes({ [SemanticConventions.OUTPUT_VALUE]: output, [SemanticConventions.OUTPUT_MIME_TYPE]: MimeType.TEXT });
  }
}

/**
 * For a route that streams its answer (server-sent events): Fastify serializes no object then,
 * so the route says what its last event carried, and the SERVER span reads as it would for a
 * JSON answer: the reply, or the `{ error }` the client was told. An error event makes the
 * request a failure (ERROR, error.type `errorType`) although its 200 went out first.
 */
export function recordStreamedAnswer(request: FastifyRequest, answer: unknown, errorType?: string): void {
  if (!request.serverSpan) return;
  recordOutput(request, answer);
  const error = errorText(answer);
  if (error !== undefined) request.serverSpan.streamFailure = { message: error, type: errorType ?? "Error" };
}

/** The `{ error }` every failure answers with (see error-responses.ts): what the client was told. */
function errorText(answer: unknown): string | undefined {
  if (typeof answer !== "object" || answer === null || !("error" in answer)) return undefined;
  return typeof answer.error === "string" ? answer.error : undefined;
}

/** The request body's size as the client declared it; nothing for a chunked body (no content-length). */
function requestBodySize(contentLength: string | undefined): Record<string, number> {
  const size = Number(contentLength);
  return contentLength !== undefined && Number.isSafeInteger(size) && size >= 0 ? { [ATTR_HTTP_REQUEST_BODY_SIZE]: size } : {};
}

/**
 * The SERVER span's trace and span id when the span is recorded and sampled (exported); {}
 * otherwise: a trace link or feedback on a span that was never recorded would point at nothing.
 */
export function recordedIds(span: Span | undefined): { traceId?: string; spanId?: string } {
  if (!span?.isRecording()) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return (traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? { traceId, spanId } : {};
}

/** The context to run a request's work in: its server span is the active span there. */
export function requestContext(request: FastifyRequest): Context {
  return request.serverSpan?.context ?? context.active();
}
