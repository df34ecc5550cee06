// The floor of what tracing costs: loaded into the traced app by `BENCH_APP_EXPORT=discard npm
// run bench -- --app` (node --import), before the app's own modules. Every span is still
// recorded, limited, queued and batched as usual, and the batches reach the OTLP exporters, which
// drop them here: no protobuf or JSON encoding, no HTTP. Whatever the traced app still costs
// over the untraced one is the cost of recording, which no exporter (in a worker thread, another
// process or a faster encoder) can take away.
// A bench probe only: the app never loads it.
import { OTLPTraceExporter as OTLPProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { OTLPTraceExporter as OTLPJsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";

for (const Exporter of [OTLPProtoTraceExporter, OTLPJsonTraceExporter]) {
  Exporter.prototype.export = function discard(_spans: unknown, resultCallback: (result: ExportResult) => void): void {
    resultCallback({ code: ExportResultCode.SUCCESS });
  };
}
