import { describe, expect, it } from "vitest";
import { lessonNamed, projectRoot } from "../../shared/lessons/catalog.ts";
import type { LessonCheck } from "../lib/warm-lesson-runner.ts";
import { formatCheck } from "./check-report.ts";

const lesson = lessonNamed("exporting");
const failed = { groups: [], title: "spans leave in batches", passed: false, errors: [{ name: "LessonFailure", message: "No request reached the OTLP receiver." }] };
const passed = { groups: [], title: "the sampler keeps whole traces", passed: true, errors: [] };
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "");

describe("a check the watchdog stopped", () => {
  it("with a failure heard before the stop: that failure first, then that the rest was stopped", () => {
    const check: LessonCheck = { lesson, passed: false, fileErrors: [], tests: [passed, failed], timedOutAfterMs: 20_000 };
    const text = plain(formatCheck(check, projectRoot));
    expect(text).toContain("First failing check: spans leave in batches");
    expect(text).toContain("No request reached the OTLP receiver.");
    expect(text).toContain("The rest of the check was stopped after 20 s");
    expect(text).toContain("WORKBOOK_CHECK_TIMEOUT_MS=60000");
    expect(text).not.toContain("Your code never finished");
  });

  it("with no failure before the stop: the code never finished, and how to give a slow machine more time", () => {
    const check: LessonCheck = { lesson, passed: false, fileErrors: [], tests: [passed], timedOutAfterMs: 30_000 };
    const text = plain(formatCheck(check, projectRoot));
    expect(text).toContain("the check was stopped after 30 s");
    expect(text).toContain("Your code never finished");
    expect(text).toContain("WORKBOOK_CHECK_TIMEOUT_MS=90000");
  });
});
