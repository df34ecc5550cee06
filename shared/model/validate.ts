// Checks a chat-completions request body the way a provider does, and answers a mistake
// with a 400 that names the field (`param`, e.g. "messages[1].role") instead of guessing.
// A chatbot that passes here is unlikely to be rejected by a real provider for its shape.
//
// The result is a clean ChatCompletionRequest: content given as text parts is joined into
// one string, unknown message fields are dropped. Unknown top-level fields (seed, top_p,
// parallel_tool_calls...) are ignored, not rejected.

import type {
  ChatCompletionRequest,
  ChatMessage,
  ResponseFormat,
  Role,
  ToolCall,
  ToolDefinition,
} from "../openai/types.ts";
import { invalidRequest, type ApiError } from "./errors.ts";

type JsonObject = Record<string, unknown>;

const ROLES: readonly Role[] = ["system", "developer", "user", "assistant", "tool"];
const TOOL_CHOICES = ["auto", "none", "required"] as const;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Parses the raw body text; a body that is not JSON gets the same 400 a provider sends. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidRequest(
      "We could not parse the JSON body of your request. (The offline model expects a JSON payload, " +
        "but what was sent was not valid JSON.)",
      null,
      "invalid_json",
    );
  }
}

export function parseChatRequest(text: string): ChatCompletionRequest {
  return validateChatRequest(parseJsonBody(text));
}

export function validateChatRequest(body: unknown): ChatCompletionRequest {
  if (!isObject(body)) {
    throw invalidRequest(
      `The request body must be a JSON object, but got ${describe(body)}.`,
      null,
      "invalid_type",
    );
  }

  const model = requireString(body.model, "model");
  if (model.trim() === "") {
    throw invalidRequest("Invalid 'model': you must name a model.", "model", "invalid_value");
  }

  const rawMessages = requireArray(body.messages, "messages");
  const messages = rawMessages.map((message, i) => validateMessage(message, `messages[${i}]`));
  checkToolResponses(messages);

  const request: ChatCompletionRequest = { model, messages };

  if (body.tools !== undefined) request.tools = validateTools(body.tools);

  if (body.tool_choice !== undefined) {
    request.tool_choice = validateToolChoice(body.tool_choice);
    if (!request.tools) {
      throw invalidRequest(
        "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
        "tool_choice",
        "invalid_value",
      );
    }
  }

  if (body.stream !== undefined) request.stream = requireBoolean(body.stream, "stream");

  if (body.stream_options !== undefined && body.stream_options !== null) {
    if (request.stream !== true) {
      throw invalidRequest(
        "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        "stream_options",
        "invalid_value",
      );
    }
    const options = requireObject(body.stream_options, "stream_options");
    request.stream_options = {};
    if (options.include_usage !== undefined) {
      request.stream_options.include_usage = requireBoolean(
        options.include_usage,
        "stream_options.include_usage",
      );
    }
  }

  if (body.temperature !== undefined) {
    const temperature = requireNumber(body.temperature, "temperature");
    if (temperature < 0 || temperature > 2) {
      throw invalidRequest(
        `Invalid 'temperature': ${temperature} is out of range. Expected a number between 0 and 2.`,
        "temperature",
        "invalid_value",
      );
    }
    request.temperature = temperature;
  }

  // Newer OpenAI clients send max_completion_tokens; it means the same thing here.
  const maxTokensField = body.max_tokens !== undefined ? "max_tokens" : "max_completion_tokens";
  const maxTokens = body[maxTokensField];
  if (maxTokens !== undefined) {
    if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 1) {
      throw invalidRequest(
        `Invalid '${maxTokensField}': expected a positive integer, but got ${JSON.stringify(maxTokens)}.`,
        maxTokensField,
        "invalid_value",
      );
    }
    request.max_tokens = maxTokens;
  }

  if (body.user !== undefined) request.user = requireString(body.user, "user");

  if (body.response_format !== undefined && body.response_format !== null) {
    request.response_format = validateResponseFormat(body.response_format);
  }

  return request;
}

/** { type: "text" | "json_object" } or { type: "json_schema", json_schema: { name, schema?, strict? } }, as OpenAI takes it. */
function validateResponseFormat(value: unknown): ResponseFormat {
  const format = requireObject(value, "response_format");
  const type = format.type;
  if (type === "text" || type === "json_object") return { type };
  if (type !== "json_schema") {
    throw invalidRequest(
      `Invalid value for 'response_format.type': expected one of "text", "json_object" or "json_schema", but got ${describe(type)}.`,
      "response_format.type",
      "invalid_value",
    );
  }
  const jsonSchema = requireObject(format.json_schema, "response_format.json_schema");
  const name = requireString(jsonSchema.name, "response_format.json_schema.name");
  const result: ResponseFormat = { type, json_schema: { name } };
  if (jsonSchema.schema !== undefined) result.json_schema.schema = requireObject(jsonSchema.schema, "response_format.json_schema.schema");
  if (jsonSchema.strict !== undefined && jsonSchema.strict !== null) result.json_schema.strict = requireBoolean(jsonSchema.strict, "response_format.json_schema.strict");
  if (typeof jsonSchema.description === "string") result.json_schema.description = jsonSchema.description;
  return result;
}

// ---- messages ---------------------------------------------------------------------------

function validateMessage(raw: unknown, at: string): ChatMessage {
  const message = requireObject(raw, at);

  const role = message.role;
  if (role === undefined) throw missing(`${at}.role`);
  if (!isRole(role)) {
    throw invalidRequest(
      `Invalid value for '${at}.role': ${JSON.stringify(role)}. ` +
        "Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.",
      `${at}.role`,
      "invalid_value",
    );
  }

  if (message.tool_calls !== undefined && role !== "assistant") {
    throw invalidRequest(
      `Invalid '${at}.tool_calls': only assistant messages can carry tool calls.`,
      `${at}.tool_calls`,
      "invalid_value",
    );
  }
  const toolCalls =
    message.tool_calls === undefined ? undefined : validateToolCalls(message.tool_calls, `${at}.tool_calls`);

  const clean: ChatMessage = { role, content: validateContent(message.content, role, toolCalls, at) };
  if (toolCalls) clean.tool_calls = toolCalls;
  if (role === "tool") clean.tool_call_id = requireString(message.tool_call_id, `${at}.tool_call_id`);
  if (message.name !== undefined) clean.name = requireString(message.name, `${at}.name`);
  return clean;
}

/** A string, or an array of `{ type: "text", text }` parts (joined with newlines). */
function validateContent(
  value: unknown,
  role: Role,
  toolCalls: ToolCall[] | undefined,
  at: string,
): string | null {
  const param = `${at}.content`;
  // Only an assistant message that calls tools may come without text.
  const mayBeNull = role === "assistant" && toolCalls !== undefined;

  if (value === undefined) {
    if (mayBeNull) return null;
    throw missing(param);
  }
  if (value === null) {
    if (mayBeNull) return null;
    throw invalidRequest(
      `Invalid value for '${param}': content can only be null on an assistant message that has tool_calls.`,
      param,
      "invalid_value",
    );
  }
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) throw wrongType(param, "a string or an array of text parts", value);
  if (value.length === 0) throw emptyArray(param);

  return value
    .map((rawPart, j) => {
      const part = requireObject(rawPart, `${param}[${j}]`);
      if (part.type !== "text") {
        throw invalidRequest(
          `Invalid value for '${param}[${j}].type': ${JSON.stringify(part.type)}. ` +
            "The offline model only understands text parts ({ type: 'text', text: '...' }).",
          `${param}[${j}].type`,
          "invalid_value",
        );
      }
      return requireString(part.text, `${param}[${j}].text`);
    })
    .join("\n");
}

function validateToolCalls(value: unknown, at: string): ToolCall[] {
  const calls = requireArray(value, at);
  return calls.map((rawCall, j) => {
    const param = `${at}[${j}]`;
    const call = requireObject(rawCall, param);
    const id = requireString(call.id, `${param}.id`);
    requireFunctionType(call.type, `${param}.type`);
    const fn = requireObject(call.function, `${param}.function`);
    return {
      id,
      type: "function",
      function: {
        name: requireString(fn.name, `${param}.function.name`),
        arguments: requireString(fn.arguments, `${param}.function.arguments`),
      },
    };
  });
}

/**
 * Every assistant message with tool_calls must be followed by one tool message per call,
 * and every tool message must answer a call of the assistant message just before it.
 */
function checkToolResponses(messages: ChatMessage[]): void {
  // The assistant message whose calls are being answered, and the ids still unanswered.
  let open: { at: number; ids: Set<string>; unanswered: Set<string> } | undefined;

  const closeOpen = (): void => {
    if (open && open.unanswered.size > 0) {
      throw invalidRequest(
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each " +
          "'tool_call_id'. The following tool_call_ids did not have response messages: " +
          [...open.unanswered].join(", "),
        `messages[${open.at}].role`,
        "missing_tool_response",
      );
    }
    open = undefined;
  };

  messages.forEach((message, i) => {
    if (message.role === "tool") {
      const id = message.tool_call_id ?? "";
      if (!open || !open.ids.has(id)) {
        throw invalidRequest(
          "Invalid parameter: messages with role 'tool' must be a response to a preceding message with " +
            `'tool_calls'. No such call has the id ${JSON.stringify(id)}.`,
          `messages[${i}].tool_call_id`,
          "invalid_value",
        );
      }
      open.unanswered.delete(id);
      return;
    }
    closeOpen();
    if (message.tool_calls) {
      const ids = message.tool_calls.map((call) => call.id);
      open = { at: i, ids: new Set(ids), unanswered: new Set(ids) };
    }
  });
  closeOpen();
}

// ---- tools ------------------------------------------------------------------------------

function validateTools(value: unknown): ToolDefinition[] {
  const tools = requireArray(value, "tools");
  tools.forEach((rawTool, i) => {
    const param = `tools[${i}]`;
    const tool = requireObject(rawTool, param);
    requireFunctionType(tool.type, `${param}.type`);
    const fn = requireObject(tool.function, `${param}.function`);
    const name = requireString(fn.name, `${param}.function.name`);
    if (!TOOL_NAME.test(name)) {
      throw invalidRequest(
        `Invalid '${param}.function.name': ${JSON.stringify(name)} does not match the pattern ` +
          `'^[a-zA-Z0-9_-]{1,64}$' (letters, digits, _ and -, at most 64 characters).`,
        `${param}.function.name`,
        "invalid_value",
      );
    }
    if (fn.description !== undefined) requireString(fn.description, `${param}.function.description`);
    if (fn.parameters !== undefined) requireObject(fn.parameters, `${param}.function.parameters`);
  });
  // Kept exactly as sent (description and parameters may be absent), so that the prompt
  // token count is computed from what the client sent.
  return tools as ToolDefinition[];
}

function validateToolChoice(value: unknown): "auto" | "none" | "required" {
  const choice = TOOL_CHOICES.find((known) => known === value);
  if (choice) return choice;
  throw invalidRequest(
    `Invalid value for 'tool_choice': ${JSON.stringify(value)}. ` +
      "The offline model supports 'auto', 'none' and 'required'.",
    "tool_choice",
    "invalid_value",
  );
}

// ---- small checks that name the offending field ----------------------------------------

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isRole(value: unknown): value is Role {
  return ROLES.some((role) => role === value);
}

/** "a string", "an array", "null"... for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value === undefined) return "nothing";
  const type = typeof value;
  return type === "object" ? "an object" : `a ${type}`;
}

export function missing(param: string): ApiError {
  return invalidRequest(`Missing required parameter: '${param}'.`, param, "missing_required_parameter");
}

export function wrongType(param: string, expected: string, value: unknown): ApiError {
  return invalidRequest(
    `Invalid type for '${param}': expected ${expected}, but got ${describe(value)} instead.`,
    param,
    "invalid_type",
  );
}

export function emptyArray(param: string): ApiError {
  return invalidRequest(
    `Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`,
    param,
    "empty_array",
  );
}

export function requireString(value: unknown, param: string): string {
  if (value === undefined) throw missing(param);
  if (typeof value !== "string") throw wrongType(param, "a string", value);
  return value;
}

function requireBoolean(value: unknown, param: string): boolean {
  if (typeof value !== "boolean") throw wrongType(param, "a boolean", value);
  return value;
}

function requireNumber(value: unknown, param: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw wrongType(param, "a number", value);
  return value;
}

function requireObject(value: unknown, param: string): JsonObject {
  if (value === undefined) throw missing(param);
  if (!isObject(value)) throw wrongType(param, "an object", value);
  return value;
}

/** A non-empty array. */
function requireArray(value: unknown, param: string): unknown[] {
  if (value === undefined) throw missing(param);
  if (!Array.isArray(value)) throw wrongType(param, "an array", value);
  if (value.length === 0) throw emptyArray(param);
  return value;
}

function requireFunctionType(value: unknown, param: string): void {
  if (value === undefined) throw missing(param);
  if (value !== "function") {
    throw invalidRequest(
      `Invalid value for '${param}': ${JSON.stringify(value)}. Supported values are: 'function'.`,
      param,
      "invalid_value",
    );
  }
}
