// Each diagnosis the lesson checks give ("Likely mistake: ...") is given on its evidence only.
// Every case below is a lesson's solution with one typical mistake written in, checked as
// `npm run workbook -- check N` would check it; the first failure must name that mistake and
// no other one. A wrong hint is worse than none.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findLesson, loadCatalog, projectRoot } from "../../shared/lessons/catalog.ts";
import { writeLessonCopy } from "../lib/lesson-copy.ts";
import { WarmLessonRunner } from "../lib/warm-lesson-runner.ts";

/** Every diagnosis, by the words that give it away. */
const DIAGNOSES = {
  neverEnded: /was started but never ended|Some spans were never ended/,
  returnedEarly: /returned before its CHAIN span's work was done/,
  indexFromOne: /indices start at 0/,
  wrongKey: /which is not the OpenInference key/,
  lostParent: /no parent: it is a root span of its own trace/,
  lowerCaseKind: /kinds are upper case/,
  okAfterError: /an OK set later \(after the catch, or in finally\) overrides ERROR/,
  statusNeverSet: /the turn's status was never set/,
  nullContent: /gives the text "null"/,
  noRethrow: /its catch block must rethrow/,
  stringException: /a string was passed to recordException/,
  noBearer: /PHOENIX_API_KEY is set, but the exporter does not send it/,
  toolRethrows: /the tool's error escaped runTool/,
  separators: /the same words with other separators/,
  bearerFormat: /but not as "Bearer <key>"/,
  toolOutputMissing: /TOOL span "get_weather" is missing "output.value"/,
  oneTrace: /one trace for the whole conversation/,
  contextNotCopied: /context attributes are not copied onto the child spans/,
  tagsAsString: /"tag\.tags" is a JSON string/,
  historyNotSent: /the history is not sent/,
  callsByPosition: /assemble each call at delta\.index/,
  usageSkipped: /read chunk\.usage before skipping/,
  finishOverwritten: /keep the last finish_reason that was set/,
  eventEveryChunk: /the event is added for every chunk/,
  eventAtRoleChunk: /the first chunk may carry only role/,
  lastPieceOnly: /only the last piece of text is recorded/,
  stopAsError: /the model did not fail: the caller stopped reading/,
  nothingKeptOnCut: /record what arrived in the catch too/,
  noUsageAsked: /does not ask for the token counts/,
  outputAsJson: /a stream has no response body to record/,
  runningTotals: /onText is given the text so far each time/,
  firstChunkSkipped: /the first chunk is skipped/,
  toolCallFirstToken: /the first piece of a tool call \(delta\.tool_calls\) is the first token too/,
  noStreamTrue: /the span should show the request as it was sent: put stream: true in it/,
  noPropagator: /setupTracing registers no propagator, and BasicTracerProvider/,
  noBaggagePropagator: /which needs the W3CBaggagePropagator too/,
  injectOutsideSpan: /propagation\.inject ran outside the CLIENT span's context/,
  notInjected: /the request carried neither traceparent nor baggage/,
  noBaggageSent: /put it in the call's baggage/,
  wrongSpanKind: /give it kind: SpanKind\.(SERVER|CLIENT) in its options/,
  notInCallersTrace: /the caller's context never reached the SERVER span/,
  extractIntoActive: /extract the caller's context into ROOT_CONTEXT, not context\.active\(\)/,
  baggageNotRead: /the server did not take the session id from the baggage header/,
  sessionInvented: /none was sent, so leave it out/,
  stoppedToolsRun: /the agent loop goes on after a stop/,
  errorEventAsChunk: /the provider's error event was read as a chunk of the answer/,
  errorEventSkipped: /the provider's error event was skipped like a chunk without a choice/,
  errorEventNotModelStreamError: /the error thrown for the error event is not a ModelStreamError/,
  askedModel: /"workbook-offline-2024-07-18" answered/,
  numberAsText: /holds the number as text/,
  listJoined: /the list joined into one string/,
  droppedValue: /was set, but to a value OpenTelemetry drops/,
  jsonInJson: /JSON text inside JSON text/,
  headersByHand: /traceparent \(and baggage\) written by hand/,
  chunksCounted: /the completion count is the number of chunks/,
  badRequestAsError: /a 400 is the caller's mistake, not a failure of the server/,
} as const;
type Diagnosis = keyof typeof DIAGNOSES;

interface Mistake {
  lesson: number;
  file: string;
  /** what the learner wrote instead: [the solution's text, the mistaken text] */
  edits: Array<[string | RegExp, string]>;
  says: Diagnosis;
}

const MISTAKES: Record<string, Mistake> = {
  "lesson 2: the callback's promise is not returned from startActiveSpan": {
    lesson: 2,
    file: "chatbot.ts",
    edits: [["return tracer.startActiveSpan(", "let reply = \"\";\n  tracer.startActiveSpan("], ["        const reply = await runAgentLoop", "        reply = await runAgentLoop"], ["        return reply;\n", ""], [/\n  \);\n\}/, "\n  );\n  return reply;\n}"]],
    says: "returnedEarly",
  },
  "lesson 2: span.end() left out": { lesson: 2, file: "chatbot.ts", edits: [["span.end();", ""]], says: "neverEnded" },
  "lesson 3: a key typed as a string, with a typo": {
    lesson: 3,
    file: "model-call.ts",
    edits: [["[LLM_TOKEN_COUNT_PROMPT]:", '["llm.token_count.prompt_tokens"]:']],
    says: "wrongKey",
  },
  "lesson 3: the kind in lower case": { lesson: 3, file: "model-call.ts", edits: [["OpenInferenceSpanKind.LLM,", '"llm",']], says: "lowerCaseKind" },
  "lesson 3: the LLM span started outside the chat turn's context": {
    lesson: 3,
    file: "model-call.ts",
    edits: [['    "ChatCompletion",', '    "ChatCompletion",'], [/(\[INPUT_MIME_TYPE\]: MimeType\.JSON,\n      },\n    },)/, "$1\n    ROOT_CONTEXT,"], ["import { SpanStatusCode, trace }", "import { ROOT_CONTEXT, SpanStatusCode, trace }"]],
    says: "lostParent",
  },
  "lesson 3: the model asked for recorded, not the one that answered": {
    lesson: 3,
    file: "model-call.ts",
    edits: [["          [LLM_MODEL_NAME]: response.model,\n", ""]],
    says: "askedModel",
  },
  "lesson 3: a token count sent as text": {
    lesson: 3,
    file: "model-call.ts",
    edits: [["[LLM_TOKEN_COUNT_PROMPT]: response.usage.prompt_tokens,", "[LLM_TOKEN_COUNT_PROMPT]: String(response.usage.prompt_tokens),"]],
    says: "numberAsText",
  },
  "lesson 3: the invocation parameters as an object (OpenTelemetry drops it)": {
    lesson: 3,
    file: "model-call.ts",
    edits: [["[LLM_INVOCATION_PARAMETERS]: JSON.stringify(invocationParameters),", "[LLM_INVOCATION_PARAMETERS]: invocationParameters as never,"]],
    says: "droppedValue",
  },
  "lesson 3: the request stringified twice": {
    lesson: 3,
    file: "model-call.ts",
    edits: [["[INPUT_VALUE]: JSON.stringify(request),", "[INPUT_VALUE]: JSON.stringify(JSON.stringify(request)),"]],
    says: "jsonInJson",
  },
  "lesson 7: the tags joined into one string": {
    lesson: 7,
    file: "context-attributes.ts",
    edits: [["if (tags) attributes[TAG_TAGS] = tags;", "if (tags) attributes[TAG_TAGS] = tags.join(\",\");"]],
    says: "listJoined",
  },
  "lesson 4: message indices counted from 1": { lesson: 4, file: "message-attributes.ts", edits: [["const key = `${prefix}.${index}.`;", "const key = `${prefix}.${index + 1}.`;"]], says: "indexFromOne" },
  "lesson 5: null content written as the text \"null\"": {
    lesson: 5,
    file: "message-attributes.ts",
    edits: [["if (message.content !== null) attributes[key + MESSAGE_CONTENT] = message.content;", "attributes[key + MESSAGE_CONTENT] = String(message.content);"]],
    says: "nullContent",
  },
  "lesson 6: the apology returned without an ERROR status": {
    lesson: 6,
    file: "chatbot.ts",
    edits: [["        span.setStatus({ code: SpanStatusCode.ERROR, message: `model call failed: ${errorMessage(error)}` });\n", ""]],
    says: "statusNeverSet",
  },
  "lesson 6: the OK status set in finally, where it overrides ERROR": {
    lesson: 6,
    file: "chatbot.ts",
    edits: [["        span.setStatus({ code: SpanStatusCode.OK });\n        return reply;", "        return reply;"], ["      } finally {\n", "      } finally {\n        span.setStatus({ code: SpanStatusCode.OK });\n"]],
    says: "okAfterError",
  },
  "lesson 6: callModel's catch does not rethrow": { lesson: 6, file: "model-call.ts", edits: [["        throw error;", ""]], says: "noRethrow" },
  "lesson 6: a string passed to recordException": {
    lesson: 6,
    file: "model-call.ts",
    edits: [["        // Record what went wrong on the span, then let the caller decide what to do about it.\n        span.recordException(error as Error);", "        span.recordException(errorMessage(error));"]],
    says: "stringException",
  },
  "lesson 6: a failing tool's span without output.value": {
    lesson: 6,
    file: "tool-call.ts",
    edits: [["        span.setAttributes({ [OUTPUT_VALUE]: failure, [OUTPUT_MIME_TYPE]: MimeType.JSON });\n", ""]],
    says: "toolOutputMissing",
  },
  "lesson 7: a span around the whole conversation, so the turns share one trace": {
    lesson: 7,
    file: "chatbot.ts",
    edits: [
      [
        "  for (const question of questions) replies.push(await chatTurn(model, conversation, question));\n",
        '  await tracer.startActiveSpan("conversation", async (span) => {\n    for (const question of questions) replies.push(await chatTurn(model, conversation, question));\n    span.end();\n  });\n',
      ],
    ],
    says: "oneTrace",
  },
  "lesson 7: the context attributes not copied onto the TOOL spans": {
    lesson: 7,
    file: "tool-call.ts",
    edits: [["        [INPUT_MIME_TYPE]: MimeType.JSON,\n        ...contextAttributes(),\n", "        [INPUT_MIME_TYPE]: MimeType.JSON,\n"]],
    says: "contextNotCopied",
  },
  "lesson 7: tag.tags left as getAttributesFromContext gives it (JSON text)": {
    lesson: 7,
    file: "context-attributes.ts",
    edits: [["  const tags = getTags(context.active());\n  if (tags) attributes[TAG_TAGS] = tags;\n", ""]],
    says: "tagsAsString",
  },
  "lesson 7: the history kept but not sent": { lesson: 7, file: "chatbot.ts", edits: [["...history, { role: \"user\"", "{ role: \"user\""]], says: "historyNotSent" },
  "lesson 8: tool-call pieces put at their position in the chunk, not at their index": {
    lesson: 8,
    file: "model-call.ts",
    edits: [
      ["for (const delta of toolCallDeltas ?? []) {", "for (const [position, delta] of (toolCallDeltas ?? []).entries()) {"],
      ["answer.toolCalls[delta.index] ??=", "answer.toolCalls[position] ??="],
    ],
    says: "callsByPosition",
  },
  "lesson 8: chunks without a choice skipped before their usage is read": {
    lesson: 8,
    file: "model-call.ts",
    edits: [["          if (chunk.usage) answer.usage = chunk.usage;\n          const choice = chunk.choices[0];\n          if (!choice) continue;\n", "          const choice = chunk.choices[0];\n          if (!choice) continue;\n          if (chunk.usage) answer.usage = chunk.usage;\n"]],
    says: "usageSkipped",
  },
  "lesson 8: the finish reason taken from every chunk": {
    lesson: 8,
    file: "model-call.ts",
    edits: [["if (choice.finish_reason) answer.finishReason = choice.finish_reason;", "answer.finishReason = choice.finish_reason ?? undefined;"]],
    says: "finishOverwritten",
  },
  "lesson 8: the completion tokens counted one per chunk of text": {
    lesson: 8,
    file: "model-call.ts",
    edits: [
      ["            answer.text += content;\n", "            answer.text += content;\n            pieces++;\n"],
      ["      let firstToken = true;\n", "      let firstToken = true;\n      let pieces = 0;\n"],
      ["        const message = recordAnswer(span, answer, request);\n        span.setStatus({ code: SpanStatusCode.OK });", "        const message = recordAnswer(span, answer, request);\n        span.setAttribute(LLM_TOKEN_COUNT_COMPLETION, pieces);\n        span.setStatus({ code: SpanStatusCode.OK });"],
    ],
    says: "chunksCounted",
  },
  "lesson 8: the first-token event added for every piece": { lesson: 8, file: "model-call.ts", edits: [["            firstToken = false;\n", ""]], says: "eventEveryChunk" },
  "lesson 8: the first-token event added at the first chunk, a role-only one": {
    lesson: 8,
    file: "model-call.ts",
    edits: [["if (firstToken && (content || toolCallDeltas?.length)) {", "if (firstToken) {"]],
    says: "eventAtRoleChunk",
  },
  "lesson 8: each piece of text replaces the text so far": { lesson: 8, file: "model-call.ts", edits: [["answer.text += content;", "answer.text = content;"]], says: "lastPieceOnly" },
  "lesson 8: a stop recorded as a failure": {
    lesson: 8,
    file: "model-call.ts",
    edits: [[/        if \(signal\?\.aborted\) \{[\s\S]*?return \{ message, stopped: true \};\n        \}\n/, ""]],
    says: "stopAsError",
  },
  "lesson 8: nothing recorded when the stream is cut off": {
    lesson: 8,
    file: "model-call.ts",
    edits: [["        const message = recordAnswer(span, answer, request);\n        if (signal?.aborted) {", "        const message: ChatMessage = { role: \"assistant\", content: answer.text };\n        if (signal?.aborted) {"]],
    says: "nothingKeptOnCut",
  },
  "lesson 8: no stream_options asking for the usage": {
    lesson: 8,
    file: "model-call.ts",
    edits: [["    stream_options: { include_usage: true },\n", ""]],
    says: "noUsageAsked",
  },
  "lesson 8: output.value as JSON of the assembled message": {
    lesson: 8,
    file: "model-call.ts",
    edits: [["? { [OUTPUT_VALUE]: message.content, [OUTPUT_MIME_TYPE]: MimeType.TEXT }", "? { [OUTPUT_VALUE]: JSON.stringify(message), [OUTPUT_MIME_TYPE]: MimeType.TEXT }"]],
    says: "outputAsJson",
  },
  "lesson 8: onText given the text so far instead of the new piece": {
    lesson: 8,
    file: "model-call.ts",
    edits: [["            answer.text += content;\n            onText?.(content);", "            answer.text += content;\n            onText?.(answer.text);"]],
    says: "runningTotals",
  },
  "lesson 8: the first chunk skipped as \"just the role\"": {
    lesson: 8,
    file: "model-call.ts",
    edits: [["          if (!choice) continue;\n", "          if (!choice || choice.delta.role) continue;\n"]],
    says: "firstChunkSkipped",
  },
  "lesson 8: the first-token event for text only, not for a tool call": {
    lesson: 8,
    file: "model-call.ts",
    edits: [["if (firstToken && (content || toolCallDeltas?.length)) {", "if (firstToken && content) {"]],
    says: "toolCallFirstToken",
  },
  "lesson 8: stream: true left out of the request (the client adds it on the wire)": {
    lesson: 8,
    file: "model-call.ts",
    edits: [["    stream: true,\n    // Without this", "    // Without this"]],
    says: "noStreamTrue",
  },
  "lesson 8: the agent loop goes on after the user stopped an answer that calls tools": {
    lesson: 8,
    file: "chatbot.ts",
    edits: [["    if (streamed.stopped || !answer.tool_calls?.length)", "    if (!answer.tool_calls?.length)"]],
    says: "stoppedToolsRun",
  },
  "lesson 8: every event read as a chunk (the provider's error event has no choices)": {
    lesson: 8,
    file: "model-call.ts",
    edits: [["          if (isStreamError(chunk)) throw new ModelStreamError(chunk);\n", ""]],
    says: "errorEventAsChunk",
  },
  "lesson 8: the provider's error event skipped like a chunk without a choice": {
    lesson: 8,
    file: "model-call.ts",
    edits: [["          if (isStreamError(chunk)) throw new ModelStreamError(chunk);\n", "          if (isStreamError(chunk)) continue;\n"]],
    says: "errorEventSkipped",
  },
  "lesson 8: the provider's error event thrown as a plain Error": {
    lesson: 8,
    file: "model-call.ts",
    edits: [["          if (isStreamError(chunk)) throw new ModelStreamError(chunk);\n", "          if (isStreamError(chunk)) throw new Error(chunk.error.message);\n"]],
    says: "errorEventNotModelStreamError",
  },
  "lesson 5: a TOOL span never ended": {
    lesson: 5,
    file: "tool-call.ts",
    edits: [[/(return result;\n      \} catch \(error\) \{\n        return JSON\.stringify[^\n]*\n      \} finally \{\n)        span\.end\(\);/, "$1"]],
    says: "neverEnded",
  },
  "lesson 5: the TOOL kind in lower case": { lesson: 5, file: "tool-call.ts", edits: [["OpenInferenceSpanKind.TOOL,", '"tool",']], says: "lowerCaseKind" },
  "lesson 4: a dot missing between the index and the field": {
    lesson: 4,
    file: "message-attributes.ts",
    edits: [["const key = `${prefix}.${index}.`;", "const key = `${prefix}.${index}`;"]],
    says: "separators",
  },
  "lesson 6: runTool rethrows the tool's error": { lesson: 6, file: "tool-call.ts", edits: [["        return failure;", "        throw error;"]], says: "toolRethrows" },
  "lesson 6: a string passed to recordException in runTool": {
    lesson: 6,
    file: "tool-call.ts",
    edits: [["        span.recordException(error as Error);", "        span.recordException(errorMessage(error));"]],
    says: "stringException",
  },
  "lesson 9: no propagator registered in setupTracing": {
    lesson: 9,
    file: "tracing.ts",
    edits: [[/\n  propagation\.setGlobalPropagator\([\s\S]*?\n  \);\n/, "\n"]],
    says: "noPropagator",
  },
  "lesson 9: only the trace-context propagator, no baggage": {
    lesson: 9,
    file: "tracing.ts",
    edits: [["new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] })", "new W3CTraceContextPropagator()"]],
    says: "noBaggagePropagator",
  },
  "lesson 9: inject before the CLIENT span starts": {
    lesson: 9,
    file: "chat-client.ts",
    edits: [
      ["async function postQuestion(url: URL, question: string): Promise<string> {\n", 'async function postQuestion(url: URL, question: string): Promise<string> {\n  const headers: Record<string, string> = { "content-type": "application/json" };\n  propagation.inject(context.active(), headers);\n'],
      [/\n        const headers: Record<string, string> = \{ "content-type": "application\/json" \};\n(        \/\/[^\n]*\n)*        propagation\.inject\(context\.active\(\), headers\);\n/, "\n"],
    ],
    says: "injectOutsideSpan",
  },
  "lesson 9: the headers injected into a Headers object without a setter": {
    lesson: 9,
    file: "chat-client.ts",
    edits: [['        const headers: Record<string, string> = { "content-type": "application/json" };', '        const headers = new Headers({ "content-type": "application/json" });']],
    says: "notInjected",
  },
  "lesson 9: traceparent and baggage written by hand": {
    lesson: 9,
    file: "chat-client.ts",
    edits: [
      [
        "        propagation.inject(context.active(), headers);",
        "        const { traceId, spanId } = span.spanContext();\n        headers.traceparent = `00-${traceId}-${spanId}-01`;\n        headers.baggage = `${SESSION_ID}=${encodeURIComponent(propagation.getActiveBaggage()?.getEntry(SESSION_ID)?.value ?? \"\")}`;",
      ],
    ],
    says: "headersByHand",
  },
  "lesson 9: the injected headers not sent with fetch": {
    lesson: 9,
    file: "chat-client.ts",
    edits: [['fetch(url, { method: "POST", headers, body', 'fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body']],
    says: "notInjected",
  },
  "lesson 9: the client puts no baggage in the call's context": {
    lesson: 9,
    file: "chat-client.ts",
    edits: [[/\n  callContext = propagation\.setBaggage\([^\n]*\n/, "\n"]],
    says: "noBaggageSent",
  },
  "lesson 9: the SERVER span left with the default SpanKind": { lesson: 9, file: "chat-server.ts", edits: [["        kind: SpanKind.SERVER,\n", ""]], says: "wrongSpanKind" },
  "lesson 9: the CLIENT span left with the default SpanKind": { lesson: 9, file: "chat-client.ts", edits: [["      kind: SpanKind.CLIENT,\n", ""]], says: "wrongSpanKind" },
  "lesson 9: the SERVER span started outside the extracted context": {
    lesson: 9,
    file: "chat-server.ts",
    edits: [["await context.with(requestContext, () =>", "await context.with(context.active(), () =>"]],
    says: "notInCallersTrace",
  },
  "lesson 9: the caller's context extracted into the active context": {
    lesson: 9,
    file: "chat-server.ts",
    edits: [["propagation.extract(ROOT_CONTEXT, request.headers)", "propagation.extract(context.active(), request.headers)"]],
    says: "extractIntoActive",
  },
  "lesson 9: the session id in the baggage never read on the server": {
    lesson: 9,
    file: "chat-server.ts",
    edits: [["  if (sessionId) requestContext = setSession(requestContext, { sessionId });\n", ""]],
    says: "baggageNotRead",
  },
  "lesson 9: a session id invented when the request brought none": {
    lesson: 9,
    file: "chat-server.ts",
    edits: [
      ["  if (sessionId) requestContext = setSession(requestContext, { sessionId });", "  requestContext = setSession(requestContext, { sessionId: sessionId ?? randomUUID() });"],
      ["import { createServer", 'import { randomUUID } from "node:crypto";\nimport { createServer'],
    ],
    says: "sessionInvented",
  },
  "lesson 9: a 400 made an ERROR of the SERVER span": { lesson: 9, file: "chat-server.ts", edits: [["if (status >= 500) {", "if (status >= 400) {"]], says: "badRequestAsError" },
  "lesson 1: the key sent without the Bearer prefix": {
    lesson: 1,
    file: "tracing.ts",
    edits: [["{ authorization: `Bearer ${env.PHOENIX_API_KEY}` }", "{ authorization: env.PHOENIX_API_KEY }"]],
    says: "bearerFormat",
  },
  "lesson 1: PHOENIX_API_KEY not sent as a bearer token": {
    lesson: 1,
    file: "tracing.ts",
    edits: [[/\n\s*\/\/ Phoenix Cloud[^\n]*\n\s*headers:[^\n]*\n/, "\n"]],
    says: "noBearer",
  },
};

const catalog = loadCatalog();
mkdirSync(path.join(projectRoot, ".workbook"), { recursive: true });
const sourceDir = mkdtempSync(path.join(projectRoot, ".workbook", "diagnoses-"));
const runner = new WarmLessonRunner({ source: sourceDir, checkTimeoutMs: 60_000 });
afterAll(async () => {
  await runner.close();
  rmSync(sourceDir, { recursive: true, force: true });
});

/** The message the learner reads for the first failing check of the lesson with this mistake. */
async function firstFailure(mistake: Mistake): Promise<string> {
  const lesson = findLesson(catalog, String(mistake.lesson))!;
  let text = readFileSync(path.join(projectRoot, "solutions", lesson.slug, mistake.file), "utf8");
  for (const [from, to] of mistake.edits) {
    const next = text.replace(from, to);
    if (next === text && String(from) !== to) throw new Error(`the mistake's edit no longer applies to solutions/${lesson.slug}/${mistake.file}: ${String(from)}`);
    text = next;
  }
  writeLessonCopy(sourceDir, lesson.slug, { file: mistake.file, text });
  const [check] = await runner.check([lesson]);
  expect(check!.passed, "the mistake should fail the lesson's check").toBe(false);
  const failing = check!.tests.find((test) => !test.passed);
  return check!.fileErrors[0]?.message ?? failing?.errors[0]?.message ?? "";
}

describe("each diagnosis is given for its mistake, and only then", () => {
  for (const [title, mistake] of Object.entries(MISTAKES)) {
    it(title, async () => {
      const message = await firstFailure(mistake);
      const given = (Object.keys(DIAGNOSES) as Diagnosis[]).filter((diagnosis) => DIAGNOSES[diagnosis].test(message));
      expect(given, message).toEqual([mistake.says]);
    });
  }

  it("every diagnosis has a mistake that triggers it", () => {
    const covered = new Set(Object.values(MISTAKES).map((mistake) => mistake.says));
    expect((Object.keys(DIAGNOSES) as Diagnosis[]).filter((diagnosis) => !covered.has(diagnosis))).toEqual([]);
  });

  it("the solutions themselves get no diagnosis at all", async () => {
    for (const lesson of catalog) writeLessonCopy(sourceDir, lesson.slug);
    const checks = await runner.check(catalog);
    expect(checks.filter((check) => !check.passed).map((check) => check.lesson.slug)).toEqual([]);
  });
});

