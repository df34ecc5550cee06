// A server the bench starts in a process of its own (the app, the model, the collector): started
// with node and tsx, ready once it prints its URL, paused and resumed between trials, and stopped
// at the end whatever happened.
import { spawn, type ChildProcess } from "node:child_process";

export interface Server {
  name: string;
  pid: number;
  /** the URL it printed */
  url: string;
  /** what it wrote to stderr so far */
  stderr: () => string;
  /** SIGSTOP: it uses no CPU, and runs none of its timers, until resumed */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export async function startServer(
  name: string,
  {
    root,
    script,
    env,
    urlPattern,
    nodeOptions = [],
    imports = [],
    tsx = true,
  }: {
    root: string;
    script: string;
    env: NodeJS.ProcessEnv;
    urlPattern: RegExp;
    nodeOptions?: string[];
    /** modules loaded before the script, after tsx */
    imports?: string[];
    /** false: plain node, for a compiled script */
    tsx?: boolean;
  },
): Promise<Server> {
  const preloads = [...(tsx ? ["tsx"] : []), ...imports].flatMap((module) => ["--import", module]);
  const child = spawn(process.execPath, [...nodeOptions, ...preloads, script], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} printed no URL within 60 s. Its output:\n${stdout}${stderr}`)), 60_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      const match = urlPattern.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} stopped before it was ready (${signal ?? `exit code ${code}`}). Its output:\n${stdout}${stderr}`));
    });
  });
  child.stdout!.resume(); // keep reading, so that a chatty server never blocks on a full pipe
  return {
    name,
    pid: child.pid!,
    url,
    stderr: () => stderr,
    pause: () => child.kill("SIGSTOP"),
    resume: () => child.kill("SIGCONT"),
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGCONT"); // a paused process would not act on SIGTERM
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}
