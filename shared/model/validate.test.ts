import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "./errors.ts";
import { startOfflineModel, type OfflineModel } from "./offline-model.ts";
import { postChat, TOOLS } from "./test-support.ts";
import { parseChatRequest, validateChatRequest } from "./validate.ts";

const hi = { role: "user", content: "hi" };
const base = { model: "m", messages: [hi] };
const call = (id: string) => ({ id, type: "function", function: { name: "get_weather", arguments: "{}" } });

/** The ApiError a body is rejected with. */
function rejection(body: unknown): ApiError {
  try {
    validateChatRequest(body);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error("expected the request to be rejected");
}

// [what is wrong, body, param, code]
const cases: Array<[string, unknown, string | null, string]> = [
  ["body is not an object", [base], null, "invalid_type"],
  ["model missing", { messages: [hi] }, "model", "missing_required_parameter"],
  ["model not a string", { model: 4, messages: [hi] }, "model", "invalid_type"],
  ["model empty", { model: " ", messages: [hi] }, "model", "invalid_value"],
  ["messages missing", { model: "m" }, "messages", "missing_required_parameter"],
  ["messages not an array", { model: "m", messages: "hi" }, "messages", "invalid_type"],
  ["messages empty", { model: "m", messages: [] }, "messages", "empty_array"],
  ["message not an object", { model: "m", messages: ["hi"] }, "messages[0]", "invalid_type"],
  ["role missing", { model: "m", messages: [{ content: "x" }] }, "messages[0].role", "missing_required_parameter"],
  ["role unknown", { model: "m", messages: [hi, { role: "robot", content: "x" }] }, "messages[1].role", "invalid_value"],
  ["content missing", { model: "m", messages: [{ role: "user" }] }, "messages[0].content", "missing_required_parameter"],
  ["content a number", { model: "m", messages: [{ role: "user", content: 3 }] }, "messages[0].content", "invalid_type"],
  ["content null on a user message", { model: "m", messages: [{ role: "user", content: null }] }, "messages[0].content", "invalid_value"],
  [
    "content null on an assistant message without tool calls",
    { model: "m", messages: [hi, { role: "assistant", content: null }] },
    "messages[1].content",
    "invalid_value",
  ],
  ["content an empty array", { model: "m", messages: [{ role: "user", content: [] }] }, "messages[0].content", "empty_array"],
  [
    "content part not text",
    { model: "m", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }] },
    "messages[0].content[0].type",
    "invalid_value",
  ],
  [
    "content part without text",
    { model: "m", messages: [{ role: "user", content: [{ type: "text" }] }] },
    "messages[0].content[0].text",
    "missing_required_parameter",
  ],
  [
    "tool_calls on a user message",
    { model: "m", messages: [{ role: "user", content: "x", tool_calls: [call("a")] }] },
    "messages[0].tool_calls",
    "invalid_value",
  ],
  [
    "tool call without id",
    { model: "m", messages: [hi, { role: "assistant", content: null, tool_calls: [{ type: "function", function: { name: "f", arguments: "{}" } }] }] },
    "messages[1].tool_calls[0].id",
    "missing_required_parameter",
  ],
  [
    "tool call of another type",
    { model: "m", messages: [hi, { role: "assistant", content: null, tool_calls: [{ ...call("a"), type: "code" }] }] },
    "messages[1].tool_calls[0].type",
    "invalid_value",
  ],
  [
    "tool call without a function name",
    { model: "m", messages: [hi, { role: "assistant", content: null, tool_calls: [{ id: "a", type: "function", function: { arguments: "{}" } }] }] },
    "messages[1].tool_calls[0].function.name",
    "missing_required_parameter",
  ],
  [
    "tool call arguments as an object",
    { model: "m", messages: [hi, { role: "assistant", content: null, tool_calls: [{ id: "a", type: "function", function: { name: "f", arguments: {} } }] }] },
    "messages[1].tool_calls[0].function.arguments",
    "invalid_type",
  ],
  [
    "tool message without tool_call_id",
    { model: "m", messages: [hi, { role: "assistant", content: null, tool_calls: [call("a")] }, { role: "tool", content: "x" }] },
    "messages[2].tool_call_id",
    "missing_required_parameter",
  ],
  [
    "tool message answering no call",
    { model: "m", messages: [hi, { role: "tool", content: "x", tool_call_id: "a" }] },
    "messages[1].tool_call_id",
    "invalid_value",
  ],
  [
    "tool call without a response",
    {
      model: "m",
      messages: [hi, { role: "assistant", content: null, tool_calls: [call("a"), call("b")] }, { role: "tool", content: "x", tool_call_id: "a" }],
    },
    "messages[1].role",
    "missing_tool_response",
  ],
  ["tools not an array", { ...base, tools: {} }, "tools", "invalid_type"],
  ["tools empty", { ...base, tools: [] }, "tools", "empty_array"],
  ["tool of another type", { ...base, tools: [{ type: "retrieval", function: { name: "f" } }] }, "tools[0].type", "invalid_value"],
  ["tool without function", { ...base, tools: [{ type: "function" }] }, "tools[0].function", "missing_required_parameter"],
  ["tool name with spaces", { ...base, tools: [{ type: "function", function: { name: "get weather" } }] }, "tools[0].function.name", "invalid_value"],
  ["tool name too long", { ...base, tools: [{ type: "function", function: { name: "f".repeat(65) } }] }, "tools[0].function.name", "invalid_value"],
  ["tool description not a string", { ...base, tools: [{ type: "function", function: { name: "f", description: 1 } }] }, "tools[0].function.description", "invalid_type"],
  ["tool parameters not an object", { ...base, tools: [{ type: "function", function: { name: "f", parameters: [] } }] }, "tools[0].function.parameters", "invalid_type"],
  ["stream not a boolean", { ...base, stream: "yes" }, "stream", "invalid_type"],
  ["stream_options without stream", { ...base, stream_options: { include_usage: true } }, "stream_options", "invalid_value"],
  ["include_usage not a boolean", { ...base, stream: true, stream_options: { include_usage: 1 } }, "stream_options.include_usage", "invalid_type"],
  ["temperature not a number", { ...base, temperature: "hot" }, "temperature", "invalid_type"],
  ["temperature above 2", { ...base, temperature: 2.5 }, "temperature", "invalid_value"],
  ["temperature below 0", { ...base, temperature: -1 }, "temperature", "invalid_value"],
  ["max_tokens zero", { ...base, max_tokens: 0 }, "max_tokens", "invalid_value"],
  ["max_tokens not an integer", { ...base, max_tokens: 1.5 }, "max_tokens", "invalid_value"],
  ["max_completion_tokens negative", { ...base, max_completion_tokens: -3 }, "max_completion_tokens", "invalid_value"],
  ["tool_choice unknown", { ...base, tools: TOOLS, tool_choice: "sometimes" }, "tool_choice", "invalid_value"],
  ["tool_choice as an object", { ...base, tools: TOOLS, tool_choice: { type: "function" } }, "tool_choice", "invalid_value"],
  ["tool_choice without tools", { ...base, tool_choice: "auto" }, "tool_choice", "invalid_value"],
];

describe("validateChatRequest rejects", () => {
  it.each(cases)("%s", (_what, body, param, code) => {
    const error = rejection(body);
    expect(error.status).toBe(400);
    expect(error.type).toBe("invalid_request_error");
    expect(error.param).toBe(param);
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(10);
  });
});

describe("validateChatRequest accepts", () => {
  it("a full request and returns it cleaned", () => {
    const request = validateChatRequest({
      model: "m",
      messages: [
        { role: "system", content: "Be brief.", extra: "dropped" },
        { role: "user", content: [{ type: "text", text: "weather" }, { type: "text", text: "in Paris" }] },
        { role: "assistant", tool_calls: [call("a")] },
        { role: "tool", content: "{}", tool_call_id: "a", name: "get_weather" },
      ],
      tools: TOOLS,
      tool_choice: "auto",
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0,
      max_completion_tokens: 50,
      seed: 7, // unknown fields are ignored
    });
    expect(request.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "weather\nin Paris" },
      { role: "assistant", content: null, tool_calls: [call("a")] },
      { role: "tool", content: "{}", tool_call_id: "a", name: "get_weather" },
    ]);
    expect(request).toMatchObject({ tool_choice: "auto", stream: true, stream_options: { include_usage: true }, temperature: 0, max_tokens: 50 });
    expect(request.tools).toBe(TOOLS); // kept exactly as sent
  });

  it("a tool without description or parameters", () => {
    expect(() => validateChatRequest({ ...base, tools: [{ type: "function", function: { name: "ping" } }] })).not.toThrow();
  });
});

describe("parseChatRequest", () => {
  it("rejects a body that is not JSON", () => {
    expect(() => parseChatRequest("{model:")).toThrowError(/could not parse the JSON body/);
  });
});

describe("validation over HTTP", () => {
  let model: OfflineModel;
  beforeAll(async () => {
    model = await startOfflineModel();
  });
  afterAll(() => model.close());

  it("answers 400 with an OpenAI error body naming the field", async () => {
    const response = await postChat(model, { model: "m", messages: [hi, { role: "robot", content: "x" }] });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      error: {
        message: expect.stringContaining("'system', 'developer', 'user', 'assistant' and 'tool'"),
        type: "invalid_request_error",
        param: "messages[1].role",
        code: "invalid_value",
      },
    });
  });

  it("answers 400 invalid_json to a body that is not JSON, whatever its content type", async () => {
    const response = await postChat(model, "model=m&messages=hi", { headers: { "content-type": "text/plain" } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error", code: "invalid_json", param: null } });
  });

  it("parses JSON sent without a JSON content type", async () => {
    const response = await postChat(model, JSON.stringify(base), { headers: { "content-type": "text/plain" } });
    expect(response.status).toBe(200);
  });

  it("answers 400 when a tool call has no tool message", async () => {
    const response = await postChat(model, {
      model: "m",
      messages: [hi, { role: "assistant", content: null, tool_calls: [call("call_x")] }],
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toContain("did not have response messages: call_x");
  });
});
