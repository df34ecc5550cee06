// The comparison with the official instrumentation is fair only if both arms run the same turn:
// the same CHAIN and TOOL spans, the same answer, one LLM span per model call each, the official
// one made by @arizeai/openinference-instrumentation-openai, and the session on every span.
import { OpenInferenceSpanKind, SemanticConventions, SESSION_ID as SESSION_ID_KEY } from "@arizeai/openinference-semantic-conventions";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOfflineModel, type OfflineModel } from "../../shared/model/offline-model.ts";
import type { SpanCapture } from "../../shared/testing/capture-spans.ts";
import { installAppSpanCapture } from "../../solutions/app/server/test-support/app-span-capture.ts";
import { benchConversation } from "./app-overhead.ts";
import { appTurn, inSetting, officialTurn, SESSION_ID, type Turn } from "./turn-arms.ts";

let capture: SpanCapture;
let model: OfflineModel;
let arms: { app: Turn; official: Turn };
beforeAll(async () => {
  capture = installAppSpanCapture(); // before the arms import the app's modules
  model = await startOfflineModel({ streamChunkDelayMs: 0 });
  arms = { app: await appTurn(model.baseUrl), official: await officialTurn(model.baseUrl) };
});
afterAll(async () => {
  await model?.close();
  await capture?.uninstall();
});

const kind = (span: ReadableSpan) => span.attributes[SemanticConventions.OPENINFERENCE_SPAN_KIND];

async function spansOf(arm: Turn, streamed: boolean, session: boolean): Promise<{ reply: string; spans: ReadableSpan[] }> {
  capture.reset();
  const reply = await inSetting({ session }, () => arm(benchConversation(10), streamed));
  await new Promise((resolve) => setImmediate(resolve)); // a stream's LLM span may end just after the turn
  return { reply, spans: capture.finished() };
}

describe.each([
  { streamed: false, session: false },
  { streamed: true, session: true },
])("the two arms of npm run bench -- --official (streamed: $streamed, session: $session)", ({ streamed, session }) => {
  it("run the same turn: the same answer, the same CHAIN and TOOL spans, one LLM span per model call each", async () => {
    const app = await spansOf(arms.app, streamed, session);
    const official = await spansOf(arms.official, streamed, session);
    expect(official.reply).toBe(app.reply);
    expect(app.reply.length).toBeGreaterThan(0);
    for (const { spans } of [app, official]) {
      expect(spans.map(kind).sort()).toEqual([OpenInferenceSpanKind.CHAIN, OpenInferenceSpanKind.LLM, OpenInferenceSpanKind.LLM, OpenInferenceSpanKind.TOOL, OpenInferenceSpanKind.TOOL]);
      const chain = spans.find((span) => kind(span) === OpenInferenceSpanKind.CHAIN)!;
      for (const span of spans.filter((span) => span !== chain)) expect(span.parentSpanContext?.spanId, span.name).toBe(chain.spanContext().spanId);
    }
    const same = (spans: ReadableSpan[]) =>
      spans.filter((span) => kind(span) !== OpenInferenceSpanKind.LLM).map((span) => ({ name: span.name, attributes: span.attributes, status: span.status }));
    expect(same(official.spans)).toEqual(same(app.spans));
  });

  it("make their LLM spans each their own way: the app's by hand, the official by the instrumentation, both with the whole conversation", async () => {
    const llm = async (arm: Turn) => (await spansOf(arm, streamed, session)).spans.filter((span) => kind(span) === OpenInferenceSpanKind.LLM);
    const app = await llm(arms.app);
    const official = await llm(arms.official);
    expect(app.map((span) => span.instrumentationScope.name)).toEqual(["workbook-chatbot-app", "workbook-chatbot-app"]);
    expect(official.map((span) => span.instrumentationScope.name)).toEqual([
      "@arizeai/openinference-instrumentation-openai",
      "@arizeai/openinference-instrumentation-openai",
    ]);
    // system prompt + 10 prior messages + the question, in both arms' first LLM span
    for (const first of [app[0]!, official[0]!]) {
      expect(first.attributes[`${SemanticConventions.LLM_INPUT_MESSAGES}.11.${SemanticConventions.MESSAGE_ROLE}`]).toBe("user");
      expect(first.attributes[`${SemanticConventions.LLM_INPUT_MESSAGES}.12.${SemanticConventions.MESSAGE_ROLE}`]).toBeUndefined();
    }
  });

  it(session ? "put the session on every span" : "put no session on any span", async () => {
    for (const arm of [arms.app, arms.official]) {
      const { spans } = await spansOf(arm, streamed, session);
      expect(spans.map((span) => span.attributes[SESSION_ID_KEY])).toEqual(spans.map(() => (session ? SESSION_ID : undefined)));
    }
  });
});
