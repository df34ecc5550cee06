// `npm run phoenix`: a local Phoenix for the workbook, on http://127.0.0.1:6006 (PHOENIX_PORT).
// Installs it into .phoenix/venv on first use (Python 3.10-3.13 and PyPI needed), then runs
// `phoenix serve` in the foreground until Ctrl-C. Data: PHOENIX_WORKING_DIR (default ~/.phoenix).
import { ensurePhoenixInstalled, startPhoenix } from "./lib/phoenix-server.ts";

const port = Number(process.env.PHOENIX_PORT || 6006);
const grpcPort = Number(process.env.PHOENIX_GRPC_PORT || 4317);
const host = process.env.PHOENIX_HOST || "127.0.0.1";

try {
  const already = await fetch(`http://${host}:${port}/healthz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
  if (already) {
    console.log(`Phoenix is already running at http://${host}:${port}.`);
    process.exit(0);
  }
  ensurePhoenixInstalled();
  console.log(`Starting Phoenix on http://${host}:${port} (OTLP/HTTP at /v1/traces, gRPC on ${grpcPort})...`);
  const phoenix = await startPhoenix({ port, grpcPort, host, workingDir: process.env.PHOENIX_WORKING_DIR, output: "inherit", readyTimeoutMs: 180_000 });
  console.log(`\nPhoenix is ready: ${phoenix.url}  (in another terminal: npm run app; Ctrl-C here stops Phoenix)`);
  const stop = () => void phoenix.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  phoenix.process.on("exit", (code) => process.exit(code ?? 0));
} catch (error) {
  console.error(`Phoenix could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
