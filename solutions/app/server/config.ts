// Everything the app reads from the environment, in one place, with its default.
import { splitUrlCredentials } from "../../../shared/chatbot/url-credentials.ts";
import { phoenixHeaders } from "../../../shared/phoenix/headers.ts";
import { phoenixBaseUrl } from "../../../shared/phoenix/trace-link.ts";
import { DEFAULT_MAX_CONCURRENT_TURNS } from "./limits.ts";

export interface AppConfig {
  /** APP_HOST, not the generic HOST that containers often set to 0.0.0.0 */
  host: string;
  port: number;
  /** where spans are sent: OTLP over HTTP, `/v1/traces` is appended (without user:password@: see phoenixHeaders) */
  collectorEndpoint: string;
  /** the Phoenix UI and REST API (feedback, trace links); usually the same server (no credentials in it) */
  phoenixUrl: string;
  /** PHOENIX_API_KEY: sent as `authorization: Bearer ...` to Phoenix (part of phoenixHeaders); never logged */
  phoenixApiKey: string | undefined;
  /**
   * Every header sent to Phoenix, with the spans, the feedback and the trace-link lookups: from
   * OTEL_EXPORTER_OTLP_HEADERS (when the spans go to Phoenix), PHOENIX_CLIENT_HEADERS,
   * PHOENIX_API_KEY and a user:password@ in the Phoenix URLs (see shared/phoenix/headers.ts)
   */
  phoenixHeaders: Record<string, string>;
  /** host names the app answers to (the Host header): APP_ALLOWED_HOSTS, "*" for any */
  allowedHosts: string[] | "*";
  /** APP_MAX_CONCURRENT_TURNS: chat turns answered at once (one more: 503) */
  maxConcurrentTurns: number;
  /** APP_OFFLINE_FAULTS=1: the in-process offline model takes POST /_offline/faults (off by default) */
  offlineFaultRoute: boolean;
  projectName: string;
  /** "http/protobuf" (what Phoenix accepts) or "http/json" */
  otlpProtocol: "http/protobuf" | "http/json";
  /** a model call that takes longer fails the turn with a 504 */
  modelTimeoutMs: number;
}

export const DEFAULT_PROJECT_NAME = "workbook-app";

export function readConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const rawCollector = (env.PHOENIX_COLLECTOR_ENDPOINT || "http://localhost:6006").replace(/\/+$/, "");
  const rawPhoenixUrl = (env.PHOENIX_URL || phoenixBaseUrl({ PHOENIX_COLLECTOR_ENDPOINT: rawCollector })).replace(/\/+$/, "");
  // Credentials written into the URLs become an authorization header and leave the URLs, which
  // are printed and logged.
  const collectorEndpoint = splitUrlCredentials(rawCollector).url;
  const phoenixUrl = splitUrlCredentials(rawPhoenixUrl).url;
  const spansGoElsewhere = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const host = env.APP_HOST || "127.0.0.1";
  return {
    host,
    port: readPort(env.APP_PORT, 8000),
    collectorEndpoint,
    phoenixUrl,
    phoenixApiKey: env.PHOENIX_API_KEY || undefined,
    phoenixHeaders: phoenixHeaders({
      env,
      url: splitUrlCredentials(rawPhoenixUrl).authorization ? rawPhoenixUrl : rawCollector,
      includeOtlpHeaders: !spansGoElsewhere,
    }),
    allowedHosts: readAllowedHosts(env.APP_ALLOWED_HOSTS, host),
    maxConcurrentTurns: readPositiveInteger("APP_MAX_CONCURRENT_TURNS", env.APP_MAX_CONCURRENT_TURNS, DEFAULT_MAX_CONCURRENT_TURNS, "number"),
    offlineFaultRoute: ["1", "true", "yes"].includes((env.APP_OFFLINE_FAULTS ?? "").trim().toLowerCase()),
    projectName: env.PHOENIX_PROJECT_NAME || DEFAULT_PROJECT_NAME,
    otlpProtocol: readProtocol(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL),
    modelTimeoutMs: readPositiveInteger("MODEL_TIMEOUT_MS", env.MODEL_TIMEOUT_MS, 30_000),
  };
}

/**
 * The Host header names the app answers to, against DNS rebinding (a web page whose own host
 * name is made to resolve to 127.0.0.1 and then drives the chat): by default the names of this
 * machine's loopback and APP_HOST itself. APP_ALLOWED_HOSTS="chat.example.com,10.0.0.5" sets
 * the list; "*" accepts any (behind a proxy that checks it).
 */
function readAllowedHosts(text: string | undefined, host: string): string[] | "*" {
  if (text?.trim() === "*") return "*";
  const listed = (text ?? "").split(",").map((name) => normalizeHostName(name)).filter(Boolean);
  if (listed.length > 0) return listed;
  const names = ["localhost", "127.0.0.1", "::1"];
  const own = normalizeHostName(host);
  if (own && own !== "0.0.0.0" && own !== "::" && !names.includes(own)) names.push(own);
  return names;
}

/** "Example.COM:8000" -> "example.com", "[::1]:8000" -> "::1" */
export function normalizeHostName(hostHeader: string): string {
  const text = hostHeader.trim().toLowerCase();
  if (text.startsWith("[")) return text.slice(1, text.indexOf("]") === -1 ? undefined : text.indexOf("]"));
  // One colon: host:port. More: a bare IPv6 address.
  return (text.split(":").length === 2 ? text.split(":")[0] : text)?.replace(/\.$/, "") ?? "";
}

function readPort(text: string | undefined, fallback: number): number {
  if (text === undefined || text === "") return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`APP_PORT must be a port number between 0 and 65535, not "${text}".`);
  }
  return port;
}

function readProtocol(text: string | undefined): AppConfig["otlpProtocol"] {
  if (!text || text === "http/protobuf") return "http/protobuf";
  if (text === "http/json") return "http/json";
  throw new Error(
    `OTEL_EXPORTER_OTLP_PROTOCOL="${text}" is not supported here: use http/protobuf (what Phoenix accepts) or http/json.`,
  );
}

function readPositiveInteger(name: string, text: string | undefined, fallback: number, unit = "number of milliseconds"): number {
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a whole ${unit}, not "${text}".`);
  return value;
}

/** 127.0.0.1, 127.x.y.z, ::1, localhost: only this machine can connect. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** What to tell the user when the app listens beyond this machine (undefined: nothing to say). */
export function exposedHostWarning(host: string): string | undefined {
  if (isLoopback(host)) return undefined;
  return (
    `The app listens on ${host} (APP_HOST), so other machines can reach it. It has no login: anyone who ` +
    "can connect can chat on your model API key. Unset APP_HOST to keep it on 127.0.0.1, or put authentication in front."
  );
}
