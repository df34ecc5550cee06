import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { expect, it } from "vitest";
import { WarnOnceExporter } from "./warn-once-exporter.ts";

/** An exporter whose next results we choose. */
function scriptedExporter(results: ExportResult[]): SpanExporter {
  return {
    export: (_spans, done) => done(results.shift() ?? { code: ExportResultCode.SUCCESS }),
    shutdown: async () => {},
  };
}

function exportOnce(exporter: SpanExporter): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export([] as ReadableSpan[], resolve));
}

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
