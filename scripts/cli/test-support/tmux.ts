// A real terminal for the CLI's tests: a tmux session on a private server socket, read back by
// polling the pane (never by sleeping a fixed time: the machine may be loaded).
import { execFileSync, spawnSync } from "node:child_process";

export function requireTmux(): void {
  const found = spawnSync("tmux", ["-V"], { stdio: "ignore" });
  if (found.error || found.status !== 0) {
    throw new Error("tmux is not installed, and the watch-mode tests drive a real terminal with it. Fix: apt-get install -y tmux");
  }
}

let sessions = 0;

export class TmuxSession {
  readonly socket = `workbook-test-${process.pid}-${++sessions}`;
  readonly name = "workbook";

  constructor(cwd: string, command: string, size = { columns: 160, rows: 60 }) {
    requireTmux();
    this.tmux(["new-session", "-d", "-s", this.name, "-x", String(size.columns), "-y", String(size.rows), "-c", cwd, command]);
    // Keep the pane after the program exits, so its last words can be read.
    this.tmux(["set-option", "-t", this.name, "remain-on-exit", "on"]);
  }

  /** The visible text of the pane, a line wrapped by the terminal joined back (-J); with escapes=true, including colour codes. */
  screen(escapes = false): string {
    return this.tmux(["capture-pane", "-p", "-J", ...(escapes ? ["-e"] : []), "-t", this.name]);
  }

  /** Keys as tmux names them: "n", "y", "Enter", "Escape", "Down". */
  press(...keys: string[]): void {
    this.tmux(["send-keys", "-t", this.name, ...keys]);
  }

  /**
   * Presses a key until the screen shows its effect: watch mode ignores keys while a check
   * runs, and a save's check may start just before the key arrives.
   */
  async pressUntil(key: string, expectation: string | RegExp | ((screen: string) => boolean), timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.press(key);
      try {
        return await this.waitFor(expectation, 5_000);
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
  }

  /** The terminal window takes this size, as when the learner resizes it. */
  resize(columns: number, rows: number): void {
    this.tmux(["resize-window", "-t", this.name, "-x", String(columns), "-y", String(rows)]);
  }

  type(text: string): void {
    this.tmux(["send-keys", "-t", this.name, "-l", text]);
  }

  async waitFor(expectation: string | RegExp | ((screen: string) => boolean), timeoutMs = 60_000): Promise<string> {
    const matches =
      typeof expectation === "function"
        ? expectation
        : (screen: string) => (typeof expectation === "string" ? screen.includes(expectation) : expectation.test(screen));
    const deadline = Date.now() + timeoutMs;
    let screen = "";
    while (Date.now() < deadline) {
      screen = this.screen();
      if (matches(screen)) return screen;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    throw new Error(`The terminal never showed ${String(expectation)} within ${timeoutMs / 1000} s. It shows:\n${screen}`);
  }

  paneDead(): boolean {
    return this.tmux(["display-message", "-p", "-t", this.name, "#{pane_dead}"]).trim() === "1";
  }

  close(): void {
    spawnSync("tmux", ["-L", this.socket, "kill-server"], { stdio: "ignore" });
  }

  private tmux(args: string[]): string {
    return execFileSync("tmux", ["-L", this.socket, ...args], { encoding: "utf8" });
  }
}
