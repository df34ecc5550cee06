// With tracing off (OTEL_SDK_DISABLED=true, or a trace the sampler dropped) every span is a
// non-recording one that keeps nothing: the app must not build attributes for it. A conversation
// of 100 messages is about 450 keys per LLM span, and two JSON copies of it, all thrown away.
// Counted here as the keys the chat turn hands to its spans, with a sampler switched off and on.
import { context, trace, type Attributes, type AttributeValue } from "@opentelemetry/api";
import { setSession } from "@arizeai/openinference-core";
import { LLM_INPUT_MESSAGES, LLM_OUTPUT_MESSAGES } from "@arizeai/openinference-semantic-conventions";
import { BasicTracerProvider, SamplingDecision, type Sampler } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connectModel, type ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import type { ConversationMessage } from "../api.ts";

// A sampler the test switches: NOT_RECORD gives the non-recording spans tracing off gives.
let sampled = false;
const switchedSampler: Sampler = {
  shouldSample: () => ({ decision: sampled ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD }),
  toString: () => "switched by the test",
};
const provider = new BasicTracerProvider({ sampler: switchedSampler });
trace.setGlobalTracerProvider(provider);
const { chatTurn, streamChatTurn } = await import("./chatbot.ts");

/** Every attribute key handed to a span after it started (setAttribute, setAttributes), recording or not. */
const handed: string[] = [];
interface AttributeSetters {
  setAttribute(key: string, value: AttributeValue): unknown;
  setAttributes(attributes: Attributes): unknown;
}
function countKeys(prototype: AttributeSetters): void {
  const { setAttribute, setAttributes } = prototype;
  vi.spyOn(prototype, "setAttribute").mockImplementation(function (this: unknown, key: string, value: AttributeValue) {
    handed.push(key);
    return setAttribute.call(this, key, value);
  });
  vi.spyOn(prototype, "setAttributes").mockImplementation(function (this: unknown, attributes: Attributes) {
    handed.push(...Object.keys(attributes));
    return setAttributes.call(this, attributes);
  });
}

let model: ModelConnection;
beforeAll(async () => {
  model = await connectModel({ env: {} });
  const tracer = trace.getTracer("prototypes");
  sampled = false;
  const nonRecording = tracer.startSpan("non-recording");
  sampled = true;
  const recording = tracer.startSpan("recording");
  countKeys(Object.getPrototypeOf(nonRecording));
  countKeys(Object.getPrototypeOf(recording));
  nonRecording.end();
  recording.end();
});
afterAll(async () => {
  vi.restoreAllMocks();
  await model?.close();
  await provider.shutdown();
});

/** A conversation with `prior` messages before the question, as a long chat has. */
function conversationOf(prior: number): ConversationMessage[] {
  const messages: ConversationMessage[] = [];
  for (let i = 0; i < prior; i++) {
    messages.push(i % 2 === 0 ? { role: "user", content: `Question ${i}: what is ${i} + 1?` } : { role: "assistant", content: `It is ${i}.` });
  }
  messages.push({ role: "user", content: "What's the weather in Paris?" });
  return messages;
}

const turns = {
  plain: (conversation: ConversationMessage[]) => chatTurn(model, conversation),
  streamed: (conversation: ConversationMessage[]) => streamChatTurn(model, conversation, { onText: () => {} }),
};

/** The keys one turn hands to its spans, in a session (whose id every span copies). */
async function keysHanded(turn: keyof typeof turns, prior: number, recording: boolean): Promise<string[]> {
  sampled = recording;
  handed.length = 0;
  await context.with(setSession(context.active(), { sessionId: "tracing-off" }), () => turns[turn](conversationOf(prior)));
  return [...handed];
}

const isMessageKey = (key: string) => key.startsWith(LLM_INPUT_MESSAGES) || key.startsWith(LLM_OUTPUT_MESSAGES);

describe.each(["plain", "streamed"] as const)("tracing off: a %s turn builds no attributes for spans that keep nothing", (turn) => {
  it("hands no message attributes to non-recording spans, however long the conversation", async () => {
    const short = await keysHanded(turn, 1, false);
    const long = await keysHanded(turn, 100, false);
    expect(long.filter(isMessageKey), "message attributes handed to non-recording spans").toEqual([]);
    // What is left (the chat turn's output, the tools' results) does not grow with the conversation.
    expect(long.length, `keys handed at 100 prior messages (${long.join(", ")})`).toBe(short.length);
  });

  it("still records every message when the trace is sampled (the counting above is real)", async () => {
    const keys = await keysHanded(turn, 100, true);
    // The first LLM call alone flattens the system prompt, 100 prior messages and the question.
    expect(keys.filter(isMessageKey).length).toBeGreaterThan(200);
  });
});
