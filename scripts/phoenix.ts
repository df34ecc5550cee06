// `npm run phoenix`: a local Phoenix for the workbook, on http://127.0.0.1:6006 (PHOENIX_PORT).
// Installs it into .phoenix/venv on first use (Python 3.10-3.13 and PyPI needed), then runs
// `phoenix serve` in the foreground until Ctrl-C. Data: PHOENIX_WORKING_DIR (default ~/.phoenix).
// Phoenix's own output (on a new database, thousands of lines of migration SQL) goes to
// .phoenix/phoenix.log; its last lines are shown when Phoenix fails or stops by itself.
// `npm run phoenix -- --postgres`: Phoenix on PostgreSQL, as a team runs it: a local cluster in
// .phoenix/postgres (Debian's postgresql; made on first use), on 127.0.0.1:PHOENIX_POSTGRES_PORT
// (default 54320), its URL given to Phoenix as PHOENIX_SQL_DATABASE_URL; stopped with Phoenix.
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PHOENIX_LOG, ensurePhoenixInstalled, startPhoenix } from "../shared/phoenix/local-server.ts";
import { startPostgres, type RunningPostgres } from "./lib/postgres-cluster.ts";

const port = Number(process.env.PHOENIX_PORT || 6006);
const grpcPort = Number(process.env.PHOENIX_GRPC_PORT || 4317);
const host = process.env.PHOENIX_HOST || "127.0.0.1";
const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== "--postgres");
if (unknown.length > 0) {
  console.error(`Unknown option ${unknown.join(" ")}. Usage: npm run phoenix [-- --postgres]`);
  process.exit(2);
}
const onPostgres = args.includes("--postgres");
let postgres: RunningPostgres | undefined;

try {
  const already = await fetch(`http://${host}:${port}/healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
  if (already) {
    console.log(`Phoenix is already running at http://${host}:${port}.`);
    process.exit(0);
  }
  ensurePhoenixInstalled(console.log, { postgres: onPostgres });
  if (onPostgres) {
    const postgresPort = Number(process.env.PHOENIX_POSTGRES_PORT || 54320);
    postgres = await startPostgres(path.join(path.dirname(PHOENIX_LOG), "postgres"), postgresPort);
    console.log(`PostgreSQL is ready on 127.0.0.1:${postgresPort} (data: .phoenix/postgres): ${postgres.databaseUrl}`);
  }
  const log = path.relative(process.cwd(), PHOENIX_LOG) || PHOENIX_LOG;
  mkdirSync(path.dirname(PHOENIX_LOG), { recursive: true });
  writeFileSync(PHOENIX_LOG, ""); // this run's output only
  console.log(`Starting Phoenix on http://${host}:${port} (OTLP/HTTP at /v1/traces, gRPC on ${grpcPort}); its log: ${log}`);
  const phoenix = await startPhoenix({ port, grpcPort, host, workingDir: process.env.PHOENIX_WORKING_DIR, output: "pipe", logFile: PHOENIX_LOG, readyTimeoutMs: 180_000, databaseUrl: postgres?.databaseUrl });
  console.log(`Phoenix is ready: ${phoenix.url}  (in another terminal: npm run app; Ctrl-C here stops Phoenix)`);
  let stopping = false;
  const stop = () => {
    stopping = true;
    void phoenix.stop().then(() => postgres?.stop()).then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  phoenix.process.on("exit", (code) => {
    if (!stopping) {
      const lastLines = phoenix.output().trimEnd().split("\n").slice(-20).join("\n");
      console.error(`Phoenix stopped by itself (exit code ${code}). The end of its log (all of it: ${log}):\n${lastLines}`);
    }
    void (postgres?.stop() ?? Promise.resolve()).then(() => process.exit(code ?? 0));
  });
} catch (error) {
  await postgres?.stop();
  console.error(`Phoenix could not start: ${error instanceof Error ? error.message : String(error)}`);
  if (existsSync(PHOENIX_LOG) && statSync(PHOENIX_LOG).size > 0) console.error(`Its whole log: ${path.relative(process.cwd(), PHOENIX_LOG) || PHOENIX_LOG}`);
  process.exit(1);
}
