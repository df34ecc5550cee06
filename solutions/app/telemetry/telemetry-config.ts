// What the app and its terminal client read from the environment about their traces, read once
// here: where the spans go (the OTLP target), the Phoenix whose UI and REST API show them, the
// headers Phoenix wants, the project, and whether tracing is off. The server
// (server/config.ts) and the terminal client (cli/tracing.ts) each call readTelemetryConfig
// once and hand the parsed values to every part that needs them; nothing else reads these
// variables. (The OTLP exporter still reads OTEL_EXPORTER_OTLP_TIMEOUT itself.)
import { parseHeaderList, phoenixHeaders } from "../../../shared/phoenix/headers.ts";
import { phoenixBaseUrl } from "../../../shared/phoenix/trace-link.ts";
import { splitUrlCredentials } from "../../../shared/phoenix/url-credentials.ts";

export interface OtlpTarget {
  /** the full URL spans are POSTed to, without any user:password@ (that became a header) */
  url: string;
  /**
   * every header the spans go with: OTEL_EXPORTER_OTLP_(TRACES_)HEADERS, then Phoenix's (its key,
   * PHOENIX_CLIENT_HEADERS) when the spans go to Phoenix, then the URL's credentials
   */
  headers: Record<string, string>;
  /** "http/protobuf" (what Phoenix accepts) or "http/json" */
  protocol: "http/protobuf" | "http/json";
  /**
   * how the bodies are sent: "gzip" unless OTEL_EXPORTER_OTLP_(TRACES_)COMPRESSION says "none".
   * Spans are repetitive text (the same keys, the conversation copied into every LLM span):
   * gzip sends a fraction of the bytes, and Phoenix and every OTLP collector take it.
   */
  compression: "gzip" | "none";
  /** true when the spans go to the Phoenix of phoenixUrl (same origin): only then does Phoenix's health say whether they arrive */
  sendsToPhoenix: boolean;
}

export interface TelemetryConfig {
  /** openinference.project.name: PHOENIX_PROJECT_NAME */
  projectName: string;
  /** why nothing is traced (OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none); undefined when tracing is on */
  tracingOff: string | undefined;
  otlp: OtlpTarget;
  /** the Phoenix UI and REST API (feedback, trace links); usually the collector's server (no credentials in it) */
  phoenixUrl: string;
  /** PHOENIX_API_KEY: sent as `authorization: Bearer ...` (part of phoenixHeaders); never logged */
  phoenixApiKey: string | undefined;
  /**
   * every header sent to Phoenix's REST API (feedback, trace links): OTEL_EXPORTER_OTLP_HEADERS
   * when the spans go to Phoenix, PHOENIX_CLIENT_HEADERS, PHOENIX_API_KEY and a user:password@ in
   * the Phoenix URLs (see shared/phoenix/headers.ts)
   */
  phoenixHeaders: Record<string, string>;
}

export const DEFAULT_PROJECT_NAME = "workbook-app";
/** The header Phoenix reads the project from, beside the resource's openinference.project.name. */
export const PROJECT_HEADER = "x-project-name";

export function readTelemetryConfig(env: NodeJS.ProcessEnv = process.env): TelemetryConfig {
  // PHOENIX_COLLECTOR_ENDPOINT, with or without /v1/traces: the rule the lessons' runner reads it by.
  const rawPhoenix = phoenixBaseUrl(env);
  const rawPhoenixUrl = (env.PHOENIX_URL || rawPhoenix).replace(/\/+$/, "");
  const phoenixUrl = splitUrlCredentials(rawPhoenixUrl).url;
  // The standard variables win over PHOENIX_COLLECTOR_ENDPOINT, as in every OpenTelemetry SDK.
  const otelEndpoint =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || (env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "")}/v1/traces` : undefined);
  // The OTLP exporter silently ignores a user:password@ in its URL: it is sent as a header instead.
  const { url, authorization } = splitUrlCredentials(otelEndpoint ?? `${rawPhoenix}/v1/traces`);
  const sendsToPhoenix = sameOrigin(url, phoenixUrl);
  const forPhoenix = phoenixHeaders({
    env,
    url: splitUrlCredentials(rawPhoenixUrl).authorization ? rawPhoenixUrl : rawPhoenix,
    includeOtlpHeaders: !otelEndpoint,
  });
  const projectName = env.PHOENIX_PROJECT_NAME || DEFAULT_PROJECT_NAME;
  const headers = {
    // Phoenix files the spans under this project even when something on the way (a collector's
    // processor) rewrites the resource; other collectors ignore it. Any header set below wins.
    [PROJECT_HEADER]: projectName,
    ...parseHeaderList(env.OTEL_EXPORTER_OTLP_HEADERS),
    ...parseHeaderList(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
    // Phoenix's key and headers go with spans bound for Phoenix, not to another collector.
    ...(!otelEndpoint || sendsToPhoenix ? forPhoenix : {}),
    // (Phoenix's own URL's credentials are in forPhoenix, after its key.)
    ...(otelEndpoint && authorization ? { authorization } : {}),
  };
  return {
    projectName,
    tracingOff: tracingOffReason(env),
    otlp: {
      url,
      headers,
      protocol: readProtocol(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL),
      compression: readCompression(env),
      sendsToPhoenix,
    },
    phoenixUrl,
    phoenixApiKey: env.PHOENIX_API_KEY || undefined,
    phoenixHeaders: forPhoenix,
  };
}

/** Why nothing is traced, from the standard variables; undefined when tracing is on. */
export function tracingOffReason(env: NodeJS.ProcessEnv): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return "OTEL_SDK_DISABLED=true";
  const exporters = (env.OTEL_TRACES_EXPORTER ?? "").split(",").map((name) => name.trim().toLowerCase());
  if (exporters.includes("none")) return "OTEL_TRACES_EXPORTER=none";
  return undefined;
}

function readProtocol(text: string | undefined): OtlpTarget["protocol"] {
  if (!text || text === "http/protobuf") return "http/protobuf";
  if (text === "http/json") return "http/json";
  throw new Error(
    `OTEL_EXPORTER_OTLP_PROTOCOL="${text}" is not supported here: use http/protobuf (what Phoenix accepts) or http/json.`,
  );
}

/** OTEL_EXPORTER_OTLP_TRACES_COMPRESSION, else OTEL_EXPORTER_OTLP_COMPRESSION, else gzip (the OTel default is none). */
function readCompression(env: NodeJS.ProcessEnv): OtlpTarget["compression"] {
  const name = env.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION ? "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION" : "OTEL_EXPORTER_OTLP_COMPRESSION";
  const text = env[name]?.trim().toLowerCase();
  if (!text || text === "gzip") return "gzip";
  if (text === "none") return "none";
  throw new Error(`${name}="${env[name]}" is not supported: use gzip (the app's default) or none.`);
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
