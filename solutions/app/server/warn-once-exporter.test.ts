import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { MAX_UNDELIVERED_TRACES, WarnOnceExporter } from "./warn-once-exporter.ts";

/** An exporter whose next results we choose. */
function scriptedExporter(results: ExportResult[]): SpanExporter {
  return {
    export: (_spans, done) => done(results.shift() ?? { code: ExportResultCode.SUCCESS }),
    shutdown: async () => {},
  };
}

function exportOnce(exporter: SpanExporter, spans: ReadableSpan[] = []): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

/** A span of the trace `traceId` (an exporter that only passes spans on reads nothing else of them). */
function spanOf(traceId: string): ReadableSpan {
  return { spanContext: () => ({ traceId, spanId: "00f067aa0ba902b7", traceFlags: 1 }) } as ReadableSpan;
}

const traceIds = (count: number, from = 0) => Array.from({ length: count }, (_, i) => (from + i).toString(16).padStart(32, "0"));

const refused: ExportResult = { code: ExportResultCode.FAILED, error: new Error("connect ECONNREFUSED 127.0.0.1:6006") };

it("warns once per outage, and says when the spans get through again", async () => {
  const warnings: string[] = [];
  const exporter = new WarnOnceExporter(scriptedExporter([refused, refused, refused, { code: ExportResultCode.SUCCESS }, refused]), "Phoenix", (m) => warnings.push(m));
  for (let i = 0; i < 5; i++) await exportOnce(exporter);
  expect(warnings).toHaveLength(3);
  expect(warnings[0]).toMatch(/Could not send spans to Phoenix \(connect ECONNREFUSED.*npm run phoenix/);
  expect(warnings[1]).toBe("Spans reach Phoenix again.");
});

it("tells a JSON exporter's 415 apart: Phoenix wants protobuf", async () => {
  const warnings: string[] = [];
  const unsupported = Object.assign(new Error("Unsupported Media Type"), { code: 415 });
  const exporter = new WarnOnceExporter(scriptedExporter([{ code: ExportResultCode.FAILED, error: unsupported }]), "Phoenix", (m) => warnings.push(m));
  await exportOnce(exporter);
  expect(warnings[0]).toMatch(/protobuf only: unset OTEL_EXPORTER_OTLP_PROTOCOL/);
});

it("stays quiet after the app has already said the destination is down", async () => {
  const warnings: string[] = [];
  const exporter = new WarnOnceExporter(scriptedExporter([refused]), "Phoenix", (m) => warnings.push(m));
  exporter.assumeUnreachable();
  await exportOnce(exporter);
  expect(warnings).toEqual([]);
});

it("for a collector other than Phoenix, says to fix that collector, not to start Phoenix", async () => {
  const warnings: string[] = [];
  const exporter = new WarnOnceExporter(scriptedExporter([refused]), "http://collector:4318/v1/traces", (m) => warnings.push(m), false);
  await exportOnce(exporter);
  expect(warnings[0]).toMatch(/Start the collector or fix OTEL_EXPORTER_OTLP_\(TRACES_\)ENDPOINT/);
  expect(warnings[0]).not.toMatch(/phoenix/i);
});

it("knows while the destination is failing (the app then waits less for it on exit)", async () => {
  const exporter = new WarnOnceExporter(scriptedExporter([refused, { code: ExportResultCode.SUCCESS }]), "Phoenix", () => {});
  expect(exporter.isFailing).toBe(false);
  await exportOnce(exporter);
  expect(exporter.isFailing).toBe(true);
  await exportOnce(exporter);
  expect(exporter.isFailing).toBe(false);
});

describe("a Phoenix that refuses the spans (401, 403)", () => {
  const unauthorized = (code: number): ExportResult => ({ code: ExportResultCode.FAILED, error: Object.assign(new Error(code === 401 ? "Unauthorized" : "Forbidden"), { code }) });

  it("with a key sent: says the key was not accepted", async () => {
    const warnings: string[] = [];
    const exporter = new WarnOnceExporter(scriptedExporter([unauthorized(401)]), "Phoenix", (m) => warnings.push(m), true, { authorization: "Bearer not-this-one" });
    await exportOnce(exporter);
    expect(warnings[0]).toMatch(/^Could not send spans to Phoenix \(Unauthorized\)\. Phoenix refused the spans\. Phoenix asks for an API key \(HTTP 401\): the key sent was not accepted: check PHOENIX_API_KEY/);
    expect(warnings[0]).not.toContain("not-this-one");
  });

  it("with no key sent: says to set PHOENIX_API_KEY; a 403 says the key has no access", async () => {
    const warnings: string[] = [];
    await exportOnce(new WarnOnceExporter(scriptedExporter([unauthorized(401)]), "Phoenix", (m) => warnings.push(m), true, {}));
    await exportOnce(new WarnOnceExporter(scriptedExporter([unauthorized(403)]), "Phoenix", (m) => warnings.push(m), true, { api_key: "k" }));
    expect(warnings[0]).toMatch(/HTTP 401\): set PHOENIX_API_KEY/);
    expect(warnings[1]).toMatch(/Phoenix refused access \(HTTP 403\): the key sent was not accepted/);
  });
});

describe("which traces did not get through", () => {
  it("remembers the traces of each failed batch with the warning's reason and advice; a delivered trace has none", async () => {
    const exporter = new WarnOnceExporter(scriptedExporter([refused, { code: ExportResultCode.SUCCESS }, refused]), "Phoenix", () => {});
    const [first, second, third] = traceIds(3);
    await exportOnce(exporter, [spanOf(first!), spanOf(first!)]);
    await exportOnce(exporter, [spanOf(second!)]);
    // Said once, but every failed batch is remembered: Phoenix still down.
    await exportOnce(exporter, [spanOf(third!)]);
    expect(exporter.whyNotDelivered(first!)).toEqual({ detail: "connect ECONNREFUSED 127.0.0.1:6006", advice: expect.stringMatching(/npm run phoenix/) });
    expect(exporter.whyNotDelivered(second!)).toBeUndefined();
    expect(exporter.whyNotDelivered(third!)?.detail).toBe("connect ECONNREFUSED 127.0.0.1:6006");
    expect(exporter.whyNotDelivered("ffffffffffffffffffffffffffffffff"), "a trace it never saw").toBeUndefined();
  });

  it(`keeps the latest ${MAX_UNDELIVERED_TRACES} only: memory stays bounded however long the outage`, async () => {
    const exporter = new WarnOnceExporter(scriptedExporter([refused, refused]), "Phoenix", () => {});
    const older = traceIds(MAX_UNDELIVERED_TRACES);
    const newer = traceIds(10, MAX_UNDELIVERED_TRACES);
    await exportOnce(exporter, older.map(spanOf));
    await exportOnce(exporter, newer.map(spanOf));
    expect(exporter.whyNotDelivered(older[0]!), "the oldest is forgotten").toBeUndefined();
    expect(exporter.whyNotDelivered(older[10]!)).toBeDefined();
    expect(exporter.whyNotDelivered(newer.at(-1)!)).toBeDefined();
  });
});
