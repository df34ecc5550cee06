// What the messages lesson taught, checked on any later lesson's trace: each LLM span lists the messages
// sent and the answer received, one attribute per field under zero-based indices, and the
// finish reason. (Tool calls inside messages are the tools lesson's: see tools.ts.)
import {
  LLM_FINISH_REASON,
  LLM_INPUT_MESSAGES,
  LLM_OUTPUT_MESSAGES,
  MESSAGE_CONTENT,
  MESSAGE_ROLE,
} from "@arizeai/openinference-semantic-conventions";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { ChatMessage } from "../../openai/types.ts";
import type { SpanChecks } from "../span-checks.ts";
import type { RecordedCall } from "./llm-spans.ts";

export function checkMessages(lessonChecks: SpanChecks, calls: RecordedCall[]): void {
  const checks = lessonChecks.taughtIn("messages");
  for (const { span, request, response } of calls) {
    checks.flattened(span, LLM_INPUT_MESSAGES, `${LLM_INPUT_MESSAGES}.0.${MESSAGE_ROLE}, ${LLM_INPUT_MESSAGES}.0.${MESSAGE_CONTENT}, ...`, { hint: 1 });
    checkMessageList(checks, span, LLM_INPUT_MESSAGES, request.messages, { role: 1, content: 2 });
    if (!response) continue;
    const choice = response.choices[0];
    if (!choice) continue;
    checks.flattened(span, LLM_OUTPUT_MESSAGES, `${LLM_OUTPUT_MESSAGES}.0.${MESSAGE_ROLE}, ${LLM_OUTPUT_MESSAGES}.0.${MESSAGE_CONTENT}`, { hint: 3 });
    checkMessageList(checks, span, LLM_OUTPUT_MESSAGES, [choice.message], { role: 3, content: 3 });
    checks.attribute(span, LLM_FINISH_REASON, choice.finish_reason, { hint: 3 });
  }
}

/** Role and content of each message under `prefix.<i>.`, and nothing beyond the last index. */
function checkMessageList(checks: SpanChecks, span: ReadableSpan, prefix: string, messages: ChatMessage[], hints: { role: number; content: number }): void {
  messages.forEach((message, index) => {
    const key = `${prefix}.${index}.`;
    checks.attribute(span, key + MESSAGE_ROLE, message.role, { hint: hints.role });
    if (message.content === null) {
      checks.noAttribute(
        span,
        key + MESSAGE_CONTENT,
        `message ${index} has no content (null: it only calls tools); leave the key out rather than writing ${JSON.stringify(span.attributes[key + MESSAGE_CONTENT])}.`,
        { hint: 2, mistake: span.attributes[key + MESSAGE_CONTENT] === "null" ? 'String(null) or `${null}` gives the text "null": test `message.content !== null` before setting the key.' : undefined },
      );
    } else {
      checks.attribute(span, key + MESSAGE_CONTENT, message.content, { hint: hints.content });
    }
  });
  checks.noAttribute(span, `${prefix}.${messages.length}.${MESSAGE_ROLE}`, `only ${messages.length} message(s), at indices 0 to ${messages.length - 1}.`, {
    hint: hints.role,
    mistake: span.attributes[`${prefix}.0.${MESSAGE_ROLE}`] === undefined ? "the indices start at 1: the first message is index 0 (messages.forEach((message, index) => ...) gives 0, 1, ...)." : undefined,
  });
}
