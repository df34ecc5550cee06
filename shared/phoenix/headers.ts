// One source of the headers sent to Phoenix: with the spans (OTLP), with feedback (span
// annotations) and with trace-link lookups (REST). From, later ones winning:
//   OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_TRACES_HEADERS  the OpenTelemetry standard (when the spans go to Phoenix)
//   PHOENIX_CLIENT_HEADERS                                          Phoenix's client variable, same "k=v,k2=v2" form
//   PHOENIX_API_KEY                                                 authorization: Bearer <key>
//   user:password@ in the URL                                       authorization: Basic ..., when nothing else set one
import { splitUrlCredentials } from "./url-credentials.ts";

/** "api_key=abc,x-team=a%20b" -> { "api_key": "abc", "x-team": "a b" } (W3C baggage-like, as OTel reads it). */
export function parseHeaderList(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const item of (text ?? "").split(",")) {
    const at = item.indexOf("=");
    if (at <= 0) continue;
    const key = item.slice(0, at).trim().toLowerCase();
    const raw = item.slice(at + 1).trim();
    if (!key) continue;
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // not percent-encoded after all: keep it as written
    }
    headers[key] = value;
  }
  return headers;
}

export interface PhoenixHeaderOptions {
  env?: NodeJS.ProcessEnv;
  /** the URL the headers go with; its user:password@, if any, becomes a Basic authorization */
  url?: string;
  /** include OTEL_EXPORTER_OTLP_(TRACES_)HEADERS: true when the spans go to this Phoenix */
  includeOtlpHeaders?: boolean;
}

export function phoenixHeaders({ env = process.env, url, includeOtlpHeaders = true }: PhoenixHeaderOptions = {}): Record<string, string> {
  const headers: Record<string, string> = {
    ...(includeOtlpHeaders ? parseHeaderList(env.OTEL_EXPORTER_OTLP_HEADERS) : {}),
    ...(includeOtlpHeaders ? parseHeaderList(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS) : {}),
    ...parseHeaderList(env.PHOENIX_CLIENT_HEADERS),
  };
  if (env.PHOENIX_API_KEY) headers.authorization = `Bearer ${env.PHOENIX_API_KEY}`;
  const fromUrl = url ? splitUrlCredentials(url).authorization : undefined;
  if (fromUrl && !headers.authorization) headers.authorization = fromUrl;
  return headers;
}

/** What to tell the user when Phoenix answers 401/403: which variable to set. */
export function phoenixAuthAdvice(status: number, headers: Record<string, string>): string {
  const sent = headers.authorization || headers.api_key ? "the key sent was not accepted: check PHOENIX_API_KEY" : "set PHOENIX_API_KEY";
  return status === 403
    ? `Phoenix refused access (HTTP 403): ${sent} (a key with access to the project), or PHOENIX_CLIENT_HEADERS.`
    : `Phoenix asks for an API key (HTTP 401): ${sent} (Phoenix: Settings > API Keys), or PHOENIX_CLIENT_HEADERS.`;
}
