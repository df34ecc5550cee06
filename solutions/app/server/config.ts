// Everything the app reads from the environment, in one place, with its default.
import { phoenixBaseUrl } from "../../../shared/phoenix/trace-link.ts";

export interface AppConfig {
  /** APP_HOST, not the generic HOST that containers often set to 0.0.0.0 */
  host: string;
  port: number;
  /** where spans are sent: OTLP over HTTP, `/v1/traces` is appended */
  collectorEndpoint: string;
  /** the Phoenix UI and REST API (feedback, trace links); usually the same server */
  phoenixUrl: string;
  /** sent as `authorization: Bearer ...` to Phoenix; never logged */
  phoenixApiKey: string | undefined;
  projectName: string;
  /** "http/protobuf" (what Phoenix accepts) or "http/json" */
  otlpProtocol: "http/protobuf" | "http/json";
  /** a model call that takes longer fails the turn with a 504 */
  modelTimeoutMs: number;
}

export const DEFAULT_PROJECT_NAME = "workbook-app";

export function readConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const collectorEndpoint = (env.PHOENIX_COLLECTOR_ENDPOINT || "http://localhost:6006").replace(/\/+$/, "");
  return {
    host: env.APP_HOST || "127.0.0.1",
    port: readPort(env.APP_PORT, 8000),
    collectorEndpoint,
    phoenixUrl: (env.PHOENIX_URL || phoenixBaseUrl({ PHOENIX_COLLECTOR_ENDPOINT: collectorEndpoint })).replace(/\/+$/, ""),
    phoenixApiKey: env.PHOENIX_API_KEY || undefined,
    projectName: env.PHOENIX_PROJECT_NAME || DEFAULT_PROJECT_NAME,
    otlpProtocol: readProtocol(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL),
    modelTimeoutMs: readPositiveInteger("MODEL_TIMEOUT_MS", env.MODEL_TIMEOUT_MS, 30_000),
  };
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

function readPositiveInteger(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a whole number of milliseconds, not "${text}".`);
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
