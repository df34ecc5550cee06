// Where the spans go: OTLP over HTTP to Phoenix (or any OTLP collector).
// Phoenix's POST /v1/traces accepts protobuf only, so protobuf is the default; JSON is there for
// collectors that want it (OTEL_EXPORTER_OTLP_PROTOCOL=http/json). Phoenix answers JSON with a 415.
import { OTLPTraceExporter as OTLPProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { OTLPTraceExporter as OTLPJsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { splitUrlCredentials } from "../../../shared/chatbot/url-credentials.ts";
import { parseHeaderList } from "../../../shared/phoenix/headers.ts";
import type { AppConfig } from "./config.ts";

export interface OtlpTarget {
  /** the full URL spans are POSTed to (without any user:password@) */
  url: string;
  /** headers to send with the spans besides OTEL_EXPORTER_OTLP_HEADERS (which the exporter reads itself) */
  headers: Record<string, string>;
  /** every header the spans go with: OTEL_EXPORTER_OTLP_(TRACES_)HEADERS as the exporter reads them, then `headers` */
  sentHeaders: Record<string, string>;
  protocol: AppConfig["otlpProtocol"];
  /**
   * true when the spans go to the Phoenix of PHOENIX_URL (same origin): only then does Phoenix's
   * /healthz say anything about whether they arrive.
   */
  sendsToPhoenix: boolean;
}

/**
 * The standard OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT win over
 * PHOENIX_COLLECTOR_ENDPOINT, as in every OpenTelemetry SDK.
 */
export function otlpTarget(config: AppConfig, env: NodeJS.ProcessEnv = process.env): OtlpTarget {
  let url = `${config.collectorEndpoint}/v1/traces`;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) url = `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "")}/v1/traces`;
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  // The OTLP exporter silently ignores a user:password@ in its URL: send it as a header instead.
  const { url: bareUrl, authorization } = splitUrlCredentials(url);
  const overridden = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const sendsToPhoenix = sameOrigin(bareUrl, config.phoenixUrl);
  // Phoenix's headers (key, PHOENIX_CLIENT_HEADERS) go with spans bound for Phoenix, not to another collector.
  const headers: Record<string, string> = !overridden || sendsToPhoenix ? { ...config.phoenixHeaders } : {};
  if (authorization) headers.authorization = authorization;
  const sentHeaders = { ...parseHeaderList(env.OTEL_EXPORTER_OTLP_HEADERS), ...parseHeaderList(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS), ...headers };
  return { url: bareUrl, headers, sentHeaders, protocol: config.otlpProtocol, sendsToPhoenix };
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

export function createOtlpExporter(config: AppConfig, options: { env?: NodeJS.ProcessEnv; timeoutMillis?: number } = {}): SpanExporter {
  const { url, protocol, headers } = otlpTarget(config, options.env);
  const exporterConfig = {
    url,
    // OTEL_EXPORTER_OTLP_HEADERS is read by the exporter itself and merged with these (these win).
    headers,
    ...(options.timeoutMillis ? { timeoutMillis: options.timeoutMillis } : {}),
  };
  return protocol === "http/json" ? new OTLPJsonTraceExporter(exporterConfig) : new OTLPProtoTraceExporter(exporterConfig);
}
