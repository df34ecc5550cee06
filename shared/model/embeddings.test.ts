import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiErrorBody, EmbeddingResponse } from "../openai/types.ts";
import { contentWords, EMBEDDING_DIMENSIONS, embedText, vectorFromBase64, vectorToBase64 } from "./embedding-vectors.ts";
import { MAX_EMBEDDING_INPUTS } from "./embeddings-endpoint.ts";
import { startOfflineModel, type OfflineModel } from "./offline-model.ts";
import { countTokens } from "./token-count.ts";

let model: OfflineModel;
beforeAll(async () => {
  model = await startOfflineModel();
});
afterAll(() => model.close());

function postEmbeddings(body: unknown): Promise<Response> {
  return fetch(`${model.baseUrl}/embeddings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function embeddings(body: unknown): Promise<EmbeddingResponse> {
  const response = await postEmbeddings(body);
  expect(response.status).toBe(200);
  return (await response.json()) as EmbeddingResponse;
}

async function rejected(body: unknown): Promise<ApiErrorBody["error"]> {
  const response = await postEmbeddings(body);
  expect(response.status).toBe(400);
  return ((await response.json()) as ApiErrorBody).error;
}

const cosine = (a: number[], b: number[]) => a.reduce((sum, value, index) => sum + value * b[index]!, 0);

describe("the offline model's vectors", () => {
  it("are deterministic, of length 1, float32 numbers, EMBEDDING_DIMENSIONS long", () => {
    const vector = embedText("When is the best season to visit Paris?");
    expect(vector).toEqual(embedText("When is the best season to visit Paris?"));
    expect(vector).toHaveLength(EMBEDDING_DIMENSIONS);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    expect(vector.every((value) => Math.fround(value) === value)).toBe(true);
  });

  it("count the words that matter: not case, punctuation, common words or a plural's s", () => {
    expect(contentWords("What are the MUSEUMS of Paris?")).toEqual(["museum", "pari"]);
    expect(embedText("museums in Paris!")).toEqual(embedText("the museum of paris"));
  });

  it("make texts that share words alike and texts that share none (nearly) unlike", () => {
    const question = embedText("Which museums in London are free?");
    expect(cosine(question, embedText("London's big museums are free: the British Museum and the National Gallery."))).toBeGreaterThan(0.5);
    expect(Math.abs(cosine(question, embedText("Lima almost never sees rain; a grey sea fog covers the sky.")))).toBeLessThan(0.2);
  });

  it("give a text with no word that counts a vector of its own, unlike every text", () => {
    const nothing = embedText("What is it?");
    expect(nothing[0]).toBe(1);
    expect(cosine(nothing, embedText("Paris in spring"))).toBe(0);
  });

  it("go to base64 and back unchanged (little-endian float32, as OpenAI sends them)", () => {
    const vector = embedText("northern lights");
    expect(vectorFromBase64(vectorToBase64(vector))).toEqual(vector);
    expect(Buffer.from(vectorToBase64(vector), "base64")).toHaveLength(EMBEDDING_DIMENSIONS * 4);
  });

  it("can be shorter: the first n numbers, scaled to length 1 again", () => {
    const short = embedText("cherry blossoms in Tokyo", 64);
    expect(short).toHaveLength(64);
    expect(Math.hypot(...short)).toBeCloseTo(1, 5);
  });
});

describe("POST /v1/embeddings", () => {
  it("answers in the OpenAI shape: a vector per text, in order, the model asked for, and usage", async () => {
    const texts = ["When is the best season to visit Paris?", "cherry blossoms"];
    const response = await embeddings({ model: "workbook-offline-embedding", input: texts });
    expect(response).toEqual({
      object: "list",
      data: texts.map((text, index) => ({ object: "embedding", index, embedding: embedText(text) })),
      model: "workbook-offline-embedding",
      usage: { prompt_tokens: countTokens(texts[0]!) + countTokens(texts[1]!), total_tokens: countTokens(texts[0]!) + countTokens(texts[1]!) },
    });
  });

  it("takes one text as a string", async () => {
    const response = await embeddings({ model: "m", input: "northern lights" });
    expect(response.data).toEqual([{ object: "embedding", index: 0, embedding: embedText("northern lights") }]);
  });

  it("sends base64 when asked (encoding_format), and a shorter vector (dimensions)", async () => {
    const response = await embeddings({ model: "m", input: ["northern lights"], encoding_format: "base64", dimensions: 32 });
    expect(vectorFromBase64(response.data[0]!.embedding as string)).toEqual(embedText("northern lights", 32));
  });

  it("embeds a chat marker's text without the marker: the marker is for the chat model", async () => {
    const response = await embeddings({ model: "m", input: ["Paris in spring [[fault:http-500]]"] });
    expect(response.data[0]!.embedding).toEqual(embedText("Paris in spring"));
  });

  it("is what the openai SDK expects: its embeddings.create (base64 on the wire, decoded) gives the same vectors", async () => {
    const client = new OpenAI({ baseURL: model.baseUrl, apiKey: "not-needed", maxRetries: 0 });
    const response = await client.embeddings.create({ model: "text-embedding-3-small", input: ["Which museums in London are free?"] });
    expect(response.data[0]!.embedding).toEqual(embedText("Which museums in London are free?"));
    expect(response.model).toBe("text-embedding-3-small");
  });

  it("rejects a request a provider would, naming the field", async () => {
    expect(await rejected("not json")).toMatchObject({ code: "invalid_json" });
    expect(await rejected(["a list"])).toMatchObject({ code: "invalid_type", param: null });
    expect(await rejected({ input: "x" })).toMatchObject({ param: "model", code: "missing_required_parameter" });
    expect(await rejected({ model: " ", input: "x" })).toMatchObject({ param: "model", code: "invalid_value" });
    expect(await rejected({ model: "m" })).toMatchObject({ param: "input", code: "missing_required_parameter" });
    expect(await rejected({ model: "m", input: "" })).toMatchObject({ param: "input", code: "invalid_value" });
    expect(await rejected({ model: "m", input: [] })).toMatchObject({ param: "input", code: "empty_array" });
    expect(await rejected({ model: "m", input: ["ok", ""] })).toMatchObject({ param: "input[1]", code: "invalid_value" });
    expect(await rejected({ model: "m", input: ["ok", { text: "x" }] })).toMatchObject({ param: "input[1]", code: "invalid_type" });
    expect(await rejected({ model: "m", input: [[1, 2, 3]] })).toMatchObject({ param: "input[0]", message: expect.stringMatching(/text only, not token ids/) });
    expect(await rejected({ model: "m", input: 42 })).toMatchObject({ param: "input", code: "invalid_type" });
    expect(await rejected({ model: "m", input: Array.from({ length: MAX_EMBEDDING_INPUTS + 1 }, () => "x") })).toMatchObject({ param: "input", code: "array_above_max_length" });
    expect(await rejected({ model: "m", input: "x", encoding_format: "int8" })).toMatchObject({ param: "encoding_format", code: "invalid_value" });
    expect(await rejected({ model: "m", input: "x", dimensions: 0 })).toMatchObject({ param: "dimensions" });
    expect(await rejected({ model: "m", input: "x", dimensions: EMBEDDING_DIMENSIONS + 1 })).toMatchObject({ param: "dimensions" });
    expect(await rejected({ model: "m", input: "x", user: 7 })).toMatchObject({ param: "user", code: "invalid_type" });
  });

  it("fails on demand from its own queue (injectEmbeddingFaults), one request per entry; chat requests do not take them", async () => {
    model.injectEmbeddingFaults("http-500", "http-429", "none", "malformed");
    const chat = await fetch(`${model.baseUrl}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "Hello" }] }) });
    expect(chat.status).toBe(200);
    expect((await postEmbeddings({ model: "m", input: "x" })).status).toBe(500);
    const limited = await postEmbeddings({ model: "m", input: "x" });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect((await postEmbeddings({ model: "m", input: "x" })).status).toBe(200);
    const malformed = await postEmbeddings({ model: "m", input: "x" });
    expect(malformed.status).toBe(200);
    const cutOff = await malformed.text();
    expect(() => JSON.parse(cutOff)).toThrow();
    expect((await postEmbeddings({ model: "m", input: "x" })).status).toBe(200);
  });

  it("counts its requests apart from the chat's", async () => {
    const before = { chat: model.requestCount(), embeddings: model.embeddingRequestCount() };
    await embeddings({ model: "m", input: "x" });
    expect(model.embeddingRequestCount()).toBe(before.embeddings + 1);
    expect(model.requestCount()).toBe(before.chat);
  });
});
