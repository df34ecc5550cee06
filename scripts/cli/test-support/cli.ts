// Runs the workbook CLI of a repo copy as a subprocess with pipes (no TTY), as CI would.
import { spawn } from "node:child_process";
import path from "node:path";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runWorkbook(root: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/workbook.ts", ...args], {
      cwd: root,
      // FORCE_COLOR on purpose: piped output must stay plain even when colour is forced.
      env: { ...process.env, FORCE_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

// eslint-disable-next-line no-control-regex
export const ANSI = /\u001b[[\]]/;
