// What the llm-attributes lesson taught, checked on any later lesson's trace: every model call is an ended LLM
// span under the chat turn, naming the API family, provider and model, with the request and
// invocation parameters as JSON and, when the call succeeded, the response and token counts.
import {
  INPUT_MIME_TYPE,
  INPUT_VALUE,
  LLMSystem,
  LLM_INVOCATION_PARAMETERS,
  LLM_MODEL_NAME,
  LLM_PROVIDER,
  LLM_SYSTEM,
  LLM_TOKEN_COUNT_COMPLETION,
  LLM_TOKEN_COUNT_PROMPT,
  LLM_TOKEN_COUNT_TOTAL,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
} from "@arizeai/openinference-semantic-conventions";
import { SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { ChatCompletion, ChatCompletionRequest } from "../../openai/types.ts";
import { expectations, type SpanChecks } from "../span-checks.ts";

export interface ModelIdentity {
  /** what llm.provider must say (ModelConnection.provider) */
  provider: string;
  /** the model name the chatbot asks for (ModelConnection.model) */
  model: string;
}

/** A model call as its LLM span recorded it. */
export interface RecordedCall {
  span: ReadableSpan;
  request: ChatCompletionRequest;
  /** undefined when the call failed (the errors lesson: ERROR status, no response) */
  response?: ChatCompletion;
}

/**
 * A model call failed when its span says so (ERROR status or a recorded exception; the errors lesson's
 * checks hold it to both) and it has no response. A span with a response went well, whatever
 * its status says: it must be OK.
 */
export function callFailed(span: ReadableSpan): boolean {
  const saysFailed = span.status.code === SpanStatusCode.ERROR || span.events.some((event) => event.name === "exception");
  return span.attributes[OUTPUT_VALUE] === undefined && saysFailed;
}

export interface LlmSpanOptions {
  atLeast?: number;
  /**
   * From the streaming lesson on the calls stream: there is no response body, and this checks the span's
   * answer against the stream the chatbot read instead (taught/streaming.ts's streamedCalls).
   */
  streamed?: (span: ReadableSpan, request: ChatCompletionRequest) => RecordedCall;
}

/** Checks every LLM span as the llm-attributes lesson taught; returns the calls in order, parsed. */
export function checkLlmSpans(lessonChecks: SpanChecks, chain: ReadableSpan, model: ModelIdentity, options: LlmSpanOptions = {}): RecordedCall[] {
  const checks = lessonChecks.taughtIn("llm-attributes");
  const spans = checks.atLeast(options.atLeast ?? 1, { kind: OpenInferenceSpanKind.LLM }, "LLM span around the model call", { hint: 1, hintIfNotEnded: 3 });
  return spans.map((span) => {
    checks.childOf(span, chain, { hint: 1 });
    checks.attribute(span, LLM_SYSTEM, LLMSystem.OPENAI, { hint: 2 });
    checks.attribute(span, LLM_PROVIDER, model.provider, { hint: 2 });
    const request = checks.json<ChatCompletionRequest>(span, INPUT_VALUE, "the whole request body, with its messages", { hint: 2 });
    checks.that(Array.isArray(request.messages), {
      headline: `The LLM span's "${INPUT_VALUE}" is not the request body.`,
      expected: 'the request as JSON: {"model":...,"messages":[...],...}',
      got: String(span.attributes[INPUT_VALUE]).slice(0, 120),
      hint: 2,
    });
    checks.attribute(span, INPUT_MIME_TYPE, MimeType.JSON, { hint: 2 });
    const { messages: _messages, ...parameters } = request;
    checks.attribute(
      span,
      LLM_INVOCATION_PARAMETERS,
      expectations.json(`the request minus "messages": ${JSON.stringify(parameters).slice(0, 100)}`, (parsed) => sameJson(parsed, parameters)),
      { hint: 2 },
    );
    if (options.streamed) return options.streamed(span, request);
    if (callFailed(span)) {
      // A failed call has no response: what it asked for is what its span can say.
      checks.attribute(span, LLM_MODEL_NAME, request.model, { hint: 2 });
      return { span, request };
    }
    const response = checks.json<ChatCompletion>(span, OUTPUT_VALUE, "the whole response body, with its choices", { hint: 3 });
    checks.that(Array.isArray(response.choices), {
      headline: `The LLM span's "${OUTPUT_VALUE}" is not the response body.`,
      expected: 'the response as JSON: {"id":...,"choices":[...],"usage":{...}}',
      got: String(span.attributes[OUTPUT_VALUE]).slice(0, 120),
      hint: 3,
    });
    checks.attribute(span, OUTPUT_MIME_TYPE, MimeType.JSON, { hint: 3 });
    checks.attribute(span, LLM_MODEL_NAME, response.model ?? model.model, { hint: 3, mistake: askedNotAnswered(span, request, response) });
    if (response.usage) {
      checks.attribute(span, LLM_TOKEN_COUNT_PROMPT, response.usage.prompt_tokens, { hint: 3 });
      checks.attribute(span, LLM_TOKEN_COUNT_COMPLETION, response.usage.completion_tokens, { hint: 3 });
      checks.attribute(span, LLM_TOKEN_COUNT_TOTAL, response.usage.total_tokens, { hint: 3 });
    }
    checks.status(span, "OK", { hint: 3 });
    return { span, request, response };
  });
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

/** llm.model_name left at the model asked for, when the response names another (a dated snapshot) that answered. */
function askedNotAnswered(span: ReadableSpan, request: ChatCompletionRequest, response: ChatCompletion): string | undefined {
  if (span.attributes[LLM_MODEL_NAME] !== request.model || !response.model || response.model === request.model) return undefined;
  return `llm.model_name is the model asked for (request.model, "${request.model}"), but "${response.model}" answered: providers answer an alias with a dated snapshot. Once the response is in, set llm.model_name to response.model.`;
}
