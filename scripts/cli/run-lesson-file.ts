// Runs a lesson's program (`npx tsx lessons/NN-slug/chatbot.ts`): one chat turn, the reply and
// the span tree. In a child process, so a hang is stopped after a timeout and a crash cannot
// take the CLI down.
import { spawn } from "node:child_process";
import path from "node:path";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { WorkbookProblem } from "./problems.ts";

export interface RunOutcome {
  exitCode: number;
  /** the output, when captured (watch mode) */
  output: string;
  timedOutAfterMs?: number;
}

export function runTimeoutMs(): number {
  return Number(process.env.WORKBOOK_RUN_TIMEOUT_MS) || 30_000;
}

export function runLessonFile(
  root: string,
  lesson: Lesson,
  options: { capture: boolean; color: boolean; args?: string[] },
): Promise<RunOutcome> {
  const file = path.join("lessons", lesson.slug, lesson.run);
  const timeoutMs = runTimeoutMs();
  return new Promise((resolve, reject) => {
    // `node --import tsx`, not the tsx CLI: one process, so the timeout's kill stops all of it.
    const child = spawn(process.execPath, ["--import", "tsx", file, ...(options.args ?? [])], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: options.color ? "1" : "0" },
      stdio: options.capture ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new WorkbookProblem(`Cannot start ${file}: ${error.message}. Fix: run \`npm install\` first.`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ exitCode: timedOut ? 1 : (code ?? 1), output, timedOutAfterMs: timedOut ? timeoutMs : undefined });
    });
  });
}

export function timeoutMessage(lesson: Lesson, ms: number): string {
  return (
    `lessons/${lesson.slug}/${lesson.run} was stopped after ${Math.round(ms / 1000)} s without finishing. ` +
    `Look for a loop that never ends or an await that never settles, then run it again.`
  );
}
