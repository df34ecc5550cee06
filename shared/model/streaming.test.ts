import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from "../openai/types.ts";
import { startOfflineModel, type OfflineModel, type StreamStyleSpec } from "./offline-model.ts";
import { MAX_TEXT_CHUNKS } from "./sse.ts";
import { ask, assembleStream, chunksOf, postChat, sseData } from "./test-support.ts";

let model: OfflineModel;
beforeAll(async () => {
  model = await startOfflineModel({ streamChunkDelayMs: 1 });
});
afterAll(() => model.close());

async function stream(
  request: ChatCompletionRequest,
  server: OfflineModel = model,
): Promise<{ data: string[]; chunks: ChatCompletionChunk[] }> {
  const response = await postChat(server, { ...request, stream: true });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/event-stream");
  const text = await response.text();
  return { data: sseData(text), chunks: chunksOf(text) };
}

async function complete(request: ChatCompletionRequest): Promise<ChatCompletion> {
  return (await (await postChat(model, request)).json()) as ChatCompletion;
}

const deltas = (chunks: ChatCompletionChunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta);

describe("streaming text", () => {
  it("sends a role chunk, one chunk per word, a finish chunk, then [DONE]", async () => {
    const request = ask("hello");
    const { data, chunks } = await stream(request);
    const whole = await complete(request);

    expect(data.at(-1)).toBe("[DONE]");
    expect(chunks[0]?.choices[0]).toEqual({ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null });
    expect(chunks.at(-1)?.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: "stop" });

    const pieces = deltas(chunks.slice(1, -1)).map((delta) => delta?.content);
    expect(pieces.slice(0, 3)).toEqual(["Hello! ", "I'm ", "the "]);
    expect(pieces.join("")).toBe(whole.choices[0]?.message.content);

    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ id: whole.id, object: "chat.completion.chunk", model: "test-model-2024-07-18" });
      expect(chunk.created).toBe(chunks[0]?.created);
      expect(chunk).not.toHaveProperty("usage"); // no include_usage: no usage at all
    }
  });

  it("adds usage in a final chunk only with stream_options.include_usage", async () => {
    const request = ask("hello");
    const { data, chunks } = await stream({ ...request, stream: true, stream_options: { include_usage: true } });
    const whole = await complete(request);

    expect(data.at(-1)).toBe("[DONE]");
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual(whole.usage);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("reports finish_reason length when max_tokens cuts the text", async () => {
    const { chunks } = await stream(ask("hello", { max_tokens: 3 }));
    const text = deltas(chunks).map((delta) => delta?.content ?? "").join("");
    expect(text).toBe("Hello! I");
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("length");
  });
});

describe("streaming tool calls", () => {
  it("sends each call's id and name first, then its arguments in pieces, tied by index", async () => {
    const request = ask("weather in Paris and Tokyo, and calculate 12 * 7");
    const { chunks } = await stream(request);
    const expected = (await complete(request)).choices[0]?.message.tool_calls ?? [];
    expect(expected).toHaveLength(3);

    const toolDeltas = deltas(chunks).flatMap((delta) => delta?.tool_calls ?? []);
    for (const [index, call] of expected.entries()) {
      const mine = toolDeltas.filter((delta) => delta.index === index);
      expect(mine[0]).toEqual({ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } });
      const pieces = mine.slice(1);
      expect(pieces.length).toBeGreaterThanOrEqual(2);
      for (const piece of pieces) expect(piece).not.toHaveProperty("id");
      expect(pieces.map((piece) => piece.function?.arguments).join("")).toBe(call.function.arguments);
    }
    expect(chunks.at(-1)?.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: "tool_calls" });
  });
});

describe("a long answer", () => {
  it(`is streamed in at most ${MAX_TEXT_CHUNKS} text chunks that join to the whole text`, async () => {
    const request = ask(Array.from({ length: 1000 }, (_, i) => `word${i}`).join(" "));
    const { chunks } = await stream(request);
    const text = (await complete(request)).choices[0]?.message.content;
    const textChunks = chunks.filter((chunk) => chunk.choices[0]?.delta.content);
    expect(textChunks.length).toBeLessThanOrEqual(MAX_TEXT_CHUNKS);
    expect(textChunks.length).toBeGreaterThan(MAX_TEXT_CHUNKS / 2);
    expect(assembleStream(chunks).content).toBe(text);
  });
});

describe("stream styles", () => {
  const withUsage = (text: string, extra: Partial<ChatCompletionRequest> = {}) =>
    ask(text, { stream: true, stream_options: { include_usage: true }, ...extra });
  const PARIS_AND_TOKYO = "What's the weather in Paris and in Tokyo?";

  async function styled(spec: StreamStyleSpec, request: ChatCompletionRequest) {
    const server = await startOfflineModel({ streamChunkDelayMs: 0, streamStyle: spec });
    try {
      return (await stream(request, server)).chunks;
    } finally {
      await server.close();
    }
  }

  it("openai (the default): finish_reason null, a role chunk with empty content, usage with choices []", async () => {
    const chunks = (await stream(withUsage("hello"))).chunks;
    for (const chunk of chunks.slice(0, -2)) expect(chunk.choices[0]).toHaveProperty("finish_reason", null);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    expect(chunks.at(-1)).toMatchObject({ choices: [] });
    expect(chunks.at(-1)?.usage).not.toHaveProperty("cost");
  });

  it("omit-finish-reason: non-final chunks have no finish_reason key; the final one has it", async () => {
    const chunks = await styled("omit-finish-reason", withUsage("hello"));
    const finish = chunks.at(-2)!;
    expect(finish.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: "stop" });
    for (const chunk of chunks.slice(0, -2)) expect(chunk.choices[0]).not.toHaveProperty("finish_reason");
    for (const chunk of chunks.slice(0, -1)) expect(chunk).toHaveProperty("usage", null); // usage null is kept
  });

  it("omit-null-usage: with include_usage, only the last chunk has a usage key", async () => {
    const chunks = await styled("omit-null-usage", withUsage("hello"));
    for (const chunk of chunks.slice(0, -1)) expect(chunk).not.toHaveProperty("usage");
    expect(chunks.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("usage-choice: the usage chunk carries choices [{ index: 0, delta: {} }]", async () => {
    const chunks = await styled(["usage-choice"], withUsage("hello"));
    expect(chunks.at(-1)?.choices).toEqual([{ index: 0, delta: {}, finish_reason: null }]);
    const litellmLike = await styled(["usage-choice", "omit-finish-reason"], withUsage("hello"));
    expect(litellmLike.at(-1)?.choices).toEqual([{ index: 0, delta: {} }]);
    expect(litellmLike.at(-1)?.usage).toEqual((await complete(ask("hello"))).usage);
  });

  it("text-first: the first chunk carries the role and the first word; no empty role chunk", async () => {
    const chunks = await styled({ textFirst: true }, ask("hello"));
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "Hello! " });
    expect(assembleStream(chunks).content).toBe((await complete(ask("hello"))).choices[0]?.message.content);
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.role)).toHaveLength(1);
  });

  it("text-first with tool calls: the first chunk carries the role and the first call", async () => {
    const chunks = await styled("text-first", ask(PARIS_AND_TOKYO));
    const [firstCall] = (await complete(ask(PARIS_AND_TOKYO))).choices[0]?.message.tool_calls ?? [];
    expect(chunks[0]?.choices[0]?.delta).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [{ index: 0, id: firstCall?.id, type: "function", function: { name: "get_weather", arguments: "" } }],
    });
  });

  it("usage-extras: the streamed usage carries cost and token details", async () => {
    const chunks = await styled("usage-extras", withUsage("hello"));
    const plain = (await complete(ask("hello"))).usage;
    const usage = chunks.at(-1)?.usage;
    const reasoning = 1; // one message
    expect(usage).toEqual({
      prompt_tokens: plain.prompt_tokens,
      completion_tokens: plain.completion_tokens + reasoning,
      total_tokens: plain.total_tokens + reasoning,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: reasoning, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      cost: (plain.prompt_tokens + 2 * (plain.completion_tokens + reasoning)) / 1_000_000,
    });
    // Only streams: the same server answers a JSON request with the three counts.
    const server = await startOfflineModel({ streamStyle: "usage-extras" });
    try {
      const json = (await (await postChat(server, ask("hello"))).json()) as ChatCompletion;
      expect(json.usage).toEqual(plain);
    } finally {
      await server.close();
    }
  });

  it("litellm: all of them, and two parallel calls (Paris and Tokyo) still assemble by index", async () => {
    const chunks = await styled("litellm", withUsage(PARIS_AND_TOKYO));
    const expected = (await complete(ask(PARIS_AND_TOKYO))).choices[0]?.message.tool_calls ?? [];

    const assembled = assembleStream(chunks);
    expect(assembled.toolCalls).toEqual(
      expected.map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })),
    );
    expect(assembled.toolCalls.map((call) => JSON.parse(call.arguments))).toEqual([{ city: "Paris" }, { city: "Tokyo" }]);
    expect(assembled.finishReason).toBe("tool_calls");

    // Every tool-call delta names its call by index; only the first of each call has the id.
    const toolDeltas = chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []));
    expect(toolDeltas.map((delta) => delta.index)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(toolDeltas.filter((delta) => delta.id).map((delta) => delta.index)).toEqual([0, 1]);

    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks[0]?.choices[0]?.delta.tool_calls?.[0]?.index).toBe(0);
    for (const chunk of chunks.slice(0, -2)) {
      expect(chunk.choices[0]).not.toHaveProperty("finish_reason");
      expect(chunk).not.toHaveProperty("usage");
    }
    expect(chunks.at(-1)).toMatchObject({ choices: [{ index: 0, delta: {} }], usage: { cost: expect.any(Number) } });
    expect(chunks.at(-1)?.choices[0]).not.toHaveProperty("finish_reason");
    expect(chunks.at(-1)?.usage?.completion_tokens_details?.reasoning_tokens).toBe(1);
  });

  it("can be asked for per request with a [[stream:...]] marker, on top of the server's style", async () => {
    const { chunks } = await stream(withUsage("hello [[stream:litellm]]"));
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "Hello! " });
    expect(chunks.at(-1)?.choices).toEqual([{ index: 0, delta: {} }]);

    const back = await styled("litellm", withUsage("hello [[stream:openai]]"));
    expect(back[0]?.choices[0]).toEqual({ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null });
    expect(back.at(-1)?.choices).toEqual([]);
  });

  it("rejects an unknown style when the server starts", async () => {
    await expect(startOfflineModel({ streamStyle: "bedrock" as "litellm" })).rejects.toThrowError(/Unknown stream style "bedrock"/);
    await expect(startOfflineModel({ streamStyle: { fast: true } as never })).rejects.toThrowError(/Unknown streamStyle field/);
  });
});

describe("a client that disconnects mid-stream", () => {
  it("does not break the server", async () => {
    const slowModel = await startOfflineModel({ streamChunkDelayMs: 30 });
    try {
      const abort = new AbortController();
      const response = await postChat(slowModel, ask("hello", { stream: true }), { signal: abort.signal });
      const reader = response.body!.getReader();
      await reader.read(); // the first chunk arrived
      abort.abort();
      await new Promise((resolve) => setTimeout(resolve, 100)); // the server would write here

      const next = await postChat(slowModel, ask("hello"));
      expect(next.status).toBe(200);
    } finally {
      await slowModel.close();
    }
  });
});
