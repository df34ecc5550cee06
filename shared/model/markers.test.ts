import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatCompletion, ChatCompletionRequest } from "../openai/types.ts";
import { findArithmetic, trimEndChars } from "./intents.ts";
import { stripMarkers, takeMarkers } from "./markers.ts";
import { startOfflineModel, type OfflineModel } from "./offline-model.ts";
import { words } from "./sse.ts";
import { OPENAI_STREAM_STYLE } from "./stream-style.ts";
import { PLAIN_USAGE } from "./token-count.ts";
import { ask, postChat, user } from "./test-support.ts";

// ---- the linear scanners find exactly what the regular expressions they replace found ----

/** A deterministic pseudo-random generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomTexts(alphabet: string[], count: number, maxLength: number, seed: number): string[] {
  const next = random(seed);
  return Array.from({ length: count }, () => {
    const length = Math.floor(next() * maxLength);
    return Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
  });
}

describe("the scanners that replace backtracking regular expressions", () => {
  it("findArithmetic finds what /\\d+(\\.\\d+)?\\s*[-+*/^%]\\s*[-(]*\\d/ finds", () => {
    const ARITHMETIC = /\d+(\.\d+)?\s*[-+*/^%]\s*[-(]*\d/;
    const alphabet = ["1", "2", "3", ".", " ", "\t", "+", "-", "*", "/", "^", "%", "(", ")", "x", "?"];
    for (const text of randomTexts(alphabet, 5000, 14, 1)) {
      const match = ARITHMETIC.exec(text);
      const expected = match ? { start: match.index, end: match.index + match[0].length } : undefined;
      expect(findArithmetic(text), JSON.stringify(text)).toEqual(expected);
    }
  });

  it("trimEndChars removes what /[?.!]+$/ removes", () => {
    for (const text of randomTexts(["?", ".", "!", "a", " "], 2000, 10, 2)) {
      expect(trimEndChars(text, "?.!"), JSON.stringify(text)).toBe(text.replace(/[?.!]+$/, ""));
    }
  });

  it("words cuts the text where /\\s*\\S+\\s*/g does", () => {
    for (const text of randomTexts(["a", "b", " ", "\n", "\u00a0", "😀"], 2000, 12, 3)) {
      expect(words(text), JSON.stringify(text)).toEqual(text.match(/\s*\S+\s*/g) ?? []);
    }
  });

  it("stripMarkers removes what /\\s*\\[\\[fault:([^\\]]*)\\]\\]/g removed, and finds the same first marker", () => {
    const MARKER = /\s*\[\[fault:([^\]]*)\]\]/g;
    const alphabet = ["[", "[[", "]", "]]", "fault:", "x", " ", "[[fault:", "[[fault:slow]]"];
    for (const text of randomTexts(alphabet, 5000, 10, 4)) {
      const { text: kept, found } = stripMarkers(text);
      const first = [...text.matchAll(MARKER)][0];
      expect(found.fault, JSON.stringify(text)).toBe(first?.[1]);
      expect(kept, JSON.stringify(text)).toBe(first ? text.replace(MARKER, "").trim() : text);
    }
  });
});

// ---- markers ----------------------------------------------------------------------------

describe("stripMarkers", () => {
  it("removes every kind with the spaces before it, and keeps the first of each kind", () => {
    expect(stripMarkers("weather in Paris [[stream:litellm]] please [[usage:details]] [[fault:http-500]] [[stream:openai]]")).toEqual({
      text: "weather in Paris please",
      found: { stream: "litellm", usage: "details", fault: "http-500" },
    });
  });

  it("leaves a text without markers exactly as it is", () => {
    const text = "  [[not a marker]] [[fault:unclosed ";
    expect(stripMarkers(text)).toEqual({ text, found: {} });
  });
});

describe("takeMarkers", () => {
  const defaults = { streamStyle: OPENAI_STREAM_STYLE, usage: PLAIN_USAGE };
  const conversation = (...texts: string[]): ChatCompletionRequest => ({ model: "m", messages: texts.map(user) });

  it("applies the last user message's markers on top of the defaults", () => {
    const marked = takeMarkers(conversation("hi [[usage:details]]", "hello [[stream:text-first]] [[usage:cost]]"), defaults);
    expect(marked.request.messages.map((message) => message.content)).toEqual(["hi", "hello"]);
    expect(marked.streamStyle).toEqual({ ...OPENAI_STREAM_STYLE, textFirst: true });
    expect(marked.usage).toEqual({ details: false, cost: true });
    expect(marked.fault).toBeUndefined();
  });

  it("reads lists, left to right", () => {
    const marked = takeMarkers(conversation("x [[stream:litellm, omit-finish-reason]] [[usage:details,cost,plain,details]]"), defaults);
    expect(marked.streamStyle.omitFinishReason).toBe(true);
    expect(marked.streamStyle.usageChoice).toBe(true);
    expect(marked.usage).toEqual({ details: true, cost: false });
    const reset = takeMarkers(conversation("x [[stream:openai]] [[usage:plain]]"), {
      streamStyle: { ...OPENAI_STREAM_STYLE, textFirst: true },
      usage: { details: true, cost: true },
    });
    expect(reset.streamStyle).toEqual(OPENAI_STREAM_STYLE);
    expect(reset.usage).toEqual(PLAIN_USAGE);
  });

  it("throws a 400 naming the message for an unknown name", () => {
    for (const marker of ["[[stream:anthropic]]", "[[usage:everything]]", "[[fault:explode]]", "[[stream:]]"]) {
      let caught: unknown;
      try {
        takeMarkers(conversation("first", `second ${marker}`), defaults);
      } catch (error) {
        caught = error;
      }
      expect(caught, marker).toMatchObject({ status: 400, param: "messages[1].content", code: "invalid_value" });
    }
  });
});

describe("markers over HTTP", () => {
  let model: OfflineModel;
  beforeAll(async () => {
    model = await startOfflineModel({ streamChunkDelayMs: 0 });
  });
  afterAll(() => model.close());

  it("are removed before the model reads the text, from every user message", async () => {
    const request = ask("Tell me a joke [[usage:details]]");
    request.messages = [user("first [[stream:litellm]]"), { role: "assistant", content: "ok" }, ...request.messages];
    const response = await postChat(model, request);
    expect(response.status).toBe(200);
    const completion = (await response.json()) as ChatCompletion;
    expect(completion.choices[0]?.message.content).toMatch(/^You said: "Tell me a joke"\./);
    expect(completion.usage.prompt_tokens_details).toBeDefined();
  });

  it("answer 400 with a clear message for an unknown stream style", async () => {
    const response = await postChat(model, ask("hi [[stream:bedrock]]", { stream: true }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { param: "messages[0].content", message: expect.stringMatching(/^Unknown stream style "bedrock"\. Known styles: openai, litellm/) },
    });
  });
});
