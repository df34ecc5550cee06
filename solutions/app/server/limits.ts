// What one request may carry, and what tracing may hold: the numbers behind the app's memory
// ceiling (solutions/app/README.md, "Limits and memory"). Change them here, together.

/** messages in one POST /api/chat (the whole conversation, oldest first) */
export const MAX_MESSAGES = 200;
/** characters in one message */
export const MAX_MESSAGE_LENGTH = 20_000;
/** UTF-8 bytes of message text in one conversation, all messages together: 413 beyond */
export const MAX_CONVERSATION_BYTES = 256 * 1024;
/** bytes of one request body, JSON as sent: 413 beyond */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** chat turns answered at once (APP_MAX_CONCURRENT_TURNS); one more gets a 503 with retry-after */
export const DEFAULT_MAX_CONCURRENT_TURNS = 32;
/**
 * answers judged at once (APP_MAX_CONCURRENT_JUDGINGS, lesson 10's evaluations): each holds a judge
 * call to the model, which costs what a chat call costs; an answer beyond them is not judged
 */
export const DEFAULT_MAX_CONCURRENT_JUDGINGS = 4;

/** A model that keeps calling tools must not loop forever: model calls per turn. */
export const MAX_MODEL_CALLS = 5;
/** parallel tool calls of one model answer that the span limits are sized for */
export const TOOL_CALLS_PER_STEP_SIZED_FOR = 16;

/**
 * Attributes per span. OpenTelemetry keeps 128 by default and silently drops the rest: an LLM
 * span with flattened messages reaches that at about 55 messages, and the keys set last
 * (output.value, output messages, token counts, finish_reason) are the ones lost.
 * The heaviest LLM span is the last call of a turn with the longest conversation: the system
 * prompt and MAX_MESSAGES messages (role + content: 2 keys each), then per earlier step an
 * assistant message with its tool calls (role + 3 keys a call) and a tool message per call
 * (role, content, tool_call_id), plus about 45 fixed keys (kind, model, parameters, tools,
 * tokens, session, prompt template, output...).
 */
export const SPAN_ATTRIBUTE_COUNT_LIMIT =
  2 * (1 + MAX_MESSAGES) + (MAX_MODEL_CALLS - 1) * (1 + 6 * TOOL_CALLS_PER_STEP_SIZED_FOR) + 64;

/**
 * Characters per attribute value: longer strings are cut to this. Room for the largest value
 * the app makes from an accepted request (the LLM request as JSON: the conversation, escaped,
 * plus the system prompt and tool definitions), so normally nothing is cut; a cap all the same,
 * so no single attribute can hold more.
 */
export const SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT = 2 * MAX_CONVERSATION_BYTES;

/**
 * Attribute text (estimated as 2 bytes a character, UTF-16) the spans waiting for export may
 * hold, all together; APP_SPAN_QUEUE_MAX_BYTES. A span that would go over it is dropped, like a
 * span over OTEL_BSP_MAX_QUEUE_SIZE.
 */
export const DEFAULT_SPAN_QUEUE_MAX_BYTES = 64 * 1024 * 1024;
