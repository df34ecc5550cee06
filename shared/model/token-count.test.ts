import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatCompletion, ChatCompletionRequest, ChatMessage } from "../openai/types.ts";
import { startOfflineModel, type OfflineModel } from "./offline-model.ts";
import { ask, chunksOf, postChat } from "./test-support.ts";
import { applyUsageVariants, countTokens, PLAIN_USAGE, truncateToTokens, usageFor } from "./token-count.ts";

describe("countTokens", () => {
  it("counts each word, each digit and each other mark as one token", () => {
    expect(countTokens("In Paris it is 18°C.")).toBe(9); // In Paris it is 1 8 ° C .
    expect(countTokens("hello, world")).toBe(3);
    expect(countTokens("12 * 7 = 84")).toBe(7);
    expect(countTokens("")).toBe(0);
    expect(countTokens("   ")).toBe(0);
  });
});

describe("truncateToTokens", () => {
  it("cuts right after the n-th token", () => {
    expect(truncateToTokens("Hello! I'm here.", 1)).toBe("Hello");
    expect(truncateToTokens("Hello! I'm here.", 2)).toBe("Hello!");
    expect(truncateToTokens("Hello! I'm here.", 3)).toBe("Hello! I");
  });

  it("keeps a shorter text whole", () => {
    expect(truncateToTokens("one two", 5)).toBe("one two");
  });
});

describe("usageFor", () => {
  it("follows the documented rule", () => {
    const request: ChatCompletionRequest = {
      model: "m",
      messages: [
        { role: "system", content: "Be brief." }, // 3 + 3
        { role: "user", content: "weather in Paris" }, // 3 + 3
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
        }, // 3 + (get_weather: 3) + ({ " city " : " Paris " }: 9)
        { role: "tool", content: "sunny", tool_call_id: "c1" }, // 3 + 1
      ],
    };
    const reply: ChatMessage = { role: "assistant", content: "It is sunny." }; // 4

    const prompt = 3 + (3 + 3) + (3 + 3) + (3 + 3 + 9) + (3 + 1);
    expect(usageFor(request, reply)).toEqual({ prompt_tokens: prompt, completion_tokens: 4, total_tokens: prompt + 4 });
  });

  it("counts the tools as their JSON text", () => {
    const tools = [{ type: "function" as const, function: { name: "f", description: "", parameters: {} } }];
    const without: ChatCompletionRequest = { model: "m", messages: [{ role: "user", content: "hi" }] };
    const withTools = { ...without, tools };
    const reply: ChatMessage = { role: "assistant", content: "" };
    expect(usageFor(withTools, reply).prompt_tokens - usageFor(without, reply).prompt_tokens).toBe(
      countTokens(JSON.stringify(tools)),
    );
  });

  it("counts tool calls in the reply as completion tokens", () => {
    const request: ChatCompletionRequest = { model: "m", messages: [{ role: "user", content: "x" }] };
    const reply: ChatMessage = {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "c", type: "function", function: { name: "calculate", arguments: '{"expression":"1+2"}' } }],
    };
    // calculate: 1; { " expression " : " 1 + 2 " }: 11
    expect(usageFor(request, reply).completion_tokens).toBe(12);
  });
});

describe("usage details and cost (on demand)", () => {
  // A second turn after tool calls: what the first request sent is "cached".
  const request: ChatCompletionRequest = {
    model: "m",
    messages: [
      { role: "system", content: "Be brief." }, // 3 + 3
      { role: "user", content: "weather in Paris" }, // 3 + 3
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
      }, // 3 + 3 + 9
      { role: "tool", content: "sunny", tool_call_id: "c1" }, // 3 + 1
    ],
  };
  const reply: ChatMessage = { role: "assistant", content: "It is sunny." }; // 4
  const prompt = 3 + (3 + 3) + (3 + 3) + (3 + 3 + 9) + (3 + 1);

  it("are off by default: three counts only", () => {
    expect(Object.keys(usageFor(request, reply))).toEqual(["prompt_tokens", "completion_tokens", "total_tokens"]);
    expect(usageFor(request, reply, PLAIN_USAGE)).toEqual(usageFor(request, reply));
  });

  it("details: cached = the messages before the last assistant message, reasoning = one per message", () => {
    const cached = (3 + 3) + (3 + 3); // the system and user messages, sent by the first request
    const reasoning = 4; // four messages
    expect(usageFor(request, reply, { details: true, cost: false })).toEqual({
      prompt_tokens: prompt,
      completion_tokens: 4 + reasoning,
      total_tokens: prompt + 4 + reasoning,
      prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: reasoning,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    });
  });

  it("details: nothing is cached in a conversation without an assistant message", () => {
    const first: ChatCompletionRequest = { model: "m", messages: request.messages.slice(0, 2) };
    expect(usageFor(first, reply, { details: true, cost: false }).prompt_tokens_details).toEqual({ cached_tokens: 0, audio_tokens: 0 });
  });

  it("cost: $1 per million prompt tokens and $2 per million completion tokens", () => {
    const usage = usageFor(request, reply, { details: false, cost: true });
    expect(usage.cost).toBe((prompt + 2 * 4) / 1_000_000);
    expect(JSON.stringify(usage.cost)).toBe("0.000042"); // 34 + 2 * 4 = 42 millionths of a dollar
  });

  it("reads marker lists and rejects unknown names", () => {
    expect(applyUsageVariants(PLAIN_USAGE, "details, cost")).toEqual({ details: true, cost: true });
    expect(applyUsageVariants({ details: true, cost: true }, "plain")).toEqual(PLAIN_USAGE);
    expect(() => applyUsageVariants(PLAIN_USAGE, "audio")).toThrowError('Unknown usage option "audio". Known: plain, details, cost.');
  });
});

describe("usage details over HTTP", () => {
  let plain: OfflineModel;
  let detailed: OfflineModel;
  beforeAll(async () => {
    [plain, detailed] = await Promise.all([
      startOfflineModel({ streamChunkDelayMs: 0 }),
      startOfflineModel({ streamChunkDelayMs: 0, usageDetails: true }),
    ]);
  });
  afterAll(() => Promise.all([plain.close(), detailed.close()]));

  const usageOf = async (model: OfflineModel, text: string) =>
    ((await (await postChat(model, ask(text))).json()) as ChatCompletion).usage;

  it("are off by default, on with the usageDetails option, in JSON and in streams", async () => {
    expect(await usageOf(plain, "hello")).not.toHaveProperty("prompt_tokens_details");
    const usage = await usageOf(detailed, "hello");
    expect(usage).toMatchObject({
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 1, audio_tokens: 0 },
    });
    expect(usage).not.toHaveProperty("cost");

    const streamed = await postChat(detailed, ask("hello", { stream: true, stream_options: { include_usage: true } }));
    expect(chunksOf(await streamed.text()).at(-1)?.usage).toEqual(usage);
  });

  it("are on for one turn with [[usage:details]], off with [[usage:plain]]", async () => {
    expect(await usageOf(plain, "hello [[usage:details]]")).toEqual(await usageOf(detailed, "hello"));
    expect(await usageOf(detailed, "hello [[usage:plain]]")).toEqual(await usageOf(plain, "hello"));
    expect((await usageOf(plain, "hello [[usage:cost]]")).cost).toBeGreaterThan(0);
  });
});
