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
    // TODO 2: flatten each of message.tool_calls at index j under `${key}${MESSAGE_TOOL_CALLS}.${j}.`: TOOL_CALL_ID,
    //         TOOL_CALL_FUNCTION_NAME, TOOL_CALL_FUNCTION_ARGUMENTS_JSON.
    // TODO 3: on a tool result, set `${key}${MESSAGE_TOOL_CALL_ID}` to message.tool_call_id, naming the call it answers.
  });
  return attributes;
}

/** Each tool offered to the model, as its full JSON definition: llm.tools.0.tool.json_schema = "{...}", ... */
export function offeredToolAttributes(tools: ToolDefinition[]): Attributes {
  const attributes: Attributes = {};
  // TODO 4: for each tool at index i, set `${LLM_TOOLS}.${i}.${TOOL_JSON_SCHEMA}` to JSON.stringify(tool).
  return attributes;
}
