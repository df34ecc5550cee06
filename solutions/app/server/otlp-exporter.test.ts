import { OTLPTraceExporter as OTLPJsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { describe, expect, it } from "vitest";
import { readConfig } from "./config.ts";
import { createOtlpExporter, otlpTarget } from "./otlp-exporter.ts";

describe("where the spans go", () => {
  it("by default: Phoenix on localhost:6006, as protobuf (the only OTLP encoding Phoenix accepts)", () => {
    const config = readConfig({});
    expect(otlpTarget(config, {})).toEqual({ url: "http://localhost:6006/v1/traces", headers: {}, sentHeaders: {}, protocol: "http/protobuf", sendsToPhoenix: true });
    expect(createOtlpExporter(config, { env: {} })).toBeInstanceOf(OTLPProtoTraceExporter);
  });

  it("sentHeaders are all the spans go with: OTEL_EXPORTER_OTLP_(TRACES_)HEADERS as the exporter reads them, then Phoenix's (a refusal says whether a key was sent)", () => {
    const env = { PHOENIX_API_KEY: "key", OTEL_EXPORTER_OTLP_HEADERS: "x-a=1,authorization=Bearer otel", OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-b=2" };
    expect(otlpTarget(readConfig(env), env).sentHeaders).toEqual({ "x-a": "1", "x-b": "2", authorization: "Bearer key" });
    const elsewhere = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_EXPORTER_OTLP_HEADERS: "api-key=collector-key", PHOENIX_API_KEY: "key" };
    expect(otlpTarget(readConfig(elsewhere), elsewhere).sentHeaders, "another collector gets its own headers, not Phoenix's key").toEqual({ "api-key": "collector-key" });
  });

  it("PHOENIX_COLLECTOR_ENDPOINT moves it; OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT win over it", () => {
    const config = readConfig({ PHOENIX_COLLECTOR_ENDPOINT: "http://phoenix.internal:6006/" });
    expect(otlpTarget(config, {}).url).toBe("http://phoenix.internal:6006/v1/traces");
    expect(otlpTarget(config, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).url).toBe("http://collector:4318/v1/traces");
    expect(otlpTarget(config, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/custom" }).url).toBe("http://collector:4318/custom");
  });

  it("knows when the spans go elsewhere than Phoenix (then Phoenix's health says nothing about them)", () => {
    const config = readConfig({});
    expect(otlpTarget(config, {}).sendsToPhoenix).toBe(true);
    expect(otlpTarget(config, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).sendsToPhoenix).toBe(false);
    expect(otlpTarget(config, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" }).sendsToPhoenix).toBe(false);
    // The standard variable may point at Phoenix itself: that is still Phoenix.
    expect(otlpTarget(config, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:6006" }).sendsToPhoenix).toBe(true);
  });

  it("OTEL_EXPORTER_OTLP_PROTOCOL=http/json switches to the JSON exporter; anything else is refused with the fix", () => {
    const config = readConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" });
    expect(createOtlpExporter(config, { env: {} })).toBeInstanceOf(OTLPJsonTraceExporter);
    expect(() => readConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toThrow(/use http\/protobuf .* or http\/json/);
  });

  it("the Phoenix UI defaults to the collector's host; PHOENIX_URL overrides it", () => {
    expect(readConfig({ PHOENIX_COLLECTOR_ENDPOINT: "http://127.0.0.1:7007/v1/traces" }).phoenixUrl).toBe("http://127.0.0.1:7007");
    expect(readConfig({ PHOENIX_URL: "https://phoenix.example/" }).phoenixUrl).toBe("https://phoenix.example");
  });
});
