import {
  INPUT_MIME_TYPE,
  INPUT_VALUE,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
} from "@arizeai/openinference-semantic-conventions";
import { beforeAll, describe, it } from "vitest";
import { lessonGroupTitles } from "../../shared/lessons/check-contract.ts";
import { useLessonHarness } from "../../shared/testing/lesson-harness.ts";
import { loadLesson } from "../../shared/testing/lesson-module.ts";
import { checkChainSpan, checkNothingLeftRunning } from "../../shared/testing/taught/chain-span.ts";
import { tracerSetupChecks } from "../../shared/testing/taught/tracer-setup.ts";

// The harness first: it registers the span capture before the lesson's module gets its tracer.
const harness = useLessonHarness(import.meta.url);
// Test group titles from lessons/lessons.json: "lesson N: ...", "still true from lessons 1 to N-1".
const titles = lessonGroupTitles(harness.lesson);
const { chatTurn } = await loadLesson<typeof import("./chatbot.ts")>(import.meta.url, "chatbot.ts");
const tracing = await loadLesson<typeof import("./tracing.ts")>(import.meta.url, "tracing.ts");
const QUESTION = "Hello there! Who are you?";
let reply = "";

beforeAll(async () => {
  const model = await harness.connect();
  const outcome = await harness.run(() => chatTurn(model, QUESTION));
  if (outcome.thrown) throw outcome.thrown;
  reply = outcome.value ?? "";
});

const chainSpan = () => {
  checkNothingLeftRunning(harness.checks);
  return harness.checks.one({ kind: OpenInferenceSpanKind.CHAIN }, "CHAIN span for the chat turn", { hint: 1, hintIfNotEnded: 3 });
};

describe(titles.own("one chat turn is one CHAIN span"), () => {
  it("produces exactly one ended CHAIN span for the turn, named chat_turn", () => {
    const span = chainSpan();
    harness.checks.that(span.name === "chat_turn", {
      headline: `The chat turn's span is named "${span.name}".`,
      expected: 'the name "chat_turn", the first argument of tracer.startActiveSpan: Phoenix lists the trace by it',
      got: `"${span.name}"`,
      hint: 1,
    });
  });

  it("makes the CHAIN span the root of the trace", () => {
    harness.checks.isRoot(chainSpan(), { hint: 1 });
  });

  it("records the user's message as the span's input, as plain text", () => {
    const span = chainSpan();
    harness.checks.attribute(span, INPUT_VALUE, QUESTION, { hint: 2 });
    harness.checks.attribute(span, INPUT_MIME_TYPE, MimeType.TEXT, { hint: 2 });
  });

  it("records the bot's reply as the span's output, as plain text", () => {
    const span = chainSpan();
    harness.checks.attribute(span, OUTPUT_VALUE, reply, { hint: 3 });
    harness.checks.attribute(span, OUTPUT_MIME_TYPE, MimeType.TEXT, { hint: 3 });
  });

  it("sets status OK when the turn succeeds, and leaves no span open", () => {
    checkChainSpan(harness.checks, { question: QUESTION, reply });
  });

  // Last in the block: it runs a turn of its own.
  it("ends the span on every path: a turn whose model call fails ends its CHAIN span too", async () => {
    const model = await harness.connect();
    const outcome = await harness.run(() => chatTurn(model, "Hello there! [[fault:http-500]]"));
    if (outcome.thrown) throw outcome.thrown;
    checkNothingLeftRunning(harness.checks);
    harness.checks.one({ kind: OpenInferenceSpanKind.CHAIN }, "CHAIN span for the failed turn", { hint: 3, hintIfNotEnded: 3 });
  });
});

describe(titles.stillTrue(), () => {
  // Last in the file: these checks replace the global tracer provider with the learner's own.
  const check = tracerSetupChecks(tracing, harness.lesson);
  it("tracing.ts: the provider, its resource, every exporter, the context manager and the Phoenix exporter", async () => {
    for (const each of Object.values(check)) await each();
  });
});
