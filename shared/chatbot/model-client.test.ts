import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOfflineModel, type OfflineModel } from "../model/offline-model.ts";
import { connectModel, providerFromBaseUrl, type ModelConnection } from "./connect-model.ts";
import { ModelApiError, ModelConnectionCutError, ModelConnectionError, ModelResponseError, ModelStreamError, ModelTimeoutError, isStreamError } from "./model-errors.ts";
import type { ChatCompletionChunk, ChatCompletionStreamEvent, StreamErrorEvent } from "../openai/types.ts";
import { toolDefinitions } from "./tools.ts";

let offline: OfflineModel;
let model: ModelConnection;
beforeAll(async () => {
  offline = await startOfflineModel({ streamChunkDelayMs: 1 });
  model = await connectModel({ env: {}, offlineModel: offline });
});
afterAll(() => offline.close());

const ask = (content: string) => ({ model: model.model, messages: [{ role: "user" as const, content }], tools: toolDefinitions() });

describe("the model client", () => {
  it("gets a completion with usage from the offline model", async () => {
    const response = await model.createChatCompletion(ask("Hello!"));
    expect(response.choices[0]?.message.content).toMatch(/offline model/);
    expect(response.usage.total_tokens).toBe(response.usage.prompt_tokens + response.usage.completion_tokens);
  });

  it("streams chunks until [DONE], with tool-call deltas and usage last", async () => {
    const chunks: ChatCompletionChunk[] = [];
    for await (const event of model.streamChatCompletion({ ...ask("weather in Paris and in Tokyo"), stream_options: { include_usage: true } })) {
      expect(isStreamError(event)).toBe(false);
      if (!isStreamError(event)) chunks.push(event);
    }
    const indices = new Set(chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls?.map((call) => call.index) ?? []));
    expect([...indices]).toEqual([0, 1]);
    expect(chunks.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("hands a gateway's error event on as it came, and then ends the stream as cut off (no [DONE])", async () => {
    offline.injectFaults("stream-error");
    const events: ChatCompletionStreamEvent[] = [];
    const error = await (async () => {
      for await (const event of model.streamChatCompletion(ask("Hello!"))) events.push(event);
    })().catch((caught: unknown) => caught);
    expect(events).toHaveLength(4);
    const last = events.at(-1)!;
    expect(isStreamError(last)).toBe(true);
    expect(events.slice(0, 3).some(isStreamError)).toBe(false);
    // A reader that skips the error event meets the end of a stream that never said [DONE].
    expect(error).toBeInstanceOf(ModelConnectionCutError);
    const streamError = new ModelStreamError(last as StreamErrorEvent);
    expect(streamError.message).toMatch(/^The model's provider ended the stream with an error: litellm\.APIConnectionError: .*Connection error\./);
    expect(streamError).toMatchObject({ name: "ModelStreamError", apiCode: "500" });
  });

  it("a ModelStreamError keeps credentials in a URL out of its message", () => {
    const error = new ModelStreamError({ error: { message: "upstream http://user:secret@example.test/v1 failed", code: 502 } });
    expect(error.message).not.toContain("secret");
    expect(error.apiCode).toBe("502");
    expect(new ModelStreamError({ error: { message: "x", code: null } }).apiCode).toBeNull();
  });

  it("turns HTTP errors into ModelApiError with status and retry-after", async () => {
    offline.injectFaults("http-429");
    const error = await model.createChatCompletion(ask("Hello!")).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelApiError);
    expect(error).toMatchObject({ status: 429, retryAfterSeconds: 1, apiCode: "rate_limit_exceeded" });
    expect((error as Error).message).toMatch(/HTTP 429/);
  });

  it("turns a malformed body into ModelResponseError", async () => {
    offline.injectFaults("malformed");
    await expect(model.createChatCompletion(ask("Hello!"))).rejects.toBeInstanceOf(ModelResponseError);
  });

  it("turns a cut stream into ModelResponseError", async () => {
    offline.injectFaults("stream-abort");
    const consume = async () => {
      for await (const _chunk of model.streamChatCompletion(ask("Hello, tell me a long story please"))) {
        // drain
      }
    };
    await expect(consume()).rejects.toSatisfy((error) => error instanceof ModelResponseError || error instanceof ModelConnectionError);
  });

  it("gives up after the timeout with ModelTimeoutError", async () => {
    offline.injectFaults({ kind: "slow", ms: 2000 });
    await expect(model.createChatCompletion(ask("Hello!"), { timeoutMs: 100 })).rejects.toBeInstanceOf(ModelTimeoutError);
  });

  it("says where it tried when the server is unreachable, without leaking the key", async () => {
    const nowhere = await connectModel({ env: { OPENAI_BASE_URL: "http://127.0.0.1:9/v1", OPENAI_API_KEY: "sk-secret-123" } });
    const error = (await nowhere.createChatCompletion(ask("Hello!")).catch((caught: unknown) => caught)) as Error;
    expect(error).toBeInstanceOf(ModelConnectionError);
    expect(error.message).toContain("http://127.0.0.1:9/v1/chat/completions");
    expect(error.message).not.toContain("sk-secret-123");
  });
});

describe("the model client's embeddings", () => {
  it("gets one vector per text, in the OpenAI shape", async () => {
    const response = await model.createEmbeddings({ model: model.embeddingModel, input: ["Paris in spring", "Tokyo in June"] });
    expect(response.data.map((item) => item.index)).toEqual([0, 1]);
    expect(response.data[0]?.embedding).toHaveLength(512);
    expect(response.usage.total_tokens).toBeGreaterThan(0);
  });

  it("turns an error status into ModelApiError, and a body without the vectors into ModelResponseError", async () => {
    offline.injectEmbeddingFaults("http-500", "malformed");
    await expect(model.createEmbeddings({ model: "m", input: "x" })).rejects.toMatchObject({ name: "ModelApiError", status: 500 });
    await expect(model.createEmbeddings({ model: "m", input: "x" })).rejects.toBeInstanceOf(ModelResponseError);
  });
});

describe("connectModel", () => {
  it("uses a provider from the environment, else the offline model", async () => {
    const provider = await connectModel({ env: { OPENAI_API_KEY: "sk-x", OPENAI_MODEL: "gpt-4o" } });
    expect(provider).toMatchObject({ baseUrl: "https://api.openai.com/v1", model: "gpt-4o", provider: "openai", embeddingModel: "text-embedding-3-small" });
    expect(model).toMatchObject({ provider: "offline", model: "workbook-offline", embeddingModel: "workbook-offline-embedding" });
    const named = await connectModel({ env: { OPENAI_EMBEDDING_MODEL: "my-embedder" }, offlineModel: offline });
    expect(named.embeddingModel).toBe("my-embedder");
  });

  it("names well-known providers from their host", () => {
    expect(providerFromBaseUrl("https://api.openai.com/v1")).toBe("openai");
    expect(providerFromBaseUrl("https://x.openai.azure.com/openai")).toBe("azure");
    expect(providerFromBaseUrl("http://localhost:11434/v1")).toBe("ollama");
    expect(providerFromBaseUrl("https://llm.example.org/v1")).toBe("llm.example.org");
  });
});
