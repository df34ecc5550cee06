import { describe, expect, it } from "vitest";
import type { ChatCompletionRequest, ChatMessage, ToolCall } from "../openai/types.ts";
import { asksForFirstMessage, findCities, findExpression, isFollowUp, MAX_CITIES } from "./intents.ts";
import {
  ASK_FOR_CITY,
  composeReply,
  GREETING_REPLY,
  NO_CALCULATOR,
  NO_WEATHER_TOOL,
  NO_DOCUMENT_COVERS_IT,
  NOTHING_BEFORE,
} from "./replies.ts";
import { documentsInPrompt } from "./documents-in-prompt.ts";
import { ask, CALCULATOR_TOOL, TOOLS, user, WEATHER_TOOL } from "./test-support.ts";

const argumentsOf = (calls: ToolCall[] | undefined) =>
  (calls ?? []).map((call) => [call.function.name, JSON.parse(call.function.arguments) as unknown]);

describe("findCities", () => {
  it("finds known cities in any case, in the order they are mentioned", () => {
    expect(findCities("weather in tokyo, then PARIS and new york?")).toEqual(["Tokyo", "Paris", "New York"]);
  });

  it("finds an unknown capitalised place after 'in'", () => {
    expect(findCities("What's the weather in Atlantis and in Paris?")).toEqual(["Atlantis", "Paris"]);
    expect(findCities("Weather in New Delhi")).toEqual(["New Delhi"]);
  });

  it("names each city once", () => {
    expect(findCities("Paris weather, in Paris")).toEqual(["Paris"]);
  });

  it("needs a word boundary", () => {
    expect(findCities("the weather at Parisville")).toEqual([]);
  });

  it(`names at most ${MAX_CITIES} cities`, () => {
    const many = Array.from({ length: 30 }, (_, i) => `in Town${String.fromCharCode(97 + (i % 26))}${"x".repeat(i)}`).join(" ");
    expect(findCities(`weather ${many}`)).toHaveLength(MAX_CITIES);
  });
});

describe("findExpression", () => {
  it("takes everything after calculate/compute", () => {
    expect(findExpression("Calculate 12 * 7?")).toBe("12 * 7");
    expect(findExpression("compute: (1 + 2) ^ 3.")).toBe("(1 + 2) ^ 3");
    expect(findExpression("calculate 2 + banana")).toBe("2 + banana");
  });

  it("takes a bare expression after 'what is'", () => {
    expect(findExpression("What is -3 + 4?")).toBe("-3 + 4");
    expect(findExpression("what's 5?")).toBe("5");
  });

  it("finds arithmetic inside a sentence", () => {
    expect(findExpression("I have (2 + 3) * 4 apples.")).toBe("(2 + 3) * 4");
    expect(findExpression("Is 10 / 4 more than 2?")).toBe("10 / 4");
    expect(findExpression("It costs 12.5 * 2.")).toBe("12.5 * 2");
  });

  it("ignores messages without arithmetic", () => {
    expect(findExpression("What's the weather for the next 3 days in Paris?")).toBeUndefined();
    expect(findExpression("calculate something")).toBeUndefined();
    expect(findExpression("I am 42")).toBeUndefined();
  });
});

describe("composeReply: answering the user", () => {
  it("greets", () => {
    const reply = composeReply(ask("Hello there"));
    expect(reply).toEqual({ message: { role: "assistant", content: GREETING_REPLY }, finishReason: "stop" });
  });

  it("echoes anything else and says what it can do", () => {
    const reply = composeReply(ask("Tell me a story"));
    expect(reply.message.content).toBe(
      `You said: "Tell me a story". I'm a small offline model: I can chat, look up the weather ` +
        `(try "weather in Paris and Tokyo") and do arithmetic (try "calculate 12 * 7").`,
    );
    expect(reply.finishReason).toBe("stop");
  });

  it("reads the last user message only", () => {
    const request: ChatCompletionRequest = {
      model: "m",
      messages: [user("weather in Paris"), { role: "assistant", content: "18°C." }, user("hi")],
      tools: TOOLS,
    };
    expect(composeReply(request).message.content).toBe(GREETING_REPLY);
  });

  it("joins text parts (validated content arrives as one string)", () => {
    expect(composeReply(ask("  hey  ")).message.content).toBe(GREETING_REPLY);
  });

  it("calls get_weather once for one city", () => {
    const reply = composeReply(ask("What's the weather in Paris?"));
    expect(reply.finishReason).toBe("tool_calls");
    expect(reply.message.content).toBeNull();
    expect(reply.message.tool_calls).toEqual([
      { id: expect.stringMatching(/^call_[0-9a-f]{24}$/), type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
    ]);
  });

  it("calls get_weather in parallel for several cities, in the order mentioned", () => {
    const reply = composeReply(ask("How cold is it in Tokyo, Reykjavik and in Atlantis?"));
    expect(argumentsOf(reply.message.tool_calls)).toEqual([
      ["get_weather", { city: "Tokyo" }],
      ["get_weather", { city: "Reykjavik" }],
      ["get_weather", { city: "Atlantis" }],
    ]);
    const ids = reply.message.tool_calls?.map((call) => call.id);
    expect(new Set(ids).size).toBe(3);
  });

  it("asks for a city when there is none", () => {
    expect(composeReply(ask("What's the forecast?")).message.content).toBe(ASK_FOR_CITY);
  });

  it("does not call a tool the request does not offer", () => {
    expect(composeReply(ask("weather in Paris", { tools: [CALCULATOR_TOOL] })).message.content).toBe(NO_WEATHER_TOOL);
    expect(composeReply(ask("calculate 1 + 1", { tools: [WEATHER_TOOL] })).message.content).toBe(NO_CALCULATOR);
    const { tools: _none, ...withoutTools } = ask("weather in Paris");
    expect(composeReply(withoutTools).message.tool_calls).toBeUndefined();
  });

  it("calls no tool with tool_choice none", () => {
    const reply = composeReply(ask("weather in Paris and 2 + 2", { tool_choice: "none" }));
    expect(reply.message.content).toBe(`${NO_WEATHER_TOOL} ${NO_CALCULATOR}`);
    expect(reply.finishReason).toBe("stop");
  });

  it("calls calculate for arithmetic", () => {
    expect(argumentsOf(composeReply(ask("calculate 12 * 7")).message.tool_calls)).toEqual([
      ["calculate", { expression: "12 * 7" }],
    ]);
    expect(argumentsOf(composeReply(ask("calculate 2 + banana")).message.tool_calls)).toEqual([
      ["calculate", { expression: "2 + banana" }],
    ]);
  });

  it("makes weather and calculate calls in one response, weather first", () => {
    const reply = composeReply(ask("What is 3 * 4, and the weather in London?"));
    expect(argumentsOf(reply.message.tool_calls)).toEqual([
      ["get_weather", { city: "London" }],
      ["calculate", { expression: "3 * 4" }],
    ]);
  });
});

describe("composeReply: follow-ups from the history", () => {
  const weatherTurn: ChatMessage[] = [
    user("What's the weather in Paris?"),
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
    },
    { role: "tool", tool_call_id: "call_1", content: '{"city":"Paris","temperature_c":18,"conditions":"sunny"}' },
    { role: "assistant", content: "In Paris it is 18°C and sunny." },
  ];
  const after = (history: ChatMessage[], text: string, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
    model: "m",
    messages: [...history, user(text)],
    tools: TOOLS,
    ...extra,
  });

  it("recognises follow-ups and questions about the first message", () => {
    expect(["And in London?", "and Tokyo?", "What about Lima?", "how about in Cairo"].map(isFollowUp)).toEqual([true, true, true, true]);
    expect(["Android phones", "In London?", "What is it about?"].map(isFollowUp)).toEqual([false, false, false]);
    const recall = ["What did I ask first?", "what was my first question", "What was my first message?", "Remind me what I said first."];
    expect(recall.map(asksForFirstMessage)).toEqual([true, true, true, true]);
    expect(["What did you say first?", "First, the weather in Paris", "Which city is first?"].map(asksForFirstMessage)).toEqual([false, false, false]);
  });

  it("'And in London?' after a weather question calls get_weather for London", () => {
    const reply = composeReply(after(weatherTurn, "And in London?"));
    expect(reply.finishReason).toBe("tool_calls");
    expect(argumentsOf(reply.message.tool_calls)).toEqual([["get_weather", { city: "London" }]]);
  });

  it("follows a chain of follow-ups, with several cities and any way of asking", () => {
    const second: ChatMessage[] = [...weatherTurn, user("And in London?"), { role: "assistant", content: "In London it is 11°C and rainy." }];
    expect(argumentsOf(composeReply(after(second, "What about Tokyo and Lima?")).message.tool_calls)).toEqual([
      ["get_weather", { city: "Tokyo" }],
      ["get_weather", { city: "Lima" }],
    ]);
    expect(argumentsOf(composeReply(after(weatherTurn, "how about in Atlantis")).message.tool_calls)).toEqual([
      ["get_weather", { city: "Atlantis" }],
    ]);
  });

  it("is deterministic: same history, same calls and ids", () => {
    expect(composeReply(after(weatherTurn, "And in London?"))).toEqual(composeReply(after(weatherTurn, "And in London?")));
  });

  it("only follows the previous user message: another question in between breaks the chain", () => {
    const between: ChatMessage[] = [...weatherTurn, user("hi"), { role: "assistant", content: GREETING_REPLY }];
    expect(composeReply(after(between, "And in London?")).message.tool_calls).toBeUndefined();
  });

  it("a standalone 'And in London?' asks what you want to know, and suggests the weather", () => {
    const reply = composeReply(ask("And in London?"));
    expect(reply).toEqual({
      message: {
        role: "assistant",
        content: 'What would you like to know about London? I can look up the weather there: try "weather in London".',
      },
      finishReason: "stop",
    });
    expect(composeReply(after([user("hi"), { role: "assistant", content: GREETING_REPLY }], "what about Paris and Tokyo?")).message.content).toBe(
      'What would you like to know about Paris and Tokyo? I can look up the weather there: try "weather in Paris".',
    );
  });

  it("a follow-up without the weather tool says it cannot look it up", () => {
    expect(composeReply(after(weatherTurn, "And in London?", { tools: [CALCULATOR_TOOL] })).message.content).toBe(NO_WEATHER_TOOL);
    expect(composeReply(after(weatherTurn, "And in London?", { tool_choice: "none" })).message.content).toBe(NO_WEATHER_TOOL);
  });

  it("a follow-up with arithmetic is arithmetic", () => {
    expect(argumentsOf(composeReply(after(weatherTurn, "And 3 * 4?")).message.tool_calls)).toEqual([
      ["calculate", { expression: "3 * 4" }],
    ]);
  });

  it("'What did I ask first?' quotes the first user message", () => {
    const history = [...weatherTurn, user("And in London?"), { role: "assistant" as const, content: "In London it is 11°C." }];
    for (const question of ["What did I ask first?", "what was my first question", "Remind me: what was my first message?"]) {
      expect(composeReply(after(history, question))).toEqual({
        message: { role: "assistant", content: `Your first message was: "What's the weather in Paris?"` },
        finishReason: "stop",
      });
    }
  });

  it("'What did I ask first?' as the first message says there is nothing before it", () => {
    expect(composeReply(ask("What did I ask first?")).message.content).toBe(NOTHING_BEFORE);
    const withSystem: ChatCompletionRequest = { model: "m", messages: [{ role: "system", content: "Be brief." }, user("What was my first question?")] };
    expect(composeReply(withSystem).message.content).toBe(NOTHING_BEFORE);
  });
});

describe("composeReply: answering from tool results", () => {
  function afterTools(calls: Array<[name: string, args: object, result: string]>): ChatCompletionRequest {
    const toolCalls: ToolCall[] = calls.map(([name, args], i) => ({
      id: `call_${i}`,
      type: "function",
      function: { name, arguments: JSON.stringify(args) },
    }));
    const results: ChatMessage[] = calls.map(([, , content], i) => ({ role: "tool", tool_call_id: `call_${i}`, content }));
    return {
      model: "m",
      tools: TOOLS,
      messages: [user("question"), { role: "assistant", content: null, tool_calls: toolCalls }, ...results],
    };
  }

  it("describes weather and calculation results in call order", () => {
    const reply = composeReply(
      afterTools([
        ["get_weather", { city: "Paris" }, '{"city":"Paris","temperature_c":18,"conditions":"sunny"}'],
        ["calculate", { expression: "12 * 7" }, '{"expression":"12 * 7","result":84}'],
      ]),
    );
    expect(reply).toEqual({
      message: { role: "assistant", content: "In Paris it is 18°C and sunny. 12 * 7 = 84." },
      finishReason: "stop",
    });
  });

  it("passes a tool error on", () => {
    const reply = composeReply(
      afterTools([
        ["get_weather", { city: "Atlantis" }, '{"error":"Unknown city: Atlantis"}'],
        ["get_weather", { city: "Lima" }, '{"city":"Lima","temperature_c":19,"conditions":"overcast"}'],
      ]),
    );
    expect(reply.message.content).toBe("The get_weather tool failed: Unknown city: Atlantis. In Lima it is 19°C and overcast.");
  });

  it("quotes any other result", () => {
    expect(composeReply(afterTools([["lookup", {}, "42 apples"]])).message.content).toBe(
      "The lookup tool returned: 42 apples.",
    );
    expect(composeReply(afterTools([["lookup", {}, ""]])).message.content).toBe("The lookup tool returned nothing.");
  });

  it("matches results to calls by tool_call_id, not by position", () => {
    const request = afterTools([
      ["calculate", {}, '{"expression":"1 + 1","result":2}'],
      ["calculate", {}, '{"expression":"2 + 2","result":4}'],
    ]);
    request.messages = [...request.messages.slice(0, 2), request.messages[3]!, request.messages[2]!];
    expect(composeReply(request).message.content).toBe("1 + 1 = 2. 2 + 2 = 4.");
  });
});

describe("composeReply: determinism and limits", () => {
  it("gives the same answer and the same tool call ids to the same request", () => {
    const first = composeReply(ask("weather in Paris and Tokyo"));
    const second = composeReply(ask("weather in Paris and Tokyo"));
    expect(second).toEqual(first);
  });

  it("gives other ids to another conversation", () => {
    const first = composeReply(ask("weather in Paris"));
    const other = composeReply(ask("weather in Paris please"));
    expect(other.message.tool_calls?.[0]?.id).not.toBe(first.message.tool_calls?.[0]?.id);
  });

  it("truncates to max_tokens and reports finish_reason length", () => {
    const reply = composeReply(ask("hello", { max_tokens: 5 }));
    expect(reply.message.content).toBe("Hello! I'm"); // Hello ! I ' m
    expect(reply.finishReason).toBe("length");
  });

  it("leaves a short enough answer alone", () => {
    const reply = composeReply(ask("hello", { max_tokens: 1000 }));
    expect(reply.message.content).toBe(GREETING_REPLY);
    expect(reply.finishReason).toBe("stop");
  });
});

describe("a prompt with retrieved documents", () => {
  const withDocuments = (lines: string[], question: string): ChatCompletionRequest => ({
    model: "test-model",
    messages: [{ role: "system", content: ["Answer from the documents below, citing their ids.", "", "Documents:", ...lines].join("\n") }, user(question)],
    tools: TOOLS,
  });
  const PARIS = "[paris-seasons] Paris is mild: spring and early autumn are the best seasons to visit.";
  const CAIRO = "[cairo-seasons] Cairo is hot and dry; October to April is the pleasant season.";

  it("reads the documents of the system message's Documents: section, in order", () => {
    expect(documentsInPrompt(withDocuments([PARIS, "not a document line", CAIRO], "x").messages)).toEqual([
      { id: "paris-seasons", text: "Paris is mild: spring and early autumn are the best seasons to visit." },
      { id: "cairo-seasons", text: "Cairo is hot and dry; October to April is the pleasant season." },
    ]);
    expect(documentsInPrompt([{ role: "system", content: "You are helpful." }, user("x")])).toBeUndefined();
    expect(documentsInPrompt(withDocuments(["(no document matched the question)"], "x").messages)).toEqual([]);
  });

  it("answers from them, citing each as [id]; only those about the cities asked for, when some are", () => {
    expect(composeReply(withDocuments([PARIS, CAIRO], "Best season to visit?")).message.content).toBe(
      "Paris is mild: spring and early autumn are the best seasons to visit. [paris-seasons] Cairo is hot and dry; October to April is the pleasant season. [cairo-seasons]",
    );
    expect(composeReply(withDocuments([PARIS, CAIRO], "When should I visit Paris?")).message.content).toBe(
      "Paris is mild: spring and early autumn are the best seasons to visit. [paris-seasons]",
    );
  });

  it("says so when the section holds no document", () => {
    expect(composeReply(withDocuments(["(no document matched the question)"], "What is the capital of Mars?")).message.content).toBe(NO_DOCUMENT_COVERS_IT);
  });

  it("still calls the tools, greets and recalls first: the documents answer only what nothing else does", () => {
    expect(argumentsOf(composeReply(withDocuments([PARIS], "What's the weather in Paris?")).message.tool_calls)).toEqual([["get_weather", { city: "Paris" }]]);
    expect(composeReply(withDocuments([], "Hello!")).message.content).toBe(GREETING_REPLY);
  });
});
