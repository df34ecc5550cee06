// `npm run collector`: the workbook's OpenTelemetry Collector between the chatbot and Phoenix, as a
// team deploys it. Builds it once (Go, the Collector's modules; cached in .collector/), then runs it
// in the foreground until Ctrl-C: OTLP/HTTP in on http://127.0.0.1:4318 (COLLECTOR_PORT), tail
// sampling (every trace with an error kept; COLLECTOR_KEEP_PERCENT of the others), batches out to
// Phoenix at PHOENIX_ENDPOINT (default http://127.0.0.1:6006). `npm run collector -- --build-only`
// only builds it (CI). Point a lesson at it: PHOENIX_COLLECTOR_ENDPOINT=http://127.0.0.1:4318.
import { buildCollector, startCollector } from "./collector-process.ts";

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== "--build-only");
if (unknown.length > 0) {
  console.error(`Unknown option ${unknown.join(" ")}. Usage: npm run collector [-- --build-only]`);
  process.exit(2);
}

try {
  if (args.includes("--build-only")) {
    const { built } = buildCollector();
    if (!built) console.log("The collector in .collector/ is up to date.");
    process.exit(0);
  }
  const port = Number(process.env.COLLECTOR_PORT || 4318);
  const phoenixEndpoint = process.env.PHOENIX_ENDPOINT || "http://127.0.0.1:6006";
  const keepPercent = Number(process.env.COLLECTOR_KEEP_PERCENT || 100);
  const collector = await startCollector({ port, phoenixEndpoint, keepPercent, output: "inherit" });
  console.log(`The collector takes spans at ${collector.url}/v1/traces and sends them on to ${phoenixEndpoint} (every trace with an error, ${keepPercent}% of the others).`);
  console.log(`Point the chatbot at it: PHOENIX_COLLECTOR_ENDPOINT=${collector.url} npx tsx solutions/11-exporting/chatbot.ts   (Ctrl-C here stops it)`);
  const stop = () => void collector.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  collector.process.on("exit", (code) => process.exit(code ?? 0));
} catch (error) {
  console.error(`The collector could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
