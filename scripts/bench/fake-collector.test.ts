// The bench's fake collector counts the spans of real OTLP protobuf exports, and answers them
// as Phoenix would (200), so a traced run can be seen to export every span.
import { spawn } from "node:child_process";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { ExportResultCode } from "@opentelemetry/core";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../shared/lessons/catalog.ts";
import { countSpans, type CollectorStats } from "./fake-collector.ts";

/** Finished spans from two tracers (two scopes), with attributes and an event. */
function someSpans(count: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ "service.name": "count-test" }), spanProcessors: [new SimpleSpanProcessor(memory)] });
  for (let i = 0; i < count; i++) {
    const span = provider.getTracer(i % 2 ? "one" : "two").startSpan(`span ${i}`, { attributes: { "input.value": "Príncipe Real ".repeat(i * 20), n: i } });
    span.addEvent("something", { at: i });
    span.end();
  }
  return memory.getFinishedSpans();
}

describe("the fake collector", () => {
  it("counts the spans of an OTLP protobuf export, across scopes, without decoding them", () => {
    expect(countSpans(ProtobufTraceSerializer.serializeRequest(someSpans(7))!)).toBe(7);
    expect(countSpans(new Uint8Array(0))).toBe(0);
  });

  it("rejects what is not protobuf rather than miscounting it", () => {
    expect(() => countSpans(new TextEncoder().encode('{"resourceSpans":[]}'))).toThrow(/protobuf/);
  });

  it("takes the OTLP exporter's POSTs with a 200 and counts their spans", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/bench/fake-collector.ts"], { cwd: projectRoot, stdio: ["ignore", "pipe", "inherit"] });
    try {
      const url = await new Promise<string>((resolve) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on (\S+)/.exec(out);
          if (match) resolve(match[1]!);
        });
      });
      const exporter = new OTLPTraceExporter({ url: `${url}/v1/traces` });
      const result = await new Promise<number>((resolve) => exporter.export(someSpans(5), (outcome) => resolve(outcome.code)));
      expect(result).toBe(ExportResultCode.SUCCESS);
      const stats = (await (await fetch(`${url}/stats`)).json()) as CollectorStats;
      expect(stats).toMatchObject({ requests: 1, spans: 5 });
      await exporter.shutdown();
    } finally {
      child.kill("SIGTERM");
    }
  });
});
