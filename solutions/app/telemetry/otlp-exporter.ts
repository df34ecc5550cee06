// Where the spans go: OTLP over HTTP to Phoenix (or any OTLP collector), as readTelemetryConfig
// resolved it. Phoenix's POST /v1/traces accepts protobuf only, so protobuf is the default; JSON
// is there for collectors that want it (OTEL_EXPORTER_OTLP_PROTOCOL=http/json). Either is sent
// gzipped unless OTEL_EXPORTER_OTLP_COMPRESSION=none, with the project as the x-project-name header.
import { OTLPTraceExporter as OTLPProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { OTLPTraceExporter as OTLPJsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { OtlpTarget } from "./telemetry-config.ts";

export function createOtlpExporter(target: OtlpTarget, options: { timeoutMillis?: number } = {}): SpanExporter {
  const exporterConfig = {
    url: target.url,
    // All of them, OTEL_EXPORTER_OTLP_HEADERS included: the exporter would read that variable
    // itself too, and the headers given here win over what it reads.
    headers: target.headers,
    // Given here, so the exporter does not read OTEL_EXPORTER_OTLP_COMPRESSION again (readTelemetryConfig did).
    compression: target.compression === "gzip" ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
    ...(options.timeoutMillis ? { timeoutMillis: options.timeoutMillis } : {}),
  };
  return target.protocol === "http/json" ? new OTLPJsonTraceExporter(exporterConfig) : new OTLPProtoTraceExporter(exporterConfig);
}
