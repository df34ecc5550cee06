// `npm run app`: the model (offline unless a provider is configured), tracing, the backend and
// its chat page. Prints where to chat and where the traces go; flushes the spans on Ctrl-C.
import { connectModel } from "../../../shared/chatbot/connect-model.ts";
import { TurnCancelledError } from "./cancellation.ts";
import { exposedHostWarning, readConfig } from "./config.ts";
import { createOtlpExporter, otlpTarget } from "./otlp-exporter.ts";
import { buildServer } from "./server.ts";
import { setupTracing } from "./tracing.ts";
import { WarnOnceExporter } from "./warn-once-exporter.ts";

/** How long answers in progress may take to finish once the app is asked to stop. */
const IN_FLIGHT_BUDGET_MS = 3000;
/** How long the last spans may take to reach the collector: short when it is already failing. */
const FLUSH_BUDGET_MS = 5000;
const FLUSH_BUDGET_WHILE_FAILING_MS = 1000;

/** Waits for `work`, but never longer than `ms`: a dead Phoenix must not hold the app up. true when it finished in time. */
function atMost(ms: number, work: Promise<unknown>): Promise<boolean> {
  return Promise.race([
    work.then(() => true, () => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref()),
  ]);
}

async function main(): Promise<void> {
  const config = readConfig();
  const target = otlpTarget(config);
  const warn = (message: string) => console.warn(`[tracing] ${message}`);
  const exporter = new WarnOnceExporter(createOtlpExporter(config), target.url, warn, target.sendsToPhoenix);
  const provider = setupTracing({ projectName: config.projectName, exporter });
  const flushSpans = () => atMost(2000, provider.forceFlush()).then(() => undefined);
  // Aborted when the app stops with answers still running: they end at once, spans included.
  const stopping = new AbortController();

  const model = await connectModel({ timeoutMs: config.modelTimeoutMs });
  const app = await buildServer({ config, model, flushSpans, stopping: stopping.signal });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await model.close();
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new Error(`Port ${config.port} on ${config.host} is already in use: stop the other server or start with APP_PORT=<another port>.`);
    }
    throw error;
  }

  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const modelLine = model.offlineModel
    ? `${model.model}, the offline model (in this process, ${model.baseUrl}); set OPENAI_API_KEY or OPENAI_BASE_URL for a real one`
    : `${model.model} via ${model.provider} (${model.baseUrl})`;
  console.log(`Chat page:  http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}/`);
  console.log(`Model:      ${modelLine}`);
  console.log(`Traces:     ${target.url} (OTLP ${target.protocol === "http/json" ? "JSON" : "protobuf"}), project "${config.projectName}"`);
  console.log(`Phoenix UI: ${config.phoenixUrl}`);
  console.log(`Terminal:   npm run chat   (Ctrl-C here stops the app)`);
  const exposed = exposedHostWarning(config.host);
  if (exposed) console.warn(`[security] ${exposed}`);

  let stopRequested = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopRequested) {
      console.log(`${signal} again: stopping now, without the last spans.`);
      process.exit(signal === "SIGINT" ? 130 : 143);
    }
    stopRequested = true;
    console.log(`\n${signal}: finishing the answers in progress and sending the last spans... (${signal === "SIGINT" ? "Ctrl-C" : signal} again stops at once)`);
    // 1. Stop taking requests; let the answers in progress finish, for a moment, then cancel
    //    them. Either way every turn's spans have ended before the provider sends the last batch.
    const closed = app.close();
    if (!(await atMost(IN_FLIGHT_BUDGET_MS, closed))) {
      stopping.abort(new TurnCancelledError("The app is stopping: this answer was cancelled. Ask again once it has restarted."));
      await atMost(1000, closed);
    }
    // 2. The batch processor still holds the latest spans: shutdown() exports them. A collector
    //    that is already failing gets a short wait: it is not likely to take them now.
    await atMost(exporter.isFailing ? FLUSH_BUDGET_WHILE_FAILING_MS : FLUSH_BUDGET_MS, provider.shutdown());
    await model.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  // Tell the learner now, rather than after the first batch fails, that Phoenix is not up.
  // Only when the spans go to Phoenix: for another collector, its own answers tell.
  if (target.sendsToPhoenix) {
    const phoenixUp = await fetch(`${config.phoenixUrl}/healthz`, { signal: AbortSignal.timeout(1500) }).then((r) => r.ok, () => false);
    if (!phoenixUp) {
      warn(`Phoenix is not answering at ${config.phoenixUrl}. The app works without it (spans are dropped); start it with \`npm run phoenix\` in another terminal to see the traces.`);
      exporter.assumeUnreachable(); // one warning is enough
    }
  }
}

main().catch((error: unknown) => {
  console.error(`The app could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
