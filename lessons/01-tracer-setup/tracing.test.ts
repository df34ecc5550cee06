// Lesson 1 checks the learner's setupTracing() itself: it is called with in-memory exporters,
// then ordinary OpenTelemetry API calls must reach them, with the right resource and parentage.
// The same checks run again in every later lesson, on that lesson's tracing.ts.
import { afterAll, describe, it } from "vitest";
import { lessonGroupTitles, lessonOfTestFile } from "../../shared/lessons/check-contract.ts";
import { writeCheckedKeys } from "../../shared/testing/checked-keys.ts";
import { loadLesson } from "../../shared/testing/lesson-module.ts";
import { tracerSetupChecks } from "../../shared/testing/taught/tracer-setup.ts";

const tracing = await loadLesson<typeof import("./tracing.ts")>(import.meta.url, "tracing.ts");
const lesson = lessonOfTestFile(import.meta.url);
const check = tracerSetupChecks(tracing, lesson);
afterAll(() => writeCheckedKeys(lesson));
// Test group titles from lessons/lessons.json: "lesson N: ...".
const titles = lessonGroupTitles(lesson);

describe(titles.own("tracer setup"), () => {
  it("registers the provider globally, so a span made with trace.getTracer() is exported", check.registers);
  it("sends every span to every exporter it is given", check.everyExporter);
  it("describes the service and the Phoenix project in the resource", check.resource);
  it("keeps a child span's parent across an await (context manager)", check.contextManager);
  it("exports to Phoenix as OTLP protobuf at PHOENIX_COLLECTOR_ENDPOINT/v1/traces, with PHOENIX_API_KEY as a bearer token", check.phoenixExporter);
});
