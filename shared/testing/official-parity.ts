// Hand-made LLM spans should look in Phoenix exactly like the official auto-instrumentation's.
// Used by scripts/checks/official-instrumentation-parity.test.ts (the lessons' solutions) and
// solutions/app/server/course-drift.test.ts (the finished app).
// This sends the very request a hand-made LLM span recorded through the `openai` SDK instrumented
// by @arizeai/openinference-instrumentation-openai, and checks that every attribute the official
// LLM span carries is on ours too, with the same value: the comparison that
// scripts/checks/official-instrumentation-parity.test.ts makes for the lessons' solutions, here
// for the finished app's drift test (solutions/app/server/course-drift.test.ts).
// Successful calls only: the official instrumentation never exports the span of a failed call.
import { OpenInferenceSpanKind, OUTPUT_VALUE, SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import { OpenAIInstrumentation } from "@arizeai/openinference-instrumentation-openai";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import * as openaiModule from "openai";
import { expect } from "vitest";
import type { ChatCompletionRequest } from "../openai/types.ts";
import type { SpanCapture } from "./capture-spans.ts";

export interface OfficialInstrumentation {
  /** Every key the official LLM span for the same request carries is on `ours`, with the same value and status. */
  expectParity(ours: ReadableSpan): Promise<void>;
  /** the instrumented `openai` client, for calls of one's own (a stream, say) */
  client: openaiModule.OpenAI;
  disable(): void;
}

export const isLlmSpan = (span: ReadableSpan) => span.attributes[SemanticConventions.OPENINFERENCE_SPAN_KIND] === OpenInferenceSpanKind.LLM;

/**
 * The official instrumentation, its spans going to `capture` (install the capture first: the
 * instrumentation takes its tracer from the global provider), its `openai` client to `baseUrl`.
 * Each comparison resets the capture.
 */
export function instrumentOfficially(capture: SpanCapture, baseUrl: string): OfficialInstrumentation {
  const instrumentation = new OpenAIInstrumentation();
  // The instrumentation patches the SDK's classes, which the ESM namespace exposes as `OpenAI`.
  instrumentation.manuallyInstrument(openaiModule as unknown as Parameters<typeof instrumentation.manuallyInstrument>[0]);
  const client = new openaiModule.OpenAI({ baseURL: baseUrl, apiKey: "not-needed-offline" });

  /** The official instrumentation's LLM span for the same request body. */
  async function officialLlmSpan(request: ChatCompletionRequest): Promise<ReadableSpan> {
    capture.reset();
    await client.chat.completions.create(request as unknown as openaiModule.OpenAI.ChatCompletionCreateParamsNonStreaming);
    const spans = capture.finished().filter(isLlmSpan);
    expect(spans, "the official instrumentation made one LLM span").toHaveLength(1);
    return spans[0]!;
  }

  return {
    /** output.value may differ only by the response's `created` time. */
    async expectParity(ours) {
      const request = JSON.parse(String(ours.attributes[SemanticConventions.INPUT_VALUE])) as ChatCompletionRequest;
      const official = await officialLlmSpan(request);
      const officialKeys = Object.keys(official.attributes).sort();
      expect(officialKeys.length).toBeGreaterThan(10);
      const missing = officialKeys.filter((key) => !(key in ours.attributes));
      expect(missing, "keys the official instrumentation sets that our span lacks").toEqual([]);
      for (const key of officialKeys.filter((key) => key !== OUTPUT_VALUE)) {
        expect(ours.attributes[key], `value of ${key}`).toEqual(official.attributes[key]);
      }
      const withoutCreated = (json: unknown) => ({ ...(JSON.parse(String(json)) as object), created: 0 });
      expect(withoutCreated(ours.attributes[OUTPUT_VALUE])).toEqual(withoutCreated(official.attributes[OUTPUT_VALUE]));
      expect(ours.status.code).toBe(official.status.code);
    },
    client,
    disable: () => instrumentation.disable(),
  };
}
