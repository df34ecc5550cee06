// A local Phoenix for the app and its end-to-end suite: installed from PyPI into a git-ignored
// virtual environment (.phoenix/venv) on first use, started with `python -m phoenix.server.main
// serve` (what `phoenix serve` runs), ready when GET /healthz answers. Used by `npm run phoenix`
// and `npm run verify:e2e`.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The Phoenix release the workbook is checked against (PHOENIX_PIP_SPEC overrides, e.g. "arize-phoenix"). */
export const PHOENIX_VERSION = "20.26.1";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const VENV_DIR = path.join(repoRoot, ".phoenix", "venv");
/** where `npm run phoenix` writes Phoenix's own output (thousands of lines of migrations on a new database) */
export const PHOENIX_LOG = path.join(repoRoot, ".phoenix", "phoenix.log");
const venvPython = path.join(VENV_DIR, "bin", "python");
const venvName = path.relative(repoRoot, VENV_DIR);

/**
 * How Phoenix is started: the venv's python with `-m`. Not the venv's `phoenix` launcher: its
 * first line names the python by the path the venv had when it was made, which is gone once
 * the clone has been moved or renamed.
 */
export interface PhoenixCommand {
  command: string;
  args: string[];
}

export interface PhoenixOptions {
  port: number;
  grpcPort: number;
  host?: string;
  /** where Phoenix keeps its SQLite database; Phoenix's default is ~/.phoenix */
  workingDir?: string;
  /** "inherit" shows Phoenix's own output; "pipe" keeps it for error messages */
  output?: "inherit" | "pipe";
  /** with output "pipe": also write all of Phoenix's output to this file (appended) */
  logFile?: string;
  /** how long to wait for /healthz; default 120 s (the first start migrates the database) */
  readyTimeoutMs?: number;
  /** PHOENIX_SQL_DATABASE_URL: a PostgreSQL database instead of SQLite (scripts/lib/postgres-cluster.ts) */
  databaseUrl?: string;
}

export interface RunningPhoenix {
  url: string;
  process: ChildProcess;
  /** Phoenix's output so far (with output: "pipe") */
  output(): string;
  stop(): Promise<void>;
}

/** Installs Phoenix into .phoenix/venv unless it is there; says exactly what is missing otherwise. */
export function ensurePhoenixInstalled(log: (line: string) => void = console.log, { postgres = false } = {}): PhoenixCommand {
  const state = venvState(VENV_DIR);
  if (state === "broken") {
    // Its python no longer runs: the Python it was made from was removed or upgraded.
    log(`${venvName} is broken (its python does not run: Python removed or upgraded?). Making it again...`);
    rmSync(VENV_DIR, { recursive: true, force: true });
  }
  if (state === "missing" || state === "broken") {
    const python = findPython();
    log(`Creating the virtual environment ${venvName} with ${python.command} (Python ${python.version})...`);
    const venv = spawnSync(python.command, ["-m", "venv", VENV_DIR], { stdio: "inherit" });
    if (venv.status !== 0) {
      rmSync(VENV_DIR, { recursive: true, force: true });
      throw new Error(`\`${python.command} -m venv\` failed. On Debian/Ubuntu install the venv module: apt-get install python3-venv`);
    }
  }
  // On PostgreSQL Phoenix needs its "pg" extra (the asyncpg driver).
  const needsDriver = postgres && spawnSync(venvPython, ["-c", "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('asyncpg') else 3)"]).status !== 0;
  if (state !== "ready" || needsDriver) {
    const spec = process.env.PHOENIX_PIP_SPEC || `arize-phoenix${postgres ? "[pg]" : ""}==${PHOENIX_VERSION}`;
    log(`Installing ${spec} from PyPI into ${venvName} (once; about a minute)...`);
    const pip = spawnSync(venvPython, ["-m", "pip", "install", "--disable-pip-version-check", "--quiet", spec], { stdio: "inherit" });
    if (pip.status !== 0 || venvState(VENV_DIR) !== "ready") {
      throw new Error(
        `\`pip install ${spec}\` failed (see pip's output above). Is PyPI reachable (proxy: HTTPS_PROXY, PIP_INDEX_URL)? ` +
          `Delete ${venvName} to start over.`,
      );
    }
  }
  return { command: venvPython, args: ["-m", "phoenix.server.main", "serve"] };
}

/**
 * What a virtual environment is fit for: "missing" (not made yet), "broken" (its python does
 * not run), "without-phoenix" (made, but arize-phoenix is not installed), "ready".
 */
export function venvState(venvDir: string): "missing" | "broken" | "without-phoenix" | "ready" {
  if (!existsSync(venvDir)) return "missing";
  // Finding the package is instant; importing it would take seconds.
  const check = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('phoenix') else 3)";
  const probe = spawnSync(path.join(venvDir, "bin", "python"), ["-c", check], { stdio: "ignore" });
  if (probe.status === 0) return "ready";
  if (probe.status === 3) return "without-phoenix";
  return "broken";
}

/** A Python that arize-phoenix supports (3.10 to 3.13) and that has the venv module. */
function findPython(): { command: string; version: string } {
  const candidates = [process.env.PHOENIX_PYTHON, "python3.13", "python3.12", "python3.11", "python3.10", "python3"].filter(
    (candidate): candidate is string => Boolean(candidate),
  );
  const seen: string[] = [];
  for (const command of candidates) {
    const probe = spawnSync(command, ["-c", "import sys, venv, ensurepip; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8" });
    if (probe.status !== 0) {
      if (!probe.error) seen.push(`${command} (no venv/ensurepip module)`);
      continue;
    }
    const version = probe.stdout.trim();
    const [major, minor] = version.split(".").map(Number);
    if (major === 3 && minor !== undefined && minor >= 10 && minor <= 13) return { command, version };
    seen.push(`${command} is ${version}`);
  }
  throw new Error(
    "Phoenix needs Python 3.10 to 3.13 with the venv module, and none was found" +
      `${seen.length ? ` (${seen.join("; ")})` : ""}. Install one (Debian/Ubuntu: apt-get install python3 python3-venv) ` +
      "or set PHOENIX_PYTHON to its path.",
  );
}

export async function startPhoenix(options: PhoenixOptions): Promise<RunningPhoenix> {
  const { command, args } = ensurePhoenixInstalled(console.log, { postgres: options.databaseUrl !== undefined });
  const host = options.host ?? "127.0.0.1";
  const url = `http://${host}:${options.port}`;
  const child = spawn(command, args, {
    env: {
      ...process.env,
      PHOENIX_HOST: host,
      PHOENIX_PORT: String(options.port),
      PHOENIX_GRPC_PORT: String(options.grpcPort),
      ...(options.workingDir ? { PHOENIX_WORKING_DIR: options.workingDir } : {}),
      ...(options.databaseUrl ? { PHOENIX_SQL_DATABASE_URL: options.databaseUrl } : {}),
      // No usage telemetry: the workbook runs offline.
      PHOENIX_TELEMETRY_ENABLED: "false",
    },
    stdio: options.output === "inherit" ? "inherit" : ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  if (options.logFile && options.output !== "inherit") {
    const log = createWriteStream(options.logFile, { flags: "a" });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once("exit", () => log.end());
  }
  let exited: number | null | undefined;
  child.on("exit", (code) => (exited = code));
  // The process could not even start (ENOENT, EACCES): without this listener Node would
  // crash with a stack trace instead of saying what to do.
  let startError: Error | undefined;
  child.on("error", (error) => {
    startError = error;
    exited ??= null;
  });

  const stop = async () => {
    if (exited !== undefined) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await gone;
    clearTimeout(killer);
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    if (startError) {
      throw new Error(`${VENV_DIR} is broken (moved clone?): ${startError.message}. Delete it and rerun \`npm run phoenix\`.`);
    }
    if (exited !== undefined) {
      throw new Error(`Phoenix stopped before it was ready (exit code ${exited}).\n${output.split("\n").slice(-20).join("\n")}`);
    }
    const ready = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ready) return { url, process: child, output: () => output, stop };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`Phoenix did not answer ${url}/healthz within ${(options.readyTimeoutMs ?? 120_000) / 1000} s.\n${output.split("\n").slice(-20).join("\n")}`);
}
