import { OTLPTraceExporter as OTLPJsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OTLPProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { describe, expect, it } from "vitest";
import { createOtlpExporter } from "./otlp-exporter.ts";
import { readTelemetryConfig, tracingOffReason } from "./telemetry-config.ts";

describe("where the spans go", () => {
  it("by default: Phoenix on localhost:6006, as protobuf (the only OTLP encoding Phoenix accepts)", () => {
    const { otlp } = readTelemetryConfig({});
    expect(otlp).toEqual({
      url: "http://localhost:6006/v1/traces",
      headers: { "x-project-name": "workbook-app" },
      protocol: "http/protobuf",
      compression: "gzip",
      sendsToPhoenix: true,
    });
    expect(createOtlpExporter(otlp)).toBeInstanceOf(OTLPProtoTraceExporter);
  });

  it("the headers are all the spans go with: OTEL_EXPORTER_OTLP_(TRACES_)HEADERS, then Phoenix's (a refusal says whether a key was sent)", () => {
    const env = { PHOENIX_API_KEY: "key", OTEL_EXPORTER_OTLP_HEADERS: "x-a=1,authorization=Bearer otel", OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-b=2" };
    expect(readTelemetryConfig(env).otlp.headers).toEqual({ "x-project-name": "workbook-app", "x-a": "1", "x-b": "2", authorization: "Bearer key" });
    const elsewhere = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_EXPORTER_OTLP_HEADERS: "api-key=collector-key", PHOENIX_API_KEY: "key" };
    expect(readTelemetryConfig(elsewhere).otlp.headers, "another collector gets its own headers, not Phoenix's key").toEqual({ "x-project-name": "workbook-app", "api-key": "collector-key" });
  });

  it("PHOENIX_COLLECTOR_ENDPOINT moves it, written with or without /v1/traces; OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT win over it", () => {
    const endpoint = { PHOENIX_COLLECTOR_ENDPOINT: "http://phoenix.internal:6006/" };
    expect(readTelemetryConfig(endpoint).otlp.url).toBe("http://phoenix.internal:6006/v1/traces");
    expect(readTelemetryConfig({ PHOENIX_COLLECTOR_ENDPOINT: "http://phoenix.internal:6006/v1/traces" }).otlp.url).toBe("http://phoenix.internal:6006/v1/traces");
    expect(readTelemetryConfig({ ...endpoint, OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).otlp.url).toBe("http://collector:4318/v1/traces");
    expect(readTelemetryConfig({ ...endpoint, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/custom" }).otlp.url).toBe("http://collector:4318/custom");
  });

  it("knows when the spans go elsewhere than Phoenix (then Phoenix's health says nothing about them)", () => {
    expect(readTelemetryConfig({}).otlp.sendsToPhoenix).toBe(true);
    expect(readTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).otlp.sendsToPhoenix).toBe(false);
    expect(readTelemetryConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" }).otlp.sendsToPhoenix).toBe(false);
    // The standard variable may point at Phoenix itself: that is still Phoenix.
    expect(readTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:6006" }).otlp.sendsToPhoenix).toBe(true);
  });

  it("OTEL_EXPORTER_OTLP_PROTOCOL=http/json switches to the JSON exporter; anything else is refused with the fix", () => {
    expect(createOtlpExporter(readTelemetryConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }).otlp)).toBeInstanceOf(OTLPJsonTraceExporter);
    expect(() => readTelemetryConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toThrow(/use http\/protobuf .* or http\/json/);
  });

  it("the project goes as the x-project-name header too (PHOENIX_PROJECT_NAME); a header set by hand wins", () => {
    expect(readTelemetryConfig({ PHOENIX_PROJECT_NAME: "support-bot" }).otlp.headers["x-project-name"]).toBe("support-bot");
    expect(readTelemetryConfig({ PHOENIX_CLIENT_HEADERS: "x-project-name=other" }).otlp.headers["x-project-name"]).toBe("other");
  });

  it("gzip unless OTEL_EXPORTER_OTLP_(TRACES_)COMPRESSION says none; anything else is refused with the fix", () => {
    expect(readTelemetryConfig({ OTEL_EXPORTER_OTLP_COMPRESSION: "none" }).otlp.compression).toBe("none");
    expect(readTelemetryConfig({ OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: "none", OTEL_EXPORTER_OTLP_COMPRESSION: "gzip" }).otlp.compression).toBe("none");
    expect(readTelemetryConfig({ OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: "gzip", OTEL_EXPORTER_OTLP_COMPRESSION: "none" }).otlp.compression).toBe("gzip");
    expect(() => readTelemetryConfig({ OTEL_EXPORTER_OTLP_COMPRESSION: "brotli" })).toThrow(/OTEL_EXPORTER_OTLP_COMPRESSION="brotli" .* use gzip .* or none/);
  });

  it("the Phoenix UI defaults to the collector's host; PHOENIX_URL overrides it", () => {
    expect(readTelemetryConfig({ PHOENIX_COLLECTOR_ENDPOINT: "http://127.0.0.1:7007/v1/traces" }).phoenixUrl).toBe("http://127.0.0.1:7007");
    expect(readTelemetryConfig({ PHOENIX_URL: "https://phoenix.example/" }).phoenixUrl).toBe("https://phoenix.example");
  });
});

describe("tracing off", () => {
  it("OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none turn it off; other values do not", () => {
    expect(tracingOffReason({ OTEL_SDK_DISABLED: "true" })).toBe("OTEL_SDK_DISABLED=true");
    expect(tracingOffReason({ OTEL_SDK_DISABLED: "TRUE " })).toBe("OTEL_SDK_DISABLED=true");
    expect(tracingOffReason({ OTEL_TRACES_EXPORTER: "none" })).toBe("OTEL_TRACES_EXPORTER=none");
    expect(tracingOffReason({ OTEL_SDK_DISABLED: "false", OTEL_TRACES_EXPORTER: "otlp" })).toBeUndefined();
    expect(readTelemetryConfig({}).tracingOff).toBeUndefined();
    expect(readTelemetryConfig({ OTEL_TRACES_EXPORTER: "none" }).tracingOff).toBe("OTEL_TRACES_EXPORTER=none");
  });
});
