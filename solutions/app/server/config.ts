// Everything the app reads from the environment, in one place, with its default: its own settings
// here, the tracing ones (where spans go, Phoenix, tracing off) through readTelemetryConfig, which
// the terminal client calls too.
import { readTelemetryConfig, type TelemetryConfig } from "../telemetry/telemetry-config.ts";
import { DEFAULT_MAX_CONCURRENT_JUDGINGS, DEFAULT_MAX_CONCURRENT_TURNS } from "./limits.ts";

export interface AppConfig extends TelemetryConfig {
  /** APP_HOST, not the generic HOST that containers often set to 0.0.0.0 */
  host: string;
  port: number;
  /** host names the app answers to (the Host header): APP_ALLOWED_HOSTS, "*" for any */
  allowedHosts: string[] | "*";
  /** APP_MAX_CONCURRENT_TURNS: chat turns answered at once (one more: 503) */
  maxConcurrentTurns: number;
  /** APP_OFFLINE_FAULTS=1: the in-process offline model takes POST /_offline/faults (off by default) */
  offlineFaultRoute: boolean;
  /** a model call that takes longer fails the turn with a 504 */
  modelTimeoutMs: number;
  /** APP_EVALUATIONS=off: answers are not judged (lesson 10's evaluations); on by default */
  evaluations: boolean;
  /** APP_RETRIEVAL=off: no search of the city guide before the model is asked (lesson 12's retrieval); on by default */
  retrieval: boolean;
  /** APP_MAX_CONCURRENT_JUDGINGS: answers judged at once; an answer beyond them is not judged */
  maxConcurrentJudgings: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const host = env.APP_HOST || "127.0.0.1";
  return {
    ...readTelemetryConfig(env),
    host,
    port: readPort(env.APP_PORT, 8000),
    allowedHosts: readAllowedHosts(env.APP_ALLOWED_HOSTS, host),
    maxConcurrentTurns: readPositiveInteger("APP_MAX_CONCURRENT_TURNS", env.APP_MAX_CONCURRENT_TURNS, DEFAULT_MAX_CONCURRENT_TURNS, "number"),
    offlineFaultRoute: ["1", "true", "yes"].includes((env.APP_OFFLINE_FAULTS ?? "").trim().toLowerCase()),
    modelTimeoutMs: readPositiveInteger("MODEL_TIMEOUT_MS", env.MODEL_TIMEOUT_MS, 30_000),
    evaluations: readOnOff("APP_EVALUATIONS", env.APP_EVALUATIONS, true),
    retrieval: readOnOff("APP_RETRIEVAL", env.APP_RETRIEVAL, true),
    maxConcurrentJudgings: readPositiveInteger("APP_MAX_CONCURRENT_JUDGINGS", env.APP_MAX_CONCURRENT_JUDGINGS, DEFAULT_MAX_CONCURRENT_JUDGINGS, "number"),
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

function readPositiveInteger(name: string, text: string | undefined, fallback: number, unit = "number of milliseconds"): number {
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a whole ${unit}, not "${text}".`);
  return value;
}

function readOnOff(name: string, text: string | undefined, fallback: boolean): boolean {
  const value = (text ?? "").trim().toLowerCase();
  if (value === "") return fallback;
  if (["on", "1", "true", "yes"].includes(value)) return true;
  if (["off", "0", "false", "no"].includes(value)) return false;
  throw new Error(`${name} must be on or off, not "${text}".`);
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
