// The workbook's OpenTelemetry Collector (main.go, go.mod, config.yaml beside this file): built
// with Go from the Collector's modules into .collector/ (git-ignored) the first time, and again
// only when main.go, go.mod, go.sum or the Go version change; started with config.yaml.
// Used by `npm run collector` (run.ts), the e2e suite and CI.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "..", "..");
export const COLLECTOR_DIR = path.join(repoRoot, ".collector");
export const COLLECTOR_BINARY = path.join(COLLECTOR_DIR, "workbook-otelcol");
export const COLLECTOR_CONFIG = path.join(here, "config.yaml");
const BUILD_KEY = path.join(COLLECTOR_DIR, "build-key");

/** `go` on the PATH, else where the official tarball puts it; GO overrides. */
function goCommand(): string {
  for (const candidate of [process.env.GO, "go", "/usr/local/go/bin/go"].filter((each): each is string => Boolean(each))) {
    if (spawnSync(candidate, ["version"], { stdio: "ignore" }).status === 0) return candidate;
  }
  throw new Error("Building the collector needs Go (1.25 or newer): none found on the PATH or in /usr/local/go/bin. Install it from https://go.dev/dl/ (or set GO to its path).");
}

/** What the binary is built from: the sources and the Go version. */
function buildKey(go: string): string {
  const hash = createHash("sha256");
  for (const file of ["main.go", "go.mod", "go.sum"]) hash.update(readFileSync(path.join(here, file)));
  hash.update(spawnSync(go, ["version"], { encoding: "utf8" }).stdout);
  return hash.digest("hex");
}

/** Builds the collector unless the cached binary is up to date; returns whether it built. */
export function buildCollector(log: (line: string) => void = console.log): { built: boolean; seconds: number } {
  const go = goCommand();
  const key = buildKey(go);
  if (existsSync(COLLECTOR_BINARY) && existsSync(BUILD_KEY) && readFileSync(BUILD_KEY, "utf8") === key) return { built: false, seconds: 0 };
  mkdirSync(COLLECTOR_DIR, { recursive: true });
  log("Building the OpenTelemetry Collector from its Go modules into .collector/ (once: about 2-3 minutes on 2 cores, plus the module download)...");
  const started = Date.now();
  const build = spawnSync(go, ["build", "-trimpath", "-ldflags=-s -w", "-o", COLLECTOR_BINARY, "."], { cwd: here, stdio: "inherit" });
  if (build.status !== 0) throw new Error(`\`go build\` of scripts/collector failed (its output is above). Is the Go module proxy reachable (GOPROXY)?`);
  writeFileSync(BUILD_KEY, key);
  const seconds = Math.round((Date.now() - started) / 1000);
  log(`Built ${path.relative(process.cwd(), COLLECTOR_BINARY)} in ${seconds} s.`);
  return { built: true, seconds };
}

export interface CollectorOptions {
  /** where it takes OTLP/HTTP: http://127.0.0.1:<port>/v1/traces */
  port: number;
  /** Phoenix's base URL */
  phoenixEndpoint: string;
  /** the share of traces without an error that tail sampling keeps (default 100) */
  keepPercent?: number;
  /** "inherit" shows the collector's log; "pipe" keeps it for error messages */
  output?: "inherit" | "pipe";
}

export interface RunningCollector {
  /** http://127.0.0.1:<port>: what an app's PHOENIX_COLLECTOR_ENDPOINT names */
  url: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts the built collector with config.yaml; ready once its OTLP/HTTP port answers. */
export async function startCollector(options: CollectorOptions): Promise<RunningCollector> {
  buildCollector();
  const child = spawn(COLLECTOR_BINARY, ["--config", `file:${COLLECTOR_CONFIG}`], {
    env: {
      ...process.env,
      COLLECTOR_PORT: String(options.port),
      PHOENIX_ENDPOINT: options.phoenixEndpoint,
      COLLECTOR_KEEP_PERCENT: String(options.keepPercent ?? 100),
    },
    stdio: options.output === "inherit" ? "inherit" : ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  let exited: number | null | undefined;
  child.on("exit", (code) => (exited = code));
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (exited !== undefined) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM"); // the collector drains its pipeline (tail sampling's pending traces are dropped)
    await gone;
  };
  for (const deadline = Date.now() + 30_000; ; ) {
    if (exited !== undefined) throw new Error(`The collector stopped before it was ready (exit code ${exited}):\n${output.trim().split("\n").slice(-10).join("\n")}`);
    // An empty export: 200 from a collector that is up (its receiver has no health route of its own).
    const ready = await fetch(`${url}/v1/traces`, { method: "POST", headers: { "content-type": "application/x-protobuf" }, body: new Uint8Array(0), signal: AbortSignal.timeout(1000) }).then((response) => response.ok, () => false);
    if (ready) return { url, process: child, output: () => output, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`The collector did not answer ${url}/v1/traces within 30 s:\n${output.trim().split("\n").slice(-10).join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
