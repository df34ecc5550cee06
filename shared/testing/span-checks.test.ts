// The harness must turn a learner's typical mistakes into failures that name them.
import { context, trace, SpanStatusCode } from "@opentelemetry/api";
import { OpenInferenceSpanKind, SemanticConventions, LLM_TOKEN_COUNT_PROMPT } from "@arizeai/openinference-semantic-conventions";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { lessonNamed } from "../lessons/catalog.ts";
import { installSpanCapture } from "./capture-spans.ts";
import { LessonFailure } from "./lesson-failure.ts";
import { SpanChecks, expectations } from "./span-checks.ts";

const capture = installSpanCapture();
const checks = new SpanChecks(capture, { number: 3, slug: "03-llm-attributes" });
const tracer = trace.getTracer("harness-test");
const KIND = SemanticConventions.OPENINFERENCE_SPAN_KIND;

beforeEach(() => capture.reset());
afterAll(() => capture.uninstall());

/** The LessonFailure message a check throws. */
function failureOf(check: () => unknown): string {
  try {
    check();
  } catch (error) {
    expect(error).toBeInstanceOf(LessonFailure);
    return (error as Error).message;
  }
  throw new Error("the check passed, but it should have failed");
}

describe("the span harness names the learner's mistakes", () => {
  it("a span that is never ended: says so, and shows it as NOT ENDED in the tree", () => {
    tracer.startSpan("ChatCompletion", { attributes: { [KIND]: OpenInferenceSpanKind.LLM } });
    const message = failureOf(() => checks.one({ kind: "LLM" }, "LLM span"));
    expect(message).toContain("was started but never ended");
    expect(message).toContain("span.end()");
    expect(message).toMatch(/ChatCompletion NOT ENDED/);
  });

  it("a wrong key string: names the key that was set and points at the constant", () => {
    const span = tracer.startSpan("ChatCompletion", { attributes: { [KIND]: "LLM", "llm.token_count.prompt_tokens": 12 } });
    span.end();
    const message = failureOf(() => checks.attribute(checks.one({ kind: "LLM" }, "LLM span"), LLM_TOKEN_COUNT_PROMPT, 12, { hint: 3 }));
    expect(message).toContain(`is missing "${LLM_TOKEN_COUNT_PROMPT}"`);
    expect(message).toContain('you set "llm.token_count.prompt_tokens"');
    expect(message).toContain("hint 3 of lesson 3, in lessons/03-llm-attributes/README.md");
  });

  it("a check of what an earlier lesson taught, named without its number: says which lesson and points at its hints", () => {
    const teacher = lessonNamed("first-span");
    const message = failureOf(() => checks.taughtIn("first-span").one({ kind: "CHAIN" }, "CHAIN span", { hint: 1 }));
    expect(message.startsWith(`Taught in lesson ${teacher.number} (${teacher.title}): `), message).toBe(true);
    expect(message).toContain(`hint 1 of lesson ${teacher.number}, in lessons/${teacher.slug}/README.md`);
    expect(checks.taughtIn("llm-attributes"), "this lesson's own checks stay as they are").toBe(checks);
  });

  it("indices counted from 1: says indices start at 0, not that the key is wrong", () => {
    tracer.startSpan("ChatCompletion", { attributes: { [KIND]: "LLM", "llm.input_messages.1.message.role": "system", "llm.input_messages.2.message.role": "user" } }).end();
    const message = failureOf(() => checks.attribute(checks.one({ kind: "LLM" }, "LLM span"), "llm.input_messages.0.message.role", "system"));
    expect(message).toContain("indices start at 0");
    expect(message).not.toContain("not the OpenInference key");
  });

  it("a missing later index with index 0 present: no index diagnosis, and another real key is no typo", () => {
    tracer.startSpan("ChatCompletion", { attributes: { [KIND]: "TOOL", "llm.input_messages.0.message.role": "system", "input.value": "{}" } }).end();
    const span = checks.one({ kind: "TOOL" }, "TOOL span");
    const missingSecond = failureOf(() => checks.attribute(span, "llm.input_messages.1.message.role", "user"));
    expect(missingSecond).not.toContain("indices start at 0");
    expect(missingSecond).not.toContain("Likely mistake");
    expect(failureOf(() => checks.attribute(span, "output.value", "{}"))).not.toContain("Likely mistake");
  });

  it("a lost parent: says the span is a root of its own trace and mentions the context manager", async () => {
    const chain = tracer.startSpan("chat_turn", { attributes: { [KIND]: "CHAIN" } });
    // Started outside the chain's context: the classic lost parent.
    const llm = tracer.startSpan("ChatCompletion", { attributes: { [KIND]: "LLM" } }, context.active());
    llm.end();
    chain.end();
    const message = failureOf(() => checks.childOf(checks.one({ kind: "LLM" }, "LLM span"), checks.one({ kind: "CHAIN" }, "CHAIN span")));
    expect(message).toContain("no parent: it is a root span of its own trace");
    expect(message).toContain("AsyncLocalStorageContextManager");
  });

  it("a lower-case kind: says kinds are upper case", () => {
    tracer.startSpan("ChatCompletion", { attributes: { [KIND]: "llm" } }).end();
    expect(failureOf(() => checks.one({ kind: "LLM" }, "LLM span"))).toContain("kinds are upper case");
  });

  it("a span without any kind: says Phoenix shows it as UNKNOWN", () => {
    tracer.startSpan("chat_turn").end();
    expect(failureOf(() => checks.one({ kind: "CHAIN" }, "CHAIN span"))).toContain("UNKNOWN");
  });

  it("a wrong value: shows expected and got", () => {
    tracer.startSpan("x", { attributes: { [KIND]: "LLM", "llm.system": "OpenAI" } }).end();
    const message = failureOf(() => checks.attribute(checks.one({ kind: "LLM" }, "LLM span"), "llm.system", "openai"));
    expect(message).toMatch(/expected: "openai"\n\s+got:\s+"OpenAI"/);
  });

  it("a missing status or exception on an error path", () => {
    const span = tracer.startSpan("ChatCompletion", { attributes: { [KIND]: "LLM" } });
    span.end();
    const ended = checks.one({ kind: "LLM" }, "LLM span");
    expect(failureOf(() => checks.status(ended, "ERROR"))).toContain("SpanStatusCode.ERROR");
    expect(failureOf(() => checks.exceptionEvent(ended))).toContain("span.recordException(error)");
  });

  it("passes quietly when the spans are right", async () => {
    await tracer.startActiveSpan("chat_turn", { attributes: { [KIND]: "CHAIN" } }, async (chain) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const llm = tracer.startSpan("ChatCompletion", { attributes: { [KIND]: "LLM", [LLM_TOKEN_COUNT_PROMPT]: 7 } });
      llm.recordException(new Error("boom"));
      llm.setStatus({ code: SpanStatusCode.ERROR });
      llm.end();
      chain.end();
    });
    const llm = checks.one({ kind: "LLM" }, "LLM span");
    checks.childOf(llm, checks.one({ kind: "CHAIN" }, "CHAIN span"));
    checks.attribute(llm, LLM_TOKEN_COUNT_PROMPT, expectations.positiveInteger);
    checks.status(llm, "ERROR");
    checks.exceptionEvent(llm, /boom/);
    expect(capture.unended()).toEqual([]);
  });
});
