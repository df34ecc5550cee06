// Each diagnosis the lesson checks give ("Likely mistake: ...") is given on its evidence only.
// Every case below is a lesson's solution with one typical mistake written in, checked as
// `npm run workbook -- check N` would check it; the first failure must name that mistake and
// no other one. A wrong hint is worse than none.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lessonFile, lessonNamed, lessonPath, loadCatalog, projectRoot } from "../../shared/lessons/catalog.ts";
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
  choiceAssumed: /a chunk without a choice was read as if it had one/,
  badRequestAsError: /a 400 is the caller's mistake, not a failure of the server/,
  answerWithoutSpan: /add the SERVER span's id to the answer/,
  verdictOnEvaluatorSpan: /annotate the judged span \(judgedSpanId/,
  votesPileUp: /one made per vote \(a random id, a time\) never matches/,
  noVoteIdentifier: /each vote replaces the last, whoever cast it/,
  scoreAsText: /the score must be a number \(1 or 0\), not a string/,
  voteLabel: /a vote's label is the vote as the user sent it/,
  verdictKind: /Without annotatorKind, phoenix-client sends "HUMAN"/,
  evaluatorKind: /an evaluator's run is an EVALUATOR span/,
  evaluatorInput: /the span's input is what the evaluator judged/,
  judgesAwaited: /judgeAnswer\(\.\.\.\) is awaited before respond/,
  serverSpanWaits: /the SERVER span's duration in Phoenix now counts the judges/,
  phoenixFailureThrown: /an unhandled rejection ends a Node server/,
  failedJudgeNotError: /span\.recordException\(error\) and span\.setStatus/,
  voteNotAwaited: /await recordVote before answering/,
  failedJudgeRethrown: /threw out of the judging: an unhandled promise rejection/,
  judgedEarly: /judged\(\) returned before the judging ended/,
  judgedOutsideServerSpan: /EVALUATOR spans found in another trace/,
  simpleProcessorKept: /the SimpleSpanProcessor is kept/,
  jsonExporter: /this is the JSON exporter/,
  noGzip: /no gzip: spans are repetitive text/,
  noProjectHeader: /Phoenix reads the project from the header before it decodes a span/,
  limitsNotRaised: /limits not raised: OpenTelemetry keeps/,
  lengthNotCapped: /value length not capped/,
  noFlushOnExit: /no flush on exit: the batch timer/,
  noFlushOnSignal: /no flush on SIG(TERM|INT)/,
  signalNotEnding: /the signal handler flushes but never ends the process/,
  silentFailure: /the failure is silent/,
  warningPerBatch: /a warning per batch/,
  unboundedQueue: /the queue is not bounded, or OTEL_BSP_MAX_QUEUE_SIZE is not honoured/,
  samplerPerSpan: /a sampler that drops children of a kept root/,
  ratioNotANumber: /the ratio is not a number: Number\(undefined\)/,
  callerIgnored: /the sampler ignores the caller's decision/,
  embeddingMisnamed: /an embedding span MUST be named "CreateEmbeddings"/,
  spanWithoutContextAttributes: /this span's attributes do not read it\. Spread \.\.\.contextAttributes\(\)/,
  embeddingBesideRetriever: /the EMBEDDING span ran during the RETRIEVER span but is its sibling/,
  listAsJsonText: /is the list as JSON text/,
  vectorAsBase64: /encoding_format "base64": decode it/,
  documentsUnsorted: /the documents are recorded in another order than the search ranked them/,
  scoreAsDistance: /a cosine distance, where lower is closer/,
  objectAsText: /"\[object Object\]": String\(\) of an object/,
  templateFilledIn: /the prompt after filling is recorded as the template/,
  retrievedAfterModel: /retrieve first and await it/,
} as const;
type Diagnosis = keyof typeof DIAGNOSES;

interface Mistake {
  /** the lesson, by its name in lessons.json (the slug without its number) */
  lesson: string;
  file: string;
  /** what the learner wrote instead: [the solution's text, the mistaken text] */
  edits: Array<[string | RegExp, string]>;
  says: Diagnosis;
}

const MISTAKES: Record<string, Mistake> = {
  "first-span: the callback's promise is not returned from startActiveSpan": {
    lesson: "first-span",
    file: "chatbot.ts",
    edits: [["return tracer.startActiveSpan(", "let reply = \"\";\n  tracer.startActiveSpan("], ["        const reply = await runAgentLoop", "        reply = await runAgentLoop"], ["        return reply;\n", ""], [/\n  \);\n\}/, "\n  );\n  return reply;\n}"]],
    says: "returnedEarly",
  },
  "first-span: span.end() only when the turn succeeds": {
    lesson: "first-span",
    file: "chatbot.ts",
    edits: [
      ["        span.setStatus({ code: SpanStatusCode.OK });\n        return reply;", "        span.setStatus({ code: SpanStatusCode.OK });\n        span.end();\n        return reply;"],
      [/      \} finally \{\n[^\n]*\n        span\.end\(\);\n      \}\n/, "      }\n"],
    ],
    says: "neverEnded",
  },
  "first-span: span.end() left out": { lesson: "first-span", file: "chatbot.ts", edits: [["span.end();", ""]], says: "neverEnded" },
  "llm-attributes: a key typed as a string, with a typo": {
    lesson: "llm-attributes",
    file: "model-call.ts",
    edits: [["[LLM_TOKEN_COUNT_PROMPT]:", '["llm.token_count.prompt_tokens"]:']],
    says: "wrongKey",
  },
  "llm-attributes: the kind in lower case": { lesson: "llm-attributes", file: "model-call.ts", edits: [["OpenInferenceSpanKind.LLM,", '"llm",']], says: "lowerCaseKind" },
  "llm-attributes: the LLM span started outside the chat turn's context": {
    lesson: "llm-attributes",
    file: "model-call.ts",
    edits: [['    "ChatCompletion",', '    "ChatCompletion",'], [/(\[INPUT_MIME_TYPE\]: MimeType\.JSON,\n      },\n    },)/, "$1\n    ROOT_CONTEXT,"], ["import { SpanStatusCode, trace }", "import { ROOT_CONTEXT, SpanStatusCode, trace }"]],
    says: "lostParent",
  },
  "llm-attributes: the model asked for recorded, not the one that answered": {
    lesson: "llm-attributes",
    file: "model-call.ts",
    edits: [["          [LLM_MODEL_NAME]: response.model,\n", ""]],
    says: "askedModel",
  },
  "llm-attributes: a token count sent as text": {
    lesson: "llm-attributes",
    file: "model-call.ts",
    edits: [["[LLM_TOKEN_COUNT_PROMPT]: response.usage.prompt_tokens,", "[LLM_TOKEN_COUNT_PROMPT]: String(response.usage.prompt_tokens),"]],
    says: "numberAsText",
  },
  "llm-attributes: the invocation parameters as an object (OpenTelemetry drops it)": {
    lesson: "llm-attributes",
    file: "model-call.ts",
    edits: [["[LLM_INVOCATION_PARAMETERS]: JSON.stringify(invocationParameters),", "[LLM_INVOCATION_PARAMETERS]: invocationParameters as never,"]],
    says: "droppedValue",
  },
  "llm-attributes: the request stringified twice": {
    lesson: "llm-attributes",
    file: "model-call.ts",
    edits: [["[INPUT_VALUE]: JSON.stringify(request),", "[INPUT_VALUE]: JSON.stringify(JSON.stringify(request)),"]],
    says: "jsonInJson",
  },
  "sessions: the tags joined into one string": {
    lesson: "sessions",
    file: "context-attributes.ts",
    edits: [["if (tags) attributes[TAG_TAGS] = tags;", "if (tags) attributes[TAG_TAGS] = tags.join(\",\");"]],
    says: "listJoined",
  },
  "messages: message indices counted from 1": { lesson: "messages", file: "message-attributes.ts", edits: [["const key = `${prefix}.${index}.`;", "const key = `${prefix}.${index + 1}.`;"]], says: "indexFromOne" },
  "tools: null content written as the text \"null\"": {
    lesson: "tools",
    file: "message-attributes.ts",
    edits: [["if (message.content !== null) attributes[key + MESSAGE_CONTENT] = message.content;", "attributes[key + MESSAGE_CONTENT] = String(message.content);"]],
    says: "nullContent",
  },
  "errors: the apology returned without an ERROR status": {
    lesson: "errors",
    file: "chatbot.ts",
    edits: [["        span.setStatus({ code: SpanStatusCode.ERROR, message: `model call failed: ${errorMessage(error)}` });\n", ""]],
    says: "statusNeverSet",
  },
  "errors: the OK status set in finally, where it overrides ERROR": {
    lesson: "errors",
    file: "chatbot.ts",
    edits: [["        span.setStatus({ code: SpanStatusCode.OK });\n        return reply;", "        return reply;"], ["      } finally {\n", "      } finally {\n        span.setStatus({ code: SpanStatusCode.OK });\n"]],
    says: "okAfterError",
  },
  "errors: callModel's catch does not rethrow": { lesson: "errors", file: "model-call.ts", edits: [["        throw error;", ""]], says: "noRethrow" },
  "errors: a string passed to recordException": {
    lesson: "errors",
    file: "model-call.ts",
    edits: [["        // Record what went wrong on the span, then let the caller decide what to do about it.\n        span.recordException(error as Error);", "        span.recordException(errorMessage(error));"]],
    says: "stringException",
  },
  "errors: a failing tool's span without output.value": {
    lesson: "errors",
    file: "tool-call.ts",
    edits: [["        span.setAttributes({ [OUTPUT_VALUE]: failure, [OUTPUT_MIME_TYPE]: MimeType.JSON });\n", ""]],
    says: "toolOutputMissing",
  },
  "sessions: a span around the whole conversation, so the turns share one trace": {
    lesson: "sessions",
    file: "chatbot.ts",
    edits: [
      [
        "  for (const question of questions) replies.push(await chatTurn(model, conversation, question));\n",
        '  await tracer.startActiveSpan("conversation", async (span) => {\n    for (const question of questions) replies.push(await chatTurn(model, conversation, question));\n    span.end();\n  });\n',
      ],
    ],
    says: "oneTrace",
  },
  "sessions: the context attributes not copied onto the TOOL spans": {
    lesson: "sessions",
    file: "tool-call.ts",
    edits: [["        [INPUT_MIME_TYPE]: MimeType.JSON,\n        ...contextAttributes(),\n", "        [INPUT_MIME_TYPE]: MimeType.JSON,\n"]],
    says: "contextNotCopied",
  },
  "sessions: tag.tags left as getAttributesFromContext gives it (JSON text)": {
    lesson: "sessions",
    file: "context-attributes.ts",
    edits: [["  const tags = getTags(context.active());\n  if (tags) attributes[TAG_TAGS] = tags;\n", ""]],
    says: "tagsAsString",
  },
  "sessions: the history kept but not sent": { lesson: "sessions", file: "chatbot.ts", edits: [["...history, { role: \"user\"", "{ role: \"user\""]], says: "historyNotSent" },
  "streaming: tool-call pieces put at their position in the chunk, not at their index": {
    lesson: "streaming",
    file: "model-call.ts",
    edits: [
      ["for (const delta of toolCallDeltas ?? []) {", "for (const [position, delta] of (toolCallDeltas ?? []).entries()) {"],
      ["answer.toolCalls[delta.index] ??=", "answer.toolCalls[position] ??="],
    ],
    says: "callsByPosition",
  },
  "streaming: chunks without a choice skipped before their usage is read": {
    lesson: "streaming",
    file: "model-call.ts",
    edits: [["          if (chunk.usage) answer.usage = chunk.usage;\n          const choice = chunk.choices[0];\n          if (!choice) continue;\n", "          const choice = chunk.choices[0];\n          if (!choice) continue;\n          if (chunk.usage) answer.usage = chunk.usage;\n"]],
    says: "usageSkipped",
  },
  "streaming: the finish reason taken from every chunk": {
    lesson: "streaming",
    file: "model-call.ts",
    edits: [["if (choice.finish_reason) answer.finishReason = choice.finish_reason;", "answer.finishReason = choice.finish_reason ?? undefined;"]],
    says: "finishOverwritten",
  },
  "streaming: the completion tokens counted one per chunk of text": {
    lesson: "streaming",
    file: "model-call.ts",
    edits: [
      ["            answer.text += content;\n", "            answer.text += content;\n            pieces++;\n"],
      ["      let firstToken = true;\n", "      let firstToken = true;\n      let pieces = 0;\n"],
      ["        const message = recordAnswer(span, answer, request);\n        span.setStatus({ code: SpanStatusCode.OK });", "        const message = recordAnswer(span, answer, request);\n        span.setAttribute(LLM_TOKEN_COUNT_COMPLETION, pieces);\n        span.setStatus({ code: SpanStatusCode.OK });"],
    ],
    says: "chunksCounted",
  },
  "streaming: every chunk assumed to have a choice (the usage chunk has none)": {
    lesson: "streaming",
    file: "model-call.ts",
    edits: [["          const choice = chunk.choices[0];\n          if (!choice) continue;\n", "          const choice = chunk.choices[0]!;\n"]],
    says: "choiceAssumed",
  },
  "streaming: the first-token event added for every piece": { lesson: "streaming", file: "model-call.ts", edits: [["            firstToken = false;\n", ""]], says: "eventEveryChunk" },
  "streaming: the first-token event added at the first chunk, a role-only one": {
    lesson: "streaming",
    file: "model-call.ts",
    edits: [["if (firstToken && (content || toolCallDeltas?.length)) {", "if (firstToken) {"]],
    says: "eventAtRoleChunk",
  },
  "streaming: each piece of text replaces the text so far": { lesson: "streaming", file: "model-call.ts", edits: [["answer.text += content;", "answer.text = content;"]], says: "lastPieceOnly" },
  "streaming: a stop recorded as a failure": {
    lesson: "streaming",
    file: "model-call.ts",
    edits: [[/        if \(signal\?\.aborted\) \{[\s\S]*?return \{ message, stopped: true \};\n        \}\n/, ""]],
    says: "stopAsError",
  },
  "streaming: nothing recorded when the stream is cut off": {
    lesson: "streaming",
    file: "model-call.ts",
    edits: [["        const message = recordAnswer(span, answer, request);\n        if (signal?.aborted) {", "        const message: ChatMessage = { role: \"assistant\", content: answer.text };\n        if (signal?.aborted) {"]],
    says: "nothingKeptOnCut",
  },
  "streaming: no stream_options asking for the usage": {
    lesson: "streaming",
    file: "model-call.ts",
    edits: [["    stream_options: { include_usage: true },\n", ""]],
    says: "noUsageAsked",
  },
  "streaming: output.value as JSON of the assembled message": {
    lesson: "streaming",
    file: "model-call.ts",
    edits: [["? { [OUTPUT_VALUE]: message.content, [OUTPUT_MIME_TYPE]: MimeType.TEXT }", "? { [OUTPUT_VALUE]: JSON.stringify(message), [OUTPUT_MIME_TYPE]: MimeType.TEXT }"]],
    says: "outputAsJson",
  },
  "streaming: onText given the text so far instead of the new piece": {
    lesson: "streaming",
    file: "model-call.ts",
    edits: [["            answer.text += content;\n            onText?.(content);", "            answer.text += content;\n            onText?.(answer.text);"]],
    says: "runningTotals",
  },
  "streaming: the first chunk skipped as \"just the role\"": {
    lesson: "streaming",
    file: "model-call.ts",
    edits: [["          if (!choice) continue;\n", "          if (!choice || choice.delta.role) continue;\n"]],
    says: "firstChunkSkipped",
  },
  "streaming: the first-token event for text only, not for a tool call": {
    lesson: "streaming",
    file: "model-call.ts",
    edits: [["if (firstToken && (content || toolCallDeltas?.length)) {", "if (firstToken && content) {"]],
    says: "toolCallFirstToken",
  },
  "streaming: stream: true left out of the request (the client adds it on the wire)": {
    lesson: "streaming",
    file: "model-call.ts",
    edits: [["    stream: true,\n    // Without this", "    // Without this"]],
    says: "noStreamTrue",
  },
  "streaming: the agent loop goes on after the user stopped an answer that calls tools": {
    lesson: "streaming",
    file: "chatbot.ts",
    edits: [["    if (streamed.stopped || !answer.tool_calls?.length)", "    if (!answer.tool_calls?.length)"]],
    says: "stoppedToolsRun",
  },
  "streaming: every event read as a chunk (the provider's error event has no choices)": {
    lesson: "streaming",
    file: "model-call.ts",
    edits: [["          if (isStreamError(chunk)) throw new ModelStreamError(chunk);\n", ""]],
    says: "errorEventAsChunk",
  },
  "streaming: the provider's error event skipped like a chunk without a choice": {
    lesson: "streaming",
    file: "model-call.ts",
    edits: [["          if (isStreamError(chunk)) throw new ModelStreamError(chunk);\n", "          if (isStreamError(chunk)) continue;\n"]],
    says: "errorEventSkipped",
  },
  "streaming: the provider's error event thrown as a plain Error": {
    lesson: "streaming",
    file: "model-call.ts",
    edits: [["          if (isStreamError(chunk)) throw new ModelStreamError(chunk);\n", "          if (isStreamError(chunk)) throw new Error(chunk.error.message);\n"]],
    says: "errorEventNotModelStreamError",
  },
  "tools: a TOOL span never ended": {
    lesson: "tools",
    file: "tool-call.ts",
    edits: [[/(return result;\n      \} catch \(error\) \{\n        return JSON\.stringify[^\n]*\n      \} finally \{\n)        span\.end\(\);/, "$1"]],
    says: "neverEnded",
  },
  "tools: the TOOL kind in lower case": { lesson: "tools", file: "tool-call.ts", edits: [["OpenInferenceSpanKind.TOOL,", '"tool",']], says: "lowerCaseKind" },
  "messages: a dot missing between the index and the field": {
    lesson: "messages",
    file: "message-attributes.ts",
    edits: [["const key = `${prefix}.${index}.`;", "const key = `${prefix}.${index}`;"]],
    says: "separators",
  },
  "errors: runTool rethrows the tool's error": { lesson: "errors", file: "tool-call.ts", edits: [["        return failure;", "        throw error;"]], says: "toolRethrows" },
  "errors: a string passed to recordException in runTool": {
    lesson: "errors",
    file: "tool-call.ts",
    edits: [["        span.recordException(error as Error);", "        span.recordException(errorMessage(error));"]],
    says: "stringException",
  },
  "http-boundary: no propagator registered in setupTracing": {
    lesson: "http-boundary",
    file: "tracing.ts",
    edits: [[/\n  propagation\.setGlobalPropagator\([\s\S]*?\n  \);\n/, "\n"]],
    says: "noPropagator",
  },
  "http-boundary: only the trace-context propagator, no baggage": {
    lesson: "http-boundary",
    file: "tracing.ts",
    edits: [["new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] })", "new W3CTraceContextPropagator()"]],
    says: "noBaggagePropagator",
  },
  "http-boundary: inject before the CLIENT span starts": {
    lesson: "http-boundary",
    file: "chat-client.ts",
    edits: [
      ["async function postQuestion(url: URL, question: string): Promise<string> {\n", 'async function postQuestion(url: URL, question: string): Promise<string> {\n  const headers: Record<string, string> = { "content-type": "application/json" };\n  propagation.inject(context.active(), headers);\n'],
      [/\n        const headers: Record<string, string> = \{ "content-type": "application\/json" \};\n(        \/\/[^\n]*\n)*        propagation\.inject\(context\.active\(\), headers\);\n/, "\n"],
    ],
    says: "injectOutsideSpan",
  },
  "http-boundary: the headers injected into a Headers object without a setter": {
    lesson: "http-boundary",
    file: "chat-client.ts",
    edits: [['        const headers: Record<string, string> = { "content-type": "application/json" };', '        const headers = new Headers({ "content-type": "application/json" });']],
    says: "notInjected",
  },
  "http-boundary: traceparent and baggage written by hand": {
    lesson: "http-boundary",
    file: "chat-client.ts",
    edits: [
      [
        "        propagation.inject(context.active(), headers);",
        "        const { traceId, spanId } = span.spanContext();\n        headers.traceparent = `00-${traceId}-${spanId}-01`;\n        headers.baggage = `${SESSION_ID}=${encodeURIComponent(propagation.getActiveBaggage()?.getEntry(SESSION_ID)?.value ?? \"\")}`;",
      ],
    ],
    says: "headersByHand",
  },
  "http-boundary: the injected headers not sent with fetch": {
    lesson: "http-boundary",
    file: "chat-client.ts",
    edits: [['fetch(url, { method: "POST", headers, body', 'fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body']],
    says: "notInjected",
  },
  "http-boundary: the client puts no baggage in the call's context": {
    lesson: "http-boundary",
    file: "chat-client.ts",
    edits: [[/\n  callContext = propagation\.setBaggage\([^\n]*\n/, "\n"]],
    says: "noBaggageSent",
  },
  "http-boundary: the SERVER span left with the default SpanKind": { lesson: "http-boundary", file: "chat-server.ts", edits: [["        kind: SpanKind.SERVER,\n", ""]], says: "wrongSpanKind" },
  "http-boundary: the CLIENT span left with the default SpanKind": { lesson: "http-boundary", file: "chat-client.ts", edits: [["      kind: SpanKind.CLIENT,\n", ""]], says: "wrongSpanKind" },
  "http-boundary: the SERVER span started outside the extracted context": {
    lesson: "http-boundary",
    file: "chat-server.ts",
    edits: [["await context.with(requestContext, () =>", "await context.with(context.active(), () =>"]],
    says: "notInCallersTrace",
  },
  "http-boundary: the caller's context extracted into the active context": {
    lesson: "http-boundary",
    file: "chat-server.ts",
    edits: [["propagation.extract(ROOT_CONTEXT, request.headers)", "propagation.extract(context.active(), request.headers)"]],
    says: "extractIntoActive",
  },
  "http-boundary: the session id in the baggage never read on the server": {
    lesson: "http-boundary",
    file: "chat-server.ts",
    edits: [["  if (sessionId) requestContext = setSession(requestContext, { sessionId });\n", ""]],
    says: "baggageNotRead",
  },
  "http-boundary: a session id invented when the request brought none": {
    lesson: "http-boundary",
    file: "chat-server.ts",
    edits: [
      ["  if (sessionId) requestContext = setSession(requestContext, { sessionId });", "  requestContext = setSession(requestContext, { sessionId: sessionId ?? randomUUID() });"],
      ["import { createServer", 'import { randomUUID } from "node:crypto";\nimport { createServer'],
    ],
    says: "sessionInvented",
  },
  "http-boundary: a 400 made an ERROR of the SERVER span": { lesson: "http-boundary", file: "chat-server.ts", edits: [["if (status >= 500) {", "if (status >= 400) {"]], says: "badRequestAsError" },
  "feedback-and-evals: the answer without the SERVER span's id": {
    lesson: "feedback-and-evals",
    file: "chat-server.ts",
    edits: [["respond(response, 200, { reply, spanId, traceId });", "respond(response, 200, { reply });"]],
    says: "answerWithoutSpan",
  },
  "feedback-and-evals: the verdict logged on the EVALUATOR span that made it": {
    lesson: "feedback-and-evals",
    file: "evaluations.ts",
    edits: [
      ["return { evaluator: evaluator.name, kind: evaluator.kind, ...result };", "return { evaluator: evaluator.name, kind: evaluator.kind, ...result, madeBy: span.spanContext().spanId };"],
      ["await logVerdict(phoenix, judgedSpanId, verdict)", "await logVerdict(phoenix, (verdict as { madeBy?: string }).madeBy ?? judgedSpanId, verdict)"],
    ],
    says: "verdictOnEvaluatorSpan",
  },
  "feedback-and-evals: a new identifier for every vote": {
    lesson: "feedback-and-evals",
    file: "feedback.ts",
    edits: [
      ["identifier: userId,", "identifier: randomUUID(),"],
      ['import type { PhoenixClient }', 'import { randomUUID } from "node:crypto";\nimport type { PhoenixClient }'],
    ],
    says: "votesPileUp",
  },
  "feedback-and-evals: no identifier on the vote": { lesson: "feedback-and-evals", file: "feedback.ts", edits: [["      identifier: userId,\n", ""]], says: "noVoteIdentifier" },
  "feedback-and-evals: the vote's score sent as text": {
    lesson: "feedback-and-evals",
    file: "feedback.ts",
    edits: [['score: vote === "up" ? 1 : 0,', 'score: (vote === "up" ? "1" : "0") as unknown as number,']],
    says: "scoreAsText",
  },
  "feedback-and-evals: the vote labelled thumbs-up / thumbs-down": {
    lesson: "feedback-and-evals",
    file: "feedback.ts",
    edits: [["label: vote,", 'label: `thumbs-${vote}`,']],
    says: "voteLabel",
  },
  "feedback-and-evals: the verdict's annotator kind left out": { lesson: "feedback-and-evals", file: "evaluations.ts", edits: [["      annotatorKind: verdict.kind,\n", ""]], says: "verdictKind" },
  "feedback-and-evals: an evaluator's span of kind CHAIN": {
    lesson: "feedback-and-evals",
    file: "evaluations.ts",
    edits: [["OpenInferenceSpanKind.EVALUATOR,", "OpenInferenceSpanKind.CHAIN,"]],
    says: "evaluatorKind",
  },
  "feedback-and-evals: an evaluator's span without its input": {
    lesson: "feedback-and-evals",
    file: "evaluations.ts",
    edits: [["        [INPUT_VALUE]: JSON.stringify(turn),\n", ""]],
    says: "evaluatorInput",
  },
  "feedback-and-evals: the judges awaited before the answer is sent": {
    lesson: "feedback-and-evals",
    file: "chat-server.ts",
    edits: [
      ["          respond(response, 200, { reply, spanId, traceId });\n", ""],
      ["          judging.underWay.add(judgement);\n", "          judging.underWay.add(judgement);\n          await judgement;\n          respond(response, 200, { reply, spanId, traceId });\n"],
    ],
    says: "judgesAwaited",
  },
  "feedback-and-evals: the judges awaited after the answer, inside the SERVER span": {
    lesson: "feedback-and-evals",
    file: "chat-server.ts",
    edits: [["          judging.underWay.add(judgement);\n", "          judging.underWay.add(judgement);\n          await judgement;\n"]],
    says: "serverSpanWaits",
  },
  "feedback-and-evals: the judging fired and forgotten (void judgeAnswer(...).then(onJudged))": {
    lesson: "feedback-and-evals",
    file: "chat-server.ts",
    edits: [
      ["const judgement = judgeAnswer(", "void judgeAnswer("],
      ["            .finally(() => judging.underWay.delete(judgement));\n", ""],
      ["          judging.underWay.add(judgement);\n", ""],
    ],
    says: "judgedEarly",
  },
  "feedback-and-evals: the judging's promise never added to judging.underWay": {
    lesson: "feedback-and-evals",
    file: "chat-server.ts",
    edits: [["          judging.underWay.add(judgement);\n", ""]],
    says: "judgedEarly",
  },
  "feedback-and-evals: the judging started outside the SERVER span's context": {
    lesson: "feedback-and-evals",
    file: "chat-server.ts",
    edits: [
      ["const judgement = judgeAnswer(", "const judgement = context.with(ROOT_CONTEXT, () => judgeAnswer("],
      ['judging.tell(failure, "the verdicts"))\n', 'judging.tell(failure, "the verdicts")))\n'],
    ],
    says: "judgedOutsideServerSpan",
  },
  "feedback-and-evals: the vote recorded without awaiting it": {
    lesson: "feedback-and-evals",
    file: "chat-server.ts",
    edits: [["    await recordVote(judging.phoenix, vote);", "    void recordVote(judging.phoenix, vote);"]],
    says: "voteNotAwaited",
  },
  "feedback-and-evals: a failing judge's error rethrown from its catch": {
    lesson: "feedback-and-evals",
    file: "evaluations.ts",
    edits: [["        return { evaluator: evaluator.name, kind: evaluator.kind, error: errorMessage(error) };", "        throw error;"]],
    says: "failedJudgeRethrown",
  },
  "feedback-and-evals: Phoenix's failure rethrown from the feedback route": {
    lesson: "feedback-and-evals",
    file: "chat-server.ts",
    edits: [['respond(response, 502, { error: whyPhoenixFailed(error, judging.phoenix?.config.baseUrl ?? "(none)", "the vote") });', "throw error;"]],
    says: "phoenixFailureThrown",
  },
  "feedback-and-evals: a failing judge's span left OK": {
    lesson: "feedback-and-evals",
    file: "evaluations.ts",
    edits: [
      ["        span.recordException(error as Error);\n", ""],
      ["        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });\n", ""],
    ],
    says: "failedJudgeNotError",
  },
  "retrieval: the EMBEDDING span named after the function": { lesson: "retrieval", file: "retrieval.ts", edits: [['    "CreateEmbeddings",\n', '    "embed",\n']], says: "embeddingMisnamed" },
  "retrieval: the vectors recorded as JSON text": {
    lesson: "retrieval",
    file: "retrieval.ts",
    edits: [["span.setAttributes(embeddingAttributes(vectors, EMBEDDING_VECTOR));", "span.setAttributes(embeddingAttributes(vectors.map((vector) => JSON.stringify(vector)), EMBEDDING_VECTOR));"]],
    says: "listAsJsonText",
  },
  "retrieval: base64 vectors asked for, decoded for the search but recorded as they came": {
    lesson: "retrieval",
    file: "retrieval.ts",
    edits: [
      ['input: texts, encoding_format: "float" }', 'input: texts, encoding_format: "base64" }'],
      [".map((item) => item.embedding as number[]);", '.map((item) => { const bytes = Buffer.from(item.embedding as string, "base64"); return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)); });'],
      ["span.setAttributes(embeddingAttributes(vectors, EMBEDDING_VECTOR));", "span.setAttributes(embeddingAttributes(response.data.map((item) => item.embedding as string), EMBEDDING_VECTOR));"],
    ],
    says: "vectorAsBase64",
  },
  "retrieval: the embedding run in the turn's context, beside the RETRIEVER span instead of inside it": {
    lesson: "retrieval",
    file: "retrieval.ts",
    edits: [
      ['  return tracer.startActiveSpan(\n    "retrieve",', '  const outer = context.active();\n  return tracer.startActiveSpan(\n    "retrieve",'],
      ["const [queryVector] = await embed(model, [query]);", "const [queryVector] = await context.with(outer, () => embed(model, [query]));"],
      ["import { SpanStatusCode, trace", "import { SpanStatusCode, context, trace"],
    ],
    says: "embeddingBesideRetriever",
  },
  "retrieval: the RETRIEVER span without the turn's context attributes": {
    lesson: "retrieval",
    file: "retrieval.ts",
    edits: [["        ...contextAttributes(),\n", ""]],
    says: "spanWithoutContextAttributes",
  },
  "retrieval: the documents sorted the wrong way round": { lesson: "retrieval", file: "retrieval.ts", edits: [[".sort((a, b) => b.score - a.score)", ".sort((a, b) => a.score - b.score)"]], says: "documentsUnsorted" },
  "retrieval: a distance recorded as the score": { lesson: "retrieval", file: "retrieval.ts", edits: [["attributes[key + DOCUMENT_SCORE] = score;", "attributes[key + DOCUMENT_SCORE] = 1 - score;"]], says: "scoreAsDistance" },
  "retrieval: the metadata object set as it is": {
    lesson: "retrieval",
    file: "retrieval.ts",
    edits: [["attributes[key + DOCUMENT_METADATA] = JSON.stringify(document.metadata);", "attributes[key + DOCUMENT_METADATA] = document.metadata as unknown as string;"]],
    says: "droppedValue",
  },
  "retrieval: the metadata made text with String()": {
    lesson: "retrieval",
    file: "retrieval.ts",
    edits: [["attributes[key + DOCUMENT_METADATA] = JSON.stringify(document.metadata);", "attributes[key + DOCUMENT_METADATA] = String(document.metadata);"]],
    says: "objectAsText",
  },
  "retrieval: the RETRIEVER span started outside the chat turn": {
    lesson: "retrieval",
    file: "retrieval.ts",
    edits: [
      [/(\.\.\.contextAttributes\(\),\n      \},\n    \},)(\n    async \(span\) => \{\n      try \{\n        const \[queryVector\])/, "$1\n    ROOT_CONTEXT,$2"],
      ["import { SpanStatusCode, trace", "import { ROOT_CONTEXT, SpanStatusCode, trace"],
    ],
    says: "lostParent",
  },
  "retrieval: the template's variables stringified before setPromptTemplate stringifies them": {
    lesson: "retrieval",
    file: "chatbot.ts",
    edits: [["{ template: PROMPT_TEMPLATE, variables, version: PROMPT_TEMPLATE_VERSION }", "{ template: PROMPT_TEMPLATE, variables: JSON.stringify(variables) as never, version: PROMPT_TEMPLATE_VERSION }"]],
    says: "jsonInJson",
  },
  "retrieval: the prompt recorded as the template, filled in": {
    lesson: "retrieval",
    file: "chatbot.ts",
    edits: [["{ template: PROMPT_TEMPLATE, variables, version: PROMPT_TEMPLATE_VERSION }", "{ template: fillTemplate(PROMPT_TEMPLATE, variables), variables, version: PROMPT_TEMPLATE_VERSION }"]],
    says: "templateFilledIn",
  },
  "retrieval: the retrieval not awaited before the model is asked": {
    lesson: "retrieval",
    file: "chatbot.ts",
    edits: [
      ["const variables = { documents: documentsForPrompt(await retrieve(model, userMessage)) };", "let found: RetrievedDocument[] = [];\n        const retrieval = retrieve(model, userMessage).then((documents) => (found = documents));\n        const variables = { documents: documentsForPrompt(found) };"],
      ["const reply = await withPromptTemplate(variables, () => runAgentLoop(model, messages, options));", "const reply = await withPromptTemplate(variables, () => runAgentLoop(model, messages, options));\n        await retrieval;"],
    ],
    says: "retrievedAfterModel",
  },
  "exporting: the SimpleSpanProcessor kept": {
    lesson: "exporting",
    file: "tracing.ts",
    edits: [["new BatchSpanProcessor(exporter)", "new SimpleSpanProcessor(exporter)"], ["  BatchSpanProcessor,\n", "  BatchSpanProcessor,\n  SimpleSpanProcessor,\n"]],
    says: "simpleProcessorKept",
  },
  "exporting: the JSON exporter": { lesson: "exporting", file: "tracing.ts", edits: [['"@opentelemetry/exporter-trace-otlp-proto"', '"@opentelemetry/exporter-trace-otlp-http"']], says: "jsonExporter" },
  "exporting: no gzip": { lesson: "exporting", file: "tracing.ts", edits: [[/\n\s*\/\/ Spans are repetitive text[^\n]*\n\s*compression:[^\n]*\n/, "\n"]], says: "noGzip" },
  "exporting: no x-project-name header": { lesson: "exporting", file: "tracing.ts", edits: [['      "x-project-name": PROJECT_NAME,\n', ""]], says: "noProjectHeader" },
  "exporting: the span limits not raised": { lesson: "exporting", file: "tracing.ts", edits: [["    spanLimits: SPAN_LIMITS,\n", ""]], says: "limitsNotRaised" },
  "exporting: the count raised, the value length not capped": {
    lesson: "exporting",
    file: "tracing.ts",
    edits: [["{ attributeCountLimit: 1024, attributeValueLengthLimit: 16 * 1024 }", "{ attributeCountLimit: 1024 }"]],
    says: "lengthNotCapped",
  },
  "exporting: no flush when the program ends by itself": { lesson: "exporting", file: "tracing.ts", edits: [[/\n\s*process\.once\("beforeExit"[^\n]*\n/, "\n"]], says: "noFlushOnExit" },
  "exporting: no flush on SIGINT and SIGTERM": {
    lesson: "exporting",
    file: "tracing.ts",
    edits: [[/\n\s*for \(const signal of \["SIGINT", "SIGTERM"\] as const\) \{\n(?:[^\n]*\n){3}\s*\}\n/, "\n"], ['import { constants } from "node:os";\n', ""]],
    says: "noFlushOnSignal",
  },
  "exporting: a signal handler that flushes but does not end the process": {
    lesson: "exporting",
    file: "tracing.ts",
    edits: [[".catch(warnAtExit).finally(() => process.exit(128 + constants.signals[signal]));", ".catch(warnAtExit);"], ['import { constants } from "node:os";\n', ""]],
    says: "signalNotEnding",
  },
  "exporting: failed exports never said": { lesson: "exporting", file: "tracing.ts", edits: [["  setGlobalErrorHandler(warnOnce);\n", ""], [", getNumberFromEnv, setGlobalErrorHandler }", ", getNumberFromEnv }"]], says: "silentFailure" },
  "exporting: a warning for every failed batch": { lesson: "exporting", file: "tracing.ts", edits: [["    if (warned) return;\n", ""]], says: "warningPerBatch" },
  "exporting: a queue size in code, as good as unbounded": {
    lesson: "exporting",
    file: "tracing.ts",
    edits: [["new BatchSpanProcessor(exporter)", "new BatchSpanProcessor(exporter, { maxQueueSize: 100_000 })"]],
    says: "unboundedQueue",
  },
  "exporting: a sampler of one's own that decides per span": {
    lesson: "exporting",
    file: "tracing.ts",
    edits: [
      [
        'sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(getNumberFromEnv("OTEL_TRACES_SAMPLER_ARG") ?? 1) }),',
        'sampler: { shouldSample: () => ({ decision: Math.random() < (getNumberFromEnv("OTEL_TRACES_SAMPLER_ARG") ?? 1) ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD }), toString: () => "random" },',
      ],
      ["  BatchSpanProcessor,\n", "  BatchSpanProcessor,\n  SamplingDecision,\n"],
    ],
    says: "samplerPerSpan",
  },
  "exporting: the ratio read with Number(), NaN when the variable is unset": {
    lesson: "exporting",
    file: "tracing.ts",
    edits: [['getNumberFromEnv("OTEL_TRACES_SAMPLER_ARG") ?? 1', "Number(process.env.OTEL_TRACES_SAMPLER_ARG)"]],
    says: "ratioNotANumber",
  },
  "exporting: the ratio sampler without ParentBasedSampler": {
    lesson: "exporting",
    file: "tracing.ts",
    edits: [['new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(getNumberFromEnv("OTEL_TRACES_SAMPLER_ARG") ?? 1) })', 'new TraceIdRatioBasedSampler(getNumberFromEnv("OTEL_TRACES_SAMPLER_ARG") ?? 1)']],
    says: "callerIgnored",
  },
  "tracer-setup: the key sent without the Bearer prefix": {
    lesson: "tracer-setup",
    file: "tracing.ts",
    edits: [["{ authorization: `Bearer ${env.PHOENIX_API_KEY}` }", "{ authorization: env.PHOENIX_API_KEY }"]],
    says: "bearerFormat",
  },
  "tracer-setup: PHOENIX_API_KEY not sent as a bearer token": {
    lesson: "tracer-setup",
    file: "tracing.ts",
    edits: [[/\n\s*\/\/ Phoenix Cloud[^\n]*\n\s*headers:[^\n]*\n/, "\n"]],
    says: "noBearer",
  },
};

const catalog = loadCatalog();
mkdirSync(path.join(projectRoot, ".workbook"), { recursive: true });
const sourceDir = mkdtempSync(path.join(projectRoot, ".workbook", "diagnoses-"));
// Each mistake's check stops at its first failure (the message read), so the exporting checks'
// processes start only when a check needs them (scripts/mutation/worker.ts does the same).
process.env.WORKBOOK_EXPORT_PROCESSES = "on-first-use";
const runner = new WarmLessonRunner({ source: sourceDir, checkTimeoutMs: 60_000 });
afterAll(async () => {
  await runner.close();
  rmSync(sourceDir, { recursive: true, force: true });
});

/** The message the learner reads for the first failing check of the lesson with this mistake. */
async function firstFailure(mistake: Mistake): Promise<string> {
  const lesson = lessonNamed(mistake.lesson, catalog);
  let text = readFileSync(lessonFile(lesson, "solutions", mistake.file), "utf8");
  for (const [from, to] of mistake.edits) {
    const next = text.replace(from, to);
    if (next === text && String(from) !== to) throw new Error(`the mistake's edit no longer applies to ${lessonPath(lesson, "solutions", mistake.file)}: ${String(from)}`);
    text = next;
  }
  writeLessonCopy(sourceDir, lesson.slug, { file: mistake.file, text });
  // The learner reads the first failing check: the rest of the check is stopped there.
  const { check, firstFailing } = await runner.checkToFirstFailure(lesson);
  expect(check.passed && !firstFailing, "the mistake should fail the lesson's check").toBe(false);
  const failing = firstFailing ?? check.tests.find((test) => !test.passed);
  return check.fileErrors[0]?.message ?? failing?.errors[0]?.message ?? "";
}

describe("each diagnosis is given for its mistake, and only then", () => {
  for (const [title, mistake] of Object.entries(MISTAKES)) {
    // As long as the runner's own watchdog (checkTimeoutMs): a lesson whose tests start processes of
    // their own (the exporting lesson) takes 10-20 s on this machine under load.
    it(title, async () => {
      const message = await firstFailure(mistake);
      const given = (Object.keys(DIAGNOSES) as Diagnosis[]).filter((diagnosis) => DIAGNOSES[diagnosis].test(message));
      expect(given, message).toEqual([mistake.says]);
    }, 60_000);
  }

  it("every diagnosis has a mistake that triggers it", () => {
    const covered = new Set(Object.values(MISTAKES).map((mistake) => mistake.says));
    expect((Object.keys(DIAGNOSES) as Diagnosis[]).filter((diagnosis) => !covered.has(diagnosis))).toEqual([]);
  });

  // Every lesson, one check each (each within the runner's own limit): lessons whose tests start
  // processes of their own take 5-10 s on a quiet machine and 20-30 s at load 20, so all twelve
  // at once could pass any one limit.
  it("the solutions themselves get no diagnosis at all", async () => {
    const failing: string[] = [];
    for (const lesson of catalog) {
      writeLessonCopy(sourceDir, lesson.slug);
      const [check] = await runner.check([lesson]);
      if (!check!.passed) failing.push(`${lesson.slug}: ${check!.timedOutAfterMs !== undefined ? `stopped after ${check!.timedOutAfterMs} ms` : (check!.fileErrors[0]?.message ?? check!.tests.find((test) => !test.passed)?.errors[0]?.message ?? "failed")}`);
    }
    expect(failing).toEqual([]);
  }, 600_000);
});

