// The instrumented chatbot, as lessons 1-6 build it, grown up for a server:
// - it takes the whole conversation (the client keeps it) instead of one question;
// - every span carries the turn's context attributes (session.id), which the route puts in
//   the active context with openinference-core's setSession();
// - a failed model call fails the turn (the route answers 502/504) after the spans have
//   recorded what happened;
// - a turn can be cancelled (an AbortSignal: the client hung up, the app is stopping), which
//   aborts the model call in flight.
//
//   chat_turn (CHAIN)
//   ├─ ChatCompletion (LLM)        the model asks for tools
//   ├─ get_weather (TOOL)          one span per tool call
//   ├─ get_weather (TOOL)
//   └─ ChatCompletion (LLM)        the model answers with the tool results
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { getAttributesFromContext } from "@arizeai/openinference-core";
import {
  INPUT_MIME_TYPE,
  INPUT_VALUE,
  LLMSystem,
  LLM_FINISH_REASON,
  LLM_INPUT_MESSAGES,
  LLM_INVOCATION_PARAMETERS,
  LLM_MODEL_NAME,
  LLM_OUTPUT_MESSAGES,
  LLM_PROVIDER,
  LLM_SYSTEM,
  LLM_TOKEN_COUNT_COMPLETION,
  LLM_TOKEN_COUNT_COMPLETION_DETAILS_AUDIO,
  LLM_TOKEN_COUNT_COMPLETION_DETAILS_REASONING,
  LLM_TOKEN_COUNT_PROMPT,
  LLM_TOKEN_COUNT_PROMPT_DETAILS_AUDIO,
  LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_READ,
  LLM_TOKEN_COUNT_TOTAL,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
  SemanticConventions,
  TOOL_DESCRIPTION,
  TOOL_ID,
  TOOL_NAME,
  TOOL_PARAMETERS,
} from "@arizeai/openinference-semantic-conventions";
import type { ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import type { Attributes } from "@opentelemetry/api";
import type { ChatCompletion, ChatCompletionRequest, ChatMessage, ToolCall, Usage } from "../../../shared/openai/types.ts";
import { findTool, toolDefinitions } from "../../../shared/chatbot/tools.ts";
import type { ConversationMessage } from "../api.ts";
import { TurnCancelledError } from "./cancellation.ts";
import { MAX_MODEL_CALLS } from "./limits.ts";
import { messageAttributes, offeredToolAttributes } from "./message-attributes.ts";
import { modelFailure, NoAnswerError, oneLine } from "./model-failure.ts";

const SYSTEM_PROMPT = "You are a helpful assistant. Use the tools when they help. Answer in one or two sentences.";

const tracer = trace.getTracer("workbook-chatbot-app");

export interface TurnOptions {
  /** a model call that takes longer fails with a ModelTimeoutError */
  timeoutMs?: number;
  /** aborts the turn (the client hung up, the app is stopping); its reason is what the turn throws */
  signal?: AbortSignal;
}

/** One chat turn: the conversation so far in, the assistant's answer out. Throws when the model fails or the turn is cancelled. */
export async function chatTurn(model: ModelConnection, conversation: ConversationMessage[], options: TurnOptions = {}): Promise<string> {
  const question = conversation.at(-1)?.content ?? "";
  return tracer.startActiveSpan(
    "chat_turn",
    {
      attributes: {
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.CHAIN,
        [INPUT_VALUE]: question,
        [INPUT_MIME_TYPE]: MimeType.TEXT,
        // session.id (and any other context attribute) set by the caller with setSession().
        ...getAttributesFromContext(context.active()),
      },
    },
    async (span) => {
      try {
        const messages: ChatMessage[] = [{ role: "system", content: SYSTEM_PROMPT }, ...conversation];
        // The agent loop: ask the model; if it calls tools, run them, add the results, ask again.
        // The last call allowed offers no tools (tool_choice "none"), so the model answers with
        // the results it has instead of being cut off with them unread.
        for (let call = 1; call <= MAX_MODEL_CALLS; call++) {
          options.signal?.throwIfAborted(); // cancelled while a tool ran: no further model call
          const last = call === MAX_MODEL_CALLS;
          const response = await callModel(model, messages, { ...options, toolChoiceNone: last });
          const answer = response.choices[0]?.message ?? { role: "assistant" as const, content: "" };
          messages.push(answer);
          if (!answer.tool_calls?.length) {
            const reply = answer.content ?? "";
            span.setAttributes({ [OUTPUT_VALUE]: reply, [OUTPUT_MIME_TYPE]: MimeType.TEXT });
            span.setStatus({ code: SpanStatusCode.OK });
            return reply;
          }
          if (last) break; // it asked for tools again although none were offered
          for (const toolCall of answer.tool_calls) {
            const result = await runTool(toolCall);
            messages.push({ role: "tool", tool_call_id: toolCall.id, content: result });
          }
        }
        // No answer after MAX_MODEL_CALLS calls: the turn failed (the route answers 502).
        throw new NoAnswerError(
          `The model kept calling tools and gave no answer within ${MAX_MODEL_CALLS} model calls (the last one offered no tools).`,
        );
      } catch (error) {
        // The turn failed with this error (a model failure, a cancellation, a bug): record it here
        // too, so the turn itself says why it failed, as every span does (span-reference §7),
        // and what the user was told instead of an answer.
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: oneLine(errorMessage(error)) });
        const apology = error instanceof TurnCancelledError ? error.message : modelFailure(error)?.message;
        if (apology) span.setAttributes({ [OUTPUT_VALUE]: apology, [OUTPUT_MIME_TYPE]: MimeType.TEXT });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** One request to the model, traced as an LLM span. */
async function callModel(
  model: ModelConnection,
  messages: ChatMessage[],
  { timeoutMs, signal, toolChoiceNone = false }: TurnOptions & { toolChoiceNone?: boolean },
): Promise<ChatCompletion> {
  const tools = toolDefinitions();
  const request: ChatCompletionRequest = {
    model: model.model,
    messages,
    tools,
    ...(toolChoiceNone ? { tool_choice: "none" as const } : {}),
    temperature: 0.2,
  };
  // The invocation parameters are the request without its messages (model, temperature, tools, ...):
  // copy every field but `messages`.
  const { messages: _messages, ...invocationParameters } = request;

  return tracer.startActiveSpan(
    "ChatCompletion",
    {
      attributes: {
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.LLM,
        [LLM_SYSTEM]: LLMSystem.OPENAI,
        [LLM_PROVIDER]: model.provider,
        [LLM_MODEL_NAME]: request.model,
        [LLM_INVOCATION_PARAMETERS]: JSON.stringify(invocationParameters),
        [INPUT_VALUE]: JSON.stringify(request),
        [INPUT_MIME_TYPE]: MimeType.JSON,
        ...messageAttributes(LLM_INPUT_MESSAGES, request.messages),
        ...offeredToolAttributes(tools),
        ...getAttributesFromContext(context.active()),
      },
    },
    async (span) => {
      try {
        const response = await model.createChatCompletion(request, { timeoutMs, signal });
        span.setAttributes({
          [LLM_MODEL_NAME]: response.model,
          [OUTPUT_VALUE]: JSON.stringify(response),
          [OUTPUT_MIME_TYPE]: MimeType.JSON,
        });
        const choice = response.choices[0];
        if (choice) {
          span.setAttributes({
            ...messageAttributes(LLM_OUTPUT_MESSAGES, [choice.message]),
            [LLM_FINISH_REASON]: choice.finish_reason,
          });
        }
        if (response.usage) span.setAttributes(tokenCountAttributes(response.usage));
        span.setStatus({ code: SpanStatusCode.OK });
        return response;
      } catch (error) {
        // Cancelled: the abort's reason says why; what fetch made of the abort says less.
        const failure = signal?.aborted ? signal.reason : error;
        // The exception keeps the provider's full text; the status is one line (printed trees stay readable).
        span.recordException(failure as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: oneLine(errorMessage(failure)) });
        throw failure;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * Runs one tool call from the model, traced as a TOOL span; returns the result for the model.
 * A failing tool does not end the turn: the model is told what went wrong and can say so.
 */
async function runTool(toolCall: ToolCall): Promise<string> {
  const tool = findTool(toolCall.function.name);
  return tracer.startActiveSpan(
    toolCall.function.name,
    {
      attributes: {
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.TOOL,
        [TOOL_NAME]: toolCall.function.name,
        // tool.id ties this span to the tool_call.id in the LLM span that asked for it.
        [TOOL_ID]: toolCall.id,
        ...(tool ? { [TOOL_DESCRIPTION]: tool.description, [TOOL_PARAMETERS]: JSON.stringify(tool.parameters) } : {}),
        [INPUT_VALUE]: toolCall.function.arguments,
        [INPUT_MIME_TYPE]: MimeType.JSON,
        ...getAttributesFromContext(context.active()),
      },
    },
    async (span) => {
      try {
        if (!tool) throw new Error(`Unknown tool: ${toolCall.function.name}`);
        const result = JSON.stringify(await tool.run(JSON.parse(toolCall.function.arguments) as Record<string, unknown>));
        span.setAttributes({ [OUTPUT_VALUE]: result, [OUTPUT_MIME_TYPE]: MimeType.JSON });
        span.setStatus({ code: SpanStatusCode.OK });
        return result;
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        const failure = JSON.stringify({ error: errorMessage(error) });
        span.setAttributes({ [OUTPUT_VALUE]: failure, [OUTPUT_MIME_TYPE]: MimeType.JSON });
        return failure;
      } finally {
        span.end();
      }
    },
  );
}

/** Token counts, with the details providers send (cached prompt tokens, reasoning, audio) where known. */
export function tokenCountAttributes(usage: Usage): Attributes {
  const attributes: Attributes = {
    [LLM_TOKEN_COUNT_PROMPT]: usage.prompt_tokens,
    [LLM_TOKEN_COUNT_COMPLETION]: usage.completion_tokens,
    [LLM_TOKEN_COUNT_TOTAL]: usage.total_tokens,
  };
  const details: Array<[string, number | undefined]> = [
    [LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_READ, usage.prompt_tokens_details?.cached_tokens],
    [LLM_TOKEN_COUNT_PROMPT_DETAILS_AUDIO, usage.prompt_tokens_details?.audio_tokens],
    [LLM_TOKEN_COUNT_COMPLETION_DETAILS_REASONING, usage.completion_tokens_details?.reasoning_tokens],
    [LLM_TOKEN_COUNT_COMPLETION_DETAILS_AUDIO, usage.completion_tokens_details?.audio_tokens],
  ];
  for (const [key, value] of details) if (typeof value === "number" && Number.isFinite(value)) attributes[key] = value;
  return attributes;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
