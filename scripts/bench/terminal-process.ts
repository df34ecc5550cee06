// A program run in a terminal of its own for the bench: a pseudo-terminal from util-linux's
// `script`, so the program draws as it would for a person (watch mode refuses to start
// without one), and its output is read the moment it is written: no polling of a screen, which
// would cost the machine the CPU being measured.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";

// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\]8;;[^\u0007]*\u0007|\u001b[()][A-Z0-9]|\r/g;
/** What watch mode writes before each drawing of its screen. */
export const CLEAR_SCREEN = "\u001b[H\u001b[2J";

/** Why the terminal bench cannot run here, or undefined when it can. */
export function terminalUnavailable(): string | undefined {
  const found = spawnSync("script", ["--version"], { encoding: "utf8" });
  if (found.error || found.status !== 0 || !/util-linux/.test(found.stdout)) {
    return "util-linux's `script` is not installed (it gives the program a terminal): apt-get install -y bsdutils";
  }
  return undefined;
}

export class TerminalProcess {
  /** everything written so far, as written (escapes included) */
  raw = "";
  private readonly child: ChildProcess;
  private readonly waiters = new Set<() => void>();
  private exited = false;

  constructor(cwd: string, command: string, env: NodeJS.ProcessEnv = process.env, size = { columns: 160, rows: 50 }) {
    // `stty` first: a terminal made by script has no size, and the program would draw for 0 x 0.
    const line = `stty cols ${size.columns} rows ${size.rows}; exec ${command}`;
    this.child = spawn("script", ["--quiet", "--flush", "--return", "--command", line, "/dev/null"], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    // Decoded as a stream: a character cut between two reads is put back together.
    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (chunk: string) => {
      this.raw += chunk;
      for (const wake of this.waiters) wake();
    });
    this.child.stderr!.resume();
    this.child.on("exit", () => {
      this.exited = true;
      for (const wake of this.waiters) wake();
    });
  }

  /** Where the output is now: `waitFor` looks only at what comes after it. */
  mark(): number {
    return this.raw.length;
  }

  /**
   * Waits until `found` returns a value for the output written since `from` (escapes and all);
   * resolves to that value and the time it was seen.
   */
  waitFor<T>(from: number, found: (output: string) => T | undefined, timeoutMs: number, what: string): Promise<{ value: T; at: number }> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = found(this.raw.slice(from));
        if (value !== undefined) {
          finish();
          resolve({ value, at: performance.now() });
        } else if (this.exited) {
          finish();
          reject(new Error(`the program ended before ${what}. Its last output:\n${plainText(this.raw.slice(-2_000))}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no ${what} within ${timeoutMs / 1000} s. The last output:\n${plainText(this.raw.slice(-2_000))}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Keys typed in the terminal. */
  type(text: string): void {
    this.child.stdin!.write(text);
  }

  /**
   * Ends the program: `q`, which both watch modes take for quit, then, after `graceMs`, the
   * terminal is closed under it (the program gets SIGHUP, as when a terminal window is closed).
   */
  async stop(graceMs = 3_000): Promise<void> {
    if (this.exited) return;
    const ended = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.type("q");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await ended;
    clearTimeout(timer);
  }
}

/** The text as a person reads it: escapes and carriage returns removed. */
export function plainText(output: string): string {
  return output.replace(ESCAPES, "");
}
