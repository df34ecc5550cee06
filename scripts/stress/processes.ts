// The processes a stress scenario runs: the offline model (shared/model/serve.ts) and the app
// (solutions/app/server/main.ts, as `npm run app` runs it), each its own process on 127.0.0.1,
// and the app's resident memory sampled from outside while it works.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface Child {
  process: ChildProcess;
  /** stdout and stderr together, as printed so far */
  output(): string;
  /** resolves with the exit code (or the signal's name) once the process has ended */
  exited: Promise<number | string>;
}

function startChild(args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, "exit").then(([code, signal]) => (code ?? signal) as number | string);
  return { process: child, output: () => output, exited };
}

/** Waits for the line that says the child is ready; a child that never gets there is killed, not left behind. */
async function waitForLine(child: Child, pattern: RegExp, what: string, timeoutMs = 30_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(child.output());
    if (match) return match;
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(`${what} exited (${child.process.exitCode ?? child.process.signalCode}) before it was ready:\n${child.output()}`);
    }
    if (Date.now() > deadline) {
      child.process.kill("SIGKILL");
      throw new Error(`${what} did not start within ${timeoutMs / 1000} s:\n${child.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface ModelProcess extends Child {
  /** e.g. http://127.0.0.1:41234/v1 */
  baseUrl: string;
}

export async function startModel(): Promise<ModelProcess> {
  const child = startChild(["shared/model/serve.ts", "--port", "0", "--host", "127.0.0.1"], { ...process.env });
  const [, baseUrl] = await waitForLine(child, /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/, "The offline model");
  return { ...child, baseUrl: baseUrl! };
}

export interface AppProcess extends Child {
  /** e.g. http://127.0.0.1:38111 */
  url: string;
  port: number;
  pid: number;
}

/** Variables of the parent that would point the app elsewhere: never passed on. */
const INHERITED_SETTINGS = /^(OPENAI_|PHOENIX_|OTEL_|OPENINFERENCE_|APP_|MODEL_TIMEOUT_MS$)/;

/** Starts the app with exactly `env` on top of a clean environment; resolves once it listens (APP_PORT=0: the port it printed). */
export async function startApp(env: Record<string, string>): Promise<AppProcess> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !INHERITED_SETTINGS.test(name)));
  const child = startChild(["solutions/app/server/main.ts"], { ...base, APP_HOST: "127.0.0.1", APP_PORT: "0", ...env });
  const [, url, port] = await waitForLine(child, /Chat page:\s+(http:\/\/127\.0\.0\.1:(\d+))\//, "The app");
  return { ...child, url: url!, port: Number(port), pid: child.process.pid! };
}

/** SIGTERM, then at most `budgetMs` for the app to exit on its own (SIGKILL after): its exit code, or "killed". */
export async function stopChild(child: Child, budgetMs = 15_000): Promise<number | string> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return child.exited;
  child.process.kill("SIGTERM");
  const timer = new Promise<"killed">((resolve) => setTimeout(() => resolve("killed"), budgetMs).unref());
  const result = await Promise.race([child.exited, timer]);
  if (result === "killed") {
    child.process.kill("SIGKILL");
    await child.exited;
  }
  return result;
}

/** Resident set size of a process in bytes: /proc on Linux, `ps` elsewhere; undefined once it has exited. */
export function residentBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && process.platform === "linux") return undefined;
  }
  try {
    const kib = execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim();
    return kib ? Number(kib) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface MemorySampler {
  /** the highest RSS seen, in bytes */
  peak(): number;
  /** [ms since start, bytes] every `everyMs` */
  samples: Array<[number, number]>;
  stop(): void;
}

/** Samples a process's RSS every `everyMs` until stop(). Throws at once when RSS cannot be read at all (nothing is skipped silently). */
export function sampleMemory(pid: number, everyMs = 100): MemorySampler {
  const first = residentBytes(pid);
  if (first === undefined) throw new Error(`Cannot read the resident memory of process ${pid} (no /proc/${pid}/status and no ps): the memory scenarios cannot run.`);
  const started = Date.now();
  const samples: Array<[number, number]> = [[0, first]];
  let peak = first;
  const timer = setInterval(() => {
    const bytes = residentBytes(pid);
    if (bytes === undefined) return;
    samples.push([Date.now() - started, bytes]);
    peak = Math.max(peak, bytes);
  }, everyMs);
  return { peak: () => peak, samples, stop: () => clearInterval(timer) };
}
