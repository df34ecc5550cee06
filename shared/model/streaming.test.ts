import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from "../openai/types.ts";
import { startOfflineModel, type OfflineModel } from "./offline-model.ts";
import { ask, chunksOf, postChat, sseData } from "./test-support.ts";

let model: OfflineModel;
beforeAll(async () => {
  model = await startOfflineModel({ streamChunkDelayMs: 1 });
});
afterAll(() => model.close());

async function stream(request: ChatCompletionRequest): Promise<{ data: string[]; chunks: ChatCompletionChunk[] }> {
  const response = await postChat(model, { ...request, stream: true });
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
      expect(chunk).toMatchObject({ id: whole.id, object: "chat.completion.chunk", model: "test-model" });
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
