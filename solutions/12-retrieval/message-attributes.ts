// Span attributes are flat: no lists, no nested objects. A list of messages becomes indexed keys,
// one per field, which is how Phoenix finds them and shows the conversation as a chat:
//   llm.input_messages.0.message.role = "system", llm.input_messages.0.message.content = "...", ...
// The tools offered to the model are a list too (lesson 5).
import {
  LLM_TOOLS,
  MESSAGE_CONTENT,
  MESSAGE_ROLE,
  MESSAGE_TOOL_CALLS,
  MESSAGE_TOOL_CALL_ID,
  TOOL_CALL_FUNCTION_ARGUMENTS_JSON,
  TOOL_CALL_FUNCTION_NAME,
  TOOL_CALL_ID,
  TOOL_JSON_SCHEMA,
} from "@arizeai/openinference-semantic-conventions";
import type { Attributes } from "@opentelemetry/api";
import type { ChatMessage, ToolDefinition } from "../../shared/openai/types.ts";

/** The messages under `prefix` (LLM_INPUT_MESSAGES or LLM_OUTPUT_MESSAGES), one key per field. */
export function messageAttributes(prefix: string, messages: ChatMessage[]): Attributes {
  const attributes: Attributes = {};
  messages.forEach((message, index) => {
    const key = `${prefix}.${index}.`;
    attributes[key + MESSAGE_ROLE] = message.role;
    // An assistant message that only calls tools has null content: leave the key out.
    if (message.content !== null) attributes[key + MESSAGE_CONTENT] = message.content;
    // Tool calls nest one level deeper: ...message.tool_calls.0.tool_call.function.name
    message.tool_calls?.forEach((toolCall, callIndex) => {
      const callKey = `${key}${MESSAGE_TOOL_CALLS}.${callIndex}.`;
      attributes[callKey + TOOL_CALL_ID] = toolCall.id;
      attributes[callKey + TOOL_CALL_FUNCTION_NAME] = toolCall.function.name;
      attributes[callKey + TOOL_CALL_FUNCTION_ARGUMENTS_JSON] = toolCall.function.arguments;
    });
    // A tool result names the call it answers.
    if (message.tool_call_id) attributes[key + MESSAGE_TOOL_CALL_ID] = message.tool_call_id;
  });
  return attributes;
}

/** Each tool offered to the model, as its full JSON definition: llm.tools.0.tool.json_schema = "{...}", ... */
export function offeredToolAttributes(tools: ToolDefinition[]): Attributes {
  const attributes: Attributes = {};
  tools.forEach((tool, index) => {
    attributes[`${LLM_TOOLS}.${index}.${TOOL_JSON_SCHEMA}`] = JSON.stringify(tool);
  });
  return attributes;
}
