// Span attributes are flat: no lists, no nested objects. A list of messages becomes indexed keys,
// one per field, which is how Phoenix finds them and shows the conversation as a chat:
//   llm.input_messages.0.message.role = "system", llm.input_messages.0.message.content = "...", ...
import { MESSAGE_CONTENT, MESSAGE_ROLE } from "@arizeai/openinference-semantic-conventions";
import type { Attributes } from "@opentelemetry/api";
import type { ChatMessage } from "../../shared/openai/types.ts";

/** The messages under `prefix` (LLM_INPUT_MESSAGES or LLM_OUTPUT_MESSAGES), one key per field. */
export function messageAttributes(prefix: string, messages: ChatMessage[]): Attributes {
  const attributes: Attributes = {};
  // TODO 3: for each message at index i, set `${prefix}.${i}.${MESSAGE_ROLE}` to its role and
  //         `${prefix}.${i}.${MESSAGE_CONTENT}` to its content (only when content is not null).
  return attributes;
}
