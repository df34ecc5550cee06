import { describe, expect, it } from "vitest";
import type { ChatCompletionRequest, ChatMessage } from "../openai/types.ts";
import { countTokens, truncateToTokens, usageFor } from "./token-count.ts";

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
