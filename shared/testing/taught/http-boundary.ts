// What the http-boundary lesson taught, checked on any later lesson's chat server and client: setupTracing
// registers the W3C propagators; the client's call is a CLIENT span, the root of the trace, whose
// traceparent and baggage go out in the request's headers; the server's request is a SERVER span
// under the caller's span (or the root of a new trace when the caller sent no valid traceparent),
// the chat turn under it, every span of it carrying the session id that came as baggage (and none
// when none came); both carry the HTTP conventions' attributes, and say how the call failed.
import type { IncomingHttpHeaders } from "node:http";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, defaultTextMapGetter, propagation, trace } from "@opentelemetry/api";
import { W3CBaggagePropagator } from "@opentelemetry/core";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
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
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from "@opentelemetry/semantic-conventions";
import { lessonNamed, type Lesson } from "../../lessons/catalog.ts";
import { hintReference } from "../../lessons/check-contract.ts";
import { INJECTED_MARK_HEADER, w3cPropagator } from "../capture-spans.ts";
import { recordChecked } from "../checked-keys.ts";
import type { ChatAnswer } from "../http-requests.ts";
import { LessonFailure } from "../lesson-failure.ts";
import { describeSpan, expectations, type SpanChecks } from "../span-checks.ts";
import type { TracingModule } from "./tracer-setup.ts";

const KIND = SemanticConventions.OPENINFERENCE_SPAN_KIND;
/** The chat server's one route, as the http-boundary lesson names it. */
export const CHAT_ROUTE = "/chat";

/** A span and its trace, as a traceparent names them. */
export interface SpanIdentity {
  traceId: string;
  spanId: string;
}

export function traceparentOf({ traceId, spanId }: SpanIdentity, sampled = true): string {
  return `00-${traceId}-${spanId}-${sampled ? "01" : "00"}`;
}

const BY_HTTP_SIDE = {
  [SpanKind.CLIENT]: { name: "CLIENT", attributes: [ATTR_URL_FULL] },
  [SpanKind.SERVER]: { name: "SERVER", attributes: [ATTR_HTTP_ROUTE, ATTR_URL_PATH] },
} as const;

/**
 * setupTracing() registers a propagator that writes and reads both W3C headers. It runs the
 * learner's setup with the harness's provider and context manager left in place (a second
 * registration of those is refused, as always), and puts the harness's propagator back after.
 */
export async function checkPropagatorsRegistered(tracing: Pick<TracingModule, "setupTracing">, by: Pick<Lesson, "number">): Promise<void> {
  recordChecked("propagation.setGlobalPropagator");
  const lesson = lessonNamed("http-boundary");
  const fail = (headline: string, expected: string, got: string, mistake: string): never => {
    const prefix = by.number > lesson.number ? `Taught in lesson ${lesson.number} (${lesson.title}), in this lesson's tracing.ts: ` : "";
    throw new LessonFailure(`${prefix}${headline}\n  expected: ${expected}\n  got:      ${got}\n\n  Likely mistake: ${mistake}\n\n  Next: read ${hintReference(lesson, 1)}`);
  };
  const caller: SpanIdentity = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" };
  const written: Record<string, string> = {};
  let read: { traceId?: string; sessionId?: string } = {};
  propagation.disable();
  const provider = tracing.setupTracing({ exporters: [] });
  try {
    const outgoing = propagation.setBaggage(
      trace.setSpanContext(ROOT_CONTEXT, { ...caller, traceFlags: TraceFlags.SAMPLED }),
      propagation.createBaggage({ [SESSION_ID]: { value: "propagation-check" } }),
    );
    propagation.inject(outgoing, written);
    const incoming = propagation.extract(ROOT_CONTEXT, { traceparent: traceparentOf(caller), baggage: `${SESSION_ID}=propagation-check` });
    read = { traceId: trace.getSpanContext(incoming)?.traceId, sessionId: propagation.getBaggage(incoming)?.getEntry(SESSION_ID)?.value };
  } finally {
    await provider.shutdown();
    propagation.disable();
    propagation.setGlobalPropagator(w3cPropagator());
  }
  const composite = "propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] })) in setupTracing";
  if (written.traceparent === undefined && written.baggage === undefined) {
    fail(
      "After setupTracing(), propagation.inject writes no header at all: setupTracing registers no propagator.",
      `traceparent: ${traceparentOf(caller)} and baggage: ${SESSION_ID}=propagation-check`,
      "no headers",
      `setupTracing registers no propagator, and BasicTracerProvider registers none by itself: inject and extract then silently do nothing, and client and server never share a trace. Register ${composite} (inside setupTracing: a registration when the module is imported is undone by whatever sets tracing up again, as the tests do).`,
    );
  }
  if (written.traceparent !== traceparentOf(caller) || read.traceId !== caller.traceId) {
    fail(
      "After setupTracing(), the W3C traceparent header is not written or not read.",
      `traceparent: ${traceparentOf(caller)}, and extract reading it back`,
      `traceparent: ${written.traceparent ?? "(not written)"}; read back: ${read.traceId ?? "nothing"}`,
      `the registered propagator does not speak W3C Trace Context: register ${composite}.`,
    );
  }
  if (written.baggage !== `${SESSION_ID}=propagation-check` || read.sessionId !== "propagation-check") {
    fail(
      "After setupTracing(), the W3C baggage header is not written or not read.",
      `baggage: ${SESSION_ID}=propagation-check, and extract reading it back`,
      `baggage: ${written.baggage ?? "(not written)"}; read back: ${read.sessionId ?? "nothing"}`,
      `only the trace context is propagated: the session id travels in baggage, which needs the W3CBaggagePropagator too. Register ${composite}.`,
    );
  }
}

/** The one ended span of this OpenTelemetry kind; says what is wrong when there is none. */
function httpSpan(checks: SpanChecks, spanKind: SpanKind.CLIENT | SpanKind.SERVER, what: string, hint: number, whenMissing?: string): ReadableSpan {
  const side = BY_HTTP_SIDE[spanKind];
  const found = checks.all({ spanKind });
  if (found.length === 1) return found[0]!;
  if (found.length > 1) {
    checks.fail({
      headline: `Expected one ${what}, found ${found.length}.`,
      expected: `one span with kind SpanKind.${side.name}`,
      got: found.map((span) => `"${span.name}"`).join(", "),
      mistake: `only the span around the HTTP call itself has kind SpanKind.${side.name}; the spans inside it keep the default, SpanKind.INTERNAL.`,
      hint,
    });
  }
  const open = checks.unended().filter((span) => span.kind === spanKind);
  if (open.length > 0) {
    checks.fail({
      headline: `The ${what} was started but never ended, so it was never exported.`,
      expected: `an ended span with kind SpanKind.${side.name}`,
      got: `"${open[0]!.name}" still open`,
      mistake: "call span.end() in a finally block, so that every path (an answer, a 400, an exception) ends it.",
      hint,
    });
  }
  // The span meant as this one, with another kind: the HTTP attributes of its side give it away.
  const meant = checks.spans.find((span) => span.kind !== spanKind && side.attributes.some((key) => span.attributes[key] !== undefined));
  return checks.fail({
    headline: `No ${what} was found.`,
    expected: `a span with kind SpanKind.${side.name}`,
    got: checks.spans.length === 0 ? "no spans at all" : checks.spans.map((span) => `"${span.name}" (SpanKind.${SpanKind[span.kind]})`).join(", "),
    mistake: meant
      ? `"${meant.name}" has SpanKind.${SpanKind[meant.kind]}: give it kind: SpanKind.${side.name} in its options (tracer.startActiveSpan(name, { kind: SpanKind.${side.name}, attributes: {...} }, ...)). OpenTelemetry's kind is separate from the OpenInference kind, CHAIN.`
      : (whenMissing ?? `start it with tracer.startActiveSpan(name, { kind: SpanKind.${side.name}, attributes: {...} }, async (span) => ...).`),
    hint,
  });
}

export interface ClientCall {
  /** the URL the client was asked to call, e.g. http://127.0.0.1:53211/chat */
  url: string;
  question: string;
  sessionId: string;
  /** what the call returned; undefined when it threw */
  reply?: string;
  /** the status the server answered, when it answered */
  statusCode?: number;
}

/** The client's call: a CLIENT span, the root of the trace, with the HTTP attributes, the question and the reply. */
export function checkClientSpan(lessonChecks: SpanChecks, call: ClientCall): ReadableSpan {
  const checks = lessonChecks.taughtIn("http-boundary");
  const client = httpSpan(checks, SpanKind.CLIENT, "CLIENT span around the call to the chat server", 2);
  checks.isRoot(client, { hint: 2, mistake: "the client's span is the root of the trace: start it where no other span is active." });
  checks.that(/^POST( |$)/.test(client.name), {
    headline: `The CLIENT span is named "${client.name}".`,
    expected: `"POST" or "POST ${CHAT_ROUTE}": the HTTP conventions name a client span after its method (and the route, when known)`,
    got: `"${client.name}"`,
    hint: 2,
  });
  checks.attribute(client, KIND, OpenInferenceSpanKind.CHAIN, { hint: 2, usualMistake: "Phoenix reads only openinference.span.kind, not OpenTelemetry's SpanKind: without it the trace's root shows as UNKNOWN." });
  const url = new URL(call.url);
  checks.attribute(client, ATTR_HTTP_REQUEST_METHOD, "POST", { hint: 2 });
  checks.attribute(client, ATTR_URL_FULL, url.href, { hint: 2 });
  checks.attribute(client, ATTR_SERVER_ADDRESS, url.hostname, { hint: 2 });
  checks.attribute(client, ATTR_SERVER_PORT, Number(url.port), { hint: 2, usualMistake: "server.port is a number: Number(url.port)." });
  // The root span is what Phoenix lists the trace by: the question and the reply, as text.
  checks.attribute(client, INPUT_VALUE, call.question, { hint: 2 });
  checks.attribute(client, INPUT_MIME_TYPE, MimeType.TEXT, { hint: 2 });
  checks.attribute(client, SESSION_ID, call.sessionId, {
    hint: 2,
    usualMistake: "the client knows the session: put it in the call's context with setSession (and copy contextAttributes() onto the CLIENT span), or set it on the span, so the trace's root names the session too.",
  });
  if (call.statusCode !== undefined) checks.attribute(client, ATTR_HTTP_RESPONSE_STATUS_CODE, call.statusCode, { hint: 2 });
  else checks.noAttribute(client, ATTR_HTTP_RESPONSE_STATUS_CODE, "no answer came back.", { hint: 4 });
  if (call.reply !== undefined) {
    checks.attribute(client, OUTPUT_VALUE, call.reply, { hint: 2 });
    checks.attribute(client, OUTPUT_MIME_TYPE, MimeType.TEXT, { hint: 2 });
    checks.status(client, "OK", { hint: 2 });
    return client;
  }
  // For a client, an error answer (4xx or 5xx) and no answer at all are both a failed call.
  checks.status(client, "ERROR", {
    hint: 4,
    usualMistake: "for a client, a 4xx or 5xx answer is a failed call, and so is no answer at all: record the exception and set ERROR.",
    mistake:
      client.status.code === SpanStatusCode.OK && client.events.some((event) => event.name === "exception")
        ? "the exception is recorded but the status stays OK: an OK status is final, and an ERROR set after it is ignored. Set OK only once the answer is known to be good (after the response.ok check)."
        : undefined,
  });
  checks.exceptionEvent(client, undefined, { hint: 4 });
  checkStatusMessage(checks, client);
  checks.attribute(client, ATTR_ERROR_TYPE, call.statusCode !== undefined ? String(call.statusCode) : expectations.anyString, {
    hint: 4,
    usualMistake: "error.type says how the call failed: the status code as a string when the server answered with an error, else the error's name (e.g. TypeError, when fetch could not connect).",
  });
  return client;
}

/** The request the client sent carried its CLIENT span's traceparent and the session id in baggage. */
export function checkHeadersSent(lessonChecks: SpanChecks, client: ReadableSpan, headers: IncomingHttpHeaders | undefined, sessionId: string): void {
  recordChecked("propagation.inject");
  const checks = lessonChecks.taughtIn("http-boundary");
  checks.that(headers !== undefined, { headline: "The client sent no request to the server.", expected: `one POST ${CHAT_ROUTE}`, got: "none", hint: 2 });
  const expected = traceparentOf(client.spanContext());
  // Headers that are not Node's own come as one string (repeated ones joined by ", ").
  const traceparent = headers!.traceparent as string | undefined;
  const baggage = headers!.baggage as string | undefined;
  checks.that(traceparent === expected, {
    headline: "The request's traceparent header does not name the CLIENT span.",
    expected: `traceparent: ${expected}`,
    got: traceparent === undefined ? `no traceparent header (headers: ${Object.keys(headers!).filter((name) => name !== INJECTED_MARK_HEADER).join(", ")})` : `traceparent: ${traceparent}`,
    mistake:
      traceparent === undefined && baggage !== undefined
        ? "the request carried baggage but no traceparent, so propagation.inject ran outside the CLIENT span's context: where no span is active, there is no trace to write. Call propagation.inject(context.active(), headers) inside the CLIENT span's callback."
        : traceparent === undefined
          ? "the request carried neither traceparent nor baggage: call propagation.inject(context.active(), headers) inside the CLIENT span's callback and send those same headers with fetch. (Into a Headers object, inject needs a setter as its third argument: { set: (carrier, key, value) => carrier.set(key, value) }.)"
          : `the traceparent names span ${traceparent.split("-")[2]}, not the CLIENT span ${client.spanContext().spanId}: inject inside the CLIENT span's callback, where it is the active span.`,
    hint: 2,
  });
  checks.that(headers![INJECTED_MARK_HEADER] !== undefined, {
    headline: "The request's trace headers were not written by propagation.inject.",
    expected: "the headers propagation.inject(context.active(), headers) writes, inside the CLIENT span",
    got: `${Object.keys(headers!).filter((name) => name === "traceparent" || name === "baggage").join(" and ")} written some other way`,
    mistake:
      "traceparent (and baggage) written by hand: they look right, but they send only what you wrote. propagation.inject writes what the registered propagators say: tracestate, another format a team adds (B3), every baggage entry. Let it write the headers.",
    hint: 2,
  });
  const carried = baggage === undefined ? undefined : propagation.getBaggage(new W3CBaggagePropagator().extract(ROOT_CONTEXT, { baggage }, defaultTextMapGetter))?.getEntry(SESSION_ID)?.value;
  checks.that(carried === sessionId, {
    headline: `The request's baggage does not carry the session id as "${SESSION_ID}".`,
    expected: `baggage: ${SESSION_ID}=${sessionId}`,
    got: baggage === undefined ? "no baggage header" : `baggage: ${baggage}`,
    mistake: `the server can only know the session from the request: put it in the call's baggage (propagation.setBaggage(context, propagation.createBaggage({ [SESSION_ID]: { value: sessionId } }))) and make that the active context (context.with) around the CLIENT span, so that propagation.inject writes it.${baggage === undefined && traceparent === expected ? " (A traceparent written by hand carries no baggage: let propagation.inject write both headers.)" : ""}`,
    hint: 2,
  });
}

export interface ServerExpectation {
  /** the port the server listens on (server.port) */
  port: number;
  /** the route asked; default the lesson's CHAT_ROUTE (the finished app's is /api/chat) */
  route?: string;
  statusCode: number;
  /** the caller's span the SERVER span must be the child of; undefined: it must be the root of a new trace */
  parent?: SpanIdentity;
  /** the span that was active when the server started listening: no request may join its trace */
  startup?: SpanIdentity;
  /** the question and the reply, when the request was answered */
  question?: string;
  reply?: string;
}

/** The server's side of one request: a SERVER span, placed as the caller's traceparent says, with the HTTP attributes. */
export function checkServerSpan(lessonChecks: SpanChecks, expected: ServerExpectation): ReadableSpan {
  const checks = lessonChecks.taughtIn("http-boundary");
  const server = httpSpan(checks, SpanKind.SERVER, "SERVER span for the request", 3);
  const route = expected.route ?? CHAT_ROUTE;
  checks.that(server.name === `POST ${route}`, {
    headline: `The SERVER span is named "${server.name}".`,
    expected: `"POST ${route}": a server span is named after its method and route`,
    got: `"${server.name}"`,
    hint: 3,
  });
  checks.attribute(server, KIND, OpenInferenceSpanKind.CHAIN, { hint: 3, usualMistake: "Phoenix reads only openinference.span.kind, not OpenTelemetry's SpanKind: without it the span shows as UNKNOWN." });
  checks.attribute(server, ATTR_HTTP_REQUEST_METHOD, "POST", { hint: 3 });
  checks.attribute(server, ATTR_URL_PATH, route, { hint: 3 });
  checks.attribute(server, ATTR_URL_SCHEME, "http", { hint: 3 });
  checks.attribute(server, ATTR_HTTP_ROUTE, route, { hint: 3 });
  checks.attribute(server, ATTR_SERVER_ADDRESS, "127.0.0.1", { hint: 3 });
  checks.attribute(server, ATTR_SERVER_PORT, expected.port, { hint: 3 });
  checks.attribute(server, ATTR_HTTP_RESPONSE_STATUS_CODE, expected.statusCode, { hint: expected.statusCode === 200 ? 3 : 4 });
  checkPlacement(checks, server, expected);
  if (expected.question !== undefined) {
    checks.attribute(server, INPUT_VALUE, expected.question, { hint: 3 });
    checks.attribute(server, INPUT_MIME_TYPE, MimeType.TEXT, { hint: 3 });
  }
  if (expected.reply !== undefined) {
    checks.attribute(server, OUTPUT_VALUE, expected.reply, { hint: 3 });
    checks.attribute(server, OUTPUT_MIME_TYPE, MimeType.TEXT, { hint: 3 });
    checks.status(server, "OK", { hint: 3 });
    checkChatTurnUnder(checks, server);
  }
  return server;
}

function checkPlacement(checks: SpanChecks, server: ReadableSpan, expected: ServerExpectation): void {
  recordChecked("parent");
  const { traceId } = server.spanContext();
  const parentId = server.parentSpanContext?.spanId;
  const underStartup = expected.startup !== undefined && parentId === expected.startup.spanId;
  const startupWords = `the span that was active when the server started listening ("server startup", ${expected.startup?.spanId})`;
  if (expected.parent) {
    const continued = traceId === expected.parent.traceId && parentId === expected.parent.spanId;
    checks.that(continued, {
      headline: "The SERVER span is not in the caller's trace: it should be the child of the span the traceparent header names.",
      expected: `trace ${expected.parent.traceId}, parent span ${expected.parent.spanId}`,
      got: `trace ${traceId}, ${parentId ? `parent span ${parentId}${underStartup ? ` (${startupWords})` : ""}` : "no parent"}`,
      mistake:
        "the caller's context never reached the SERVER span: read it with propagation.extract(ROOT_CONTEXT, request.headers) and start the SERVER span in the context that extract returns (context.with(thatContext, () => tracer.startActiveSpan(...)), or pass it as startActiveSpan's third argument).",
      hint: 3,
    });
    return;
  }
  checks.that(!parentId, {
    headline: "A request without a valid traceparent should start a new trace: its SERVER span should be a root.",
    expected: "no parent span",
    got: `parent span ${parentId}${underStartup ? ` (${startupWords})` : ""}`,
    mistake: underStartup
      ? `the SERVER span hangs under ${startupWords}. Node runs each request in the context that was active when the server began listening; extract the caller's context into ROOT_CONTEXT, not context.active() (propagation.extract(ROOT_CONTEXT, request.headers)), so a request with no traceparent starts afresh.`
      : undefined,
    hint: 3,
  });
}

/** The chat turn's CHAIN span (the first-span lesson's) runs under the SERVER span, in its trace. */
function checkChatTurnUnder(checks: SpanChecks, server: ReadableSpan): void {
  const turns = checks.all({ kind: OpenInferenceSpanKind.CHAIN }).filter((span) => span.kind === SpanKind.INTERNAL);
  checks.that(turns.length === 1, {
    headline: "The request should run one chat turn under the SERVER span.",
    expected: "one CHAIN span of SpanKind.INTERNAL: the chat turn",
    got: `${turns.length}`,
    hint: 3,
  });
  checks.childOf(turns[0]!, server, {
    hint: 3,
    mistake: "the chat turn does not run under the SERVER span: call answer(...) inside the SERVER span's callback, where it is the active span.",
  });
}

/** Every span of the request on the server's side carries the session id that came as baggage, or none when none came. */
export function checkSessionFromBaggage(lessonChecks: SpanChecks, server: ReadableSpan, sessionId: string | undefined): void {
  const checks = lessonChecks.taughtIn("http-boundary");
  const sides = checks.inTrace(server.spanContext().traceId).spans.filter((span) => span.kind !== SpanKind.CLIENT);
  if (sessionId === undefined) {
    for (const span of sides) {
      checks.noAttribute(span, SESSION_ID, "the request carried no baggage, so there is no session to name. A made-up id would file the trace as a session of its own in Phoenix: none was sent, so leave it out.", { hint: 3 });
    }
    return;
  }
  const without = sides.filter((span) => span.attributes[SESSION_ID] !== sessionId);
  if (without.length === 0) return;
  const serverHasIt = server.attributes[SESSION_ID] === sessionId;
  const turnHasIt = sides.some((span) => span !== server && span.attributes[SESSION_ID] === sessionId);
  const first = without[0]!;
  checks.attribute(first, SESSION_ID, sessionId, {
    hint: 3,
    mistake:
      !serverHasIt && !turnHasIt
        ? `the server did not take the session id from the baggage header (baggage: ${SESSION_ID}=${sessionId}): read it with propagation.getBaggage(extractedContext)?.getEntry(SESSION_ID)?.value and put it in the context with setSession(extractedContext, { sessionId }) before the SERVER span starts; the chat turn's contextAttributes() then copy it onto every span.`
        : !serverHasIt
          ? "the chat turn's spans carry the session but the SERVER span does not: set it (setSession) before the SERVER span starts, and copy it into the SERVER span's attributes. contextAttributes() reads context.active(): call it inside context.with(requestContext, ...), or use getAttributesFromContext(requestContext)."
          : turnHasIt
            ? `${describeSpan(first)} does not carry the session that other spans of the turn do: the session is in the context, but this span's attributes do not read it. Spread ...contextAttributes() into its attributes, as every span of the turn does.`
            : `${describeSpan(first)} does not carry the session the SERVER span has: set it with setSession in the context the request runs in, so every span below reads it (contextAttributes()), not on the SERVER span alone.`,
  });
}

/** A request whose traceparent says "not sampled" (-00): nothing is recorded, and it is answered all the same. */
export function checkUnsampledFollowed(lessonChecks: SpanChecks, answer: ChatAnswer): void {
  const checks = lessonChecks.taughtIn("http-boundary");
  checks.that(answer.status === 200, { headline: "A request from a caller that does not sample was not answered.", expected: "HTTP 200 with a reply", got: `HTTP ${answer.status}: ${JSON.stringify(answer.body)}`, hint: 3 });
  checks.that(checks.spans.length === 0, {
    headline: "The caller's traceparent said \"not sampled\" (flags 00), yet the server recorded the request.",
    expected: "no spans: the caller decided not to record this trace, and the server follows its decision",
    got: `${checks.spans.length} span(s)`,
    mistake: checks.spans.some((span) => span.parentSpanContext?.isRemote === true)
      ? "the server continues the caller's trace but not its decision: the flags 00 say \"do not record\". Let propagation.extract read the traceparent (a traceparent parsed by hand, or its flags forced to 01, records what the caller asked not to) and the default sampler follows it."
      : "the server does not continue the caller's trace: start the SERVER span in the context propagation.extract(ROOT_CONTEXT, request.headers) returns. The default sampler (parent-based) then follows the caller's flag, for the SERVER span and everything under it.",
    hint: 3,
  });
}

/** An invalid request: a 400 that names the problem, and a SERVER span that records the 400 without calling it the server's error. */
export function checkBadRequest(lessonChecks: SpanChecks, answer: ChatAnswer, problem: RegExp, port: number, route = CHAT_ROUTE): ReadableSpan {
  const checks = lessonChecks.taughtIn("http-boundary");
  const error = typeof answer.body === "object" ? answer.body.error : answer.body;
  checks.that(answer.status === 400 && problem.test(String(error)), {
    headline: "An invalid request should be answered 400, with an error that names the problem.",
    expected: `HTTP 400, {"error": "..."} matching ${problem}`,
    got: `HTTP ${answer.status}: ${JSON.stringify(answer.body)}`,
    hint: 4,
  });
  const server = checkServerSpan(lessonChecks, { port, statusCode: 400, route });
  checks.that(server.status.code !== SpanStatusCode.ERROR, {
    headline: "The SERVER span of a 400 has status ERROR.",
    expected: "status UNSET (or OK): the HTTP conventions leave a SERVER span's status unset for a 4xx",
    got: `ERROR${server.status.message ? ` (${server.status.message})` : ""}`,
    mistake: "a 400 is the caller's mistake, not a failure of the server: only a 5xx makes a SERVER span an ERROR. (The CLIENT span of that call is an ERROR: for a client, every 4xx and 5xx is a failed call.)",
    hint: 4,
  });
  checks.noAttribute(server, ATTR_ERROR_TYPE, "for a SERVER span, error.type goes with a 5xx or an exception, not with a 4xx (the HTTP conventions).", { hint: 4 });
  return server;
}

/** The server failed to answer (the caller hung up mid-request): the SERVER span still ends, as an ERROR with the exception and error.type. */
export function checkServerFailure(lessonChecks: SpanChecks, port: number): ReadableSpan {
  const checks = lessonChecks.taughtIn("http-boundary");
  const server = httpSpan(
    checks,
    SpanKind.SERVER,
    "SERVER span for the request",
    4,
    "the caller hung up while it sent the body, and no SERVER span recorded that request: start the SERVER span as soon as the request arrives (before reading the body), so that a request that fails while it is read is traced too.",
  );
  checks.attribute(server, ATTR_SERVER_PORT, port, { hint: 3 });
  checks.status(server, "ERROR", { hint: 4, usualMistake: "when the server cannot answer (here: reading the body failed, the caller hung up), it is the server's failure: record the exception and set ERROR in the catch block." });
  checks.exceptionEvent(server, undefined, { hint: 4 });
  checkStatusMessage(checks, server);
  checks.attribute(server, ATTR_ERROR_TYPE, expectations.anyString, { hint: 4, usualMistake: 'error.type says how the request failed: "500", or the exception\'s type.' });
  return server;
}

function checkStatusMessage(checks: SpanChecks, span: ReadableSpan): void {
  checks.that(Boolean(span.status.message), {
    headline: `The ERROR status of ${describeSpan(span)} has no message.`,
    expected: "span.setStatus({ code: SpanStatusCode.ERROR, message: <what failed> })",
    got: "an ERROR status without a message",
    hint: 4,
  });
}
