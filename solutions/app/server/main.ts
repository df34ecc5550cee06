// `npm run app`: the model (offline unless a provider is configured), tracing, the backend and
// its chat page. Prints where to chat and where the traces go; flushes the spans on Ctrl-C.
import { connectModel } from "../../../shared/chatbot/connect-model.ts";
import { readConfig } from "./config.ts";
import { createOtlpExporter, otlpTarget } from "./otlp-exporter.ts";
import { buildServer } from "./server.ts";
import { setupTracing } from "./tracing.ts";
import { WarnOnceExporter } from "./warn-once-exporter.ts";

/** Waits for `work`, but never longer than `ms`: a dead Phoenix must not hold the app up. */
function atMost(ms: number, work: Promise<unknown>): Promise<void> {
  return Promise.race([work.then(() => undefined, () => undefined), new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);
}

async function main(): Promise<void> {
  const config = readConfig();
  const target = otlpTarget(config);
  const exporter: WarnOnceExporter = new WarnOnceExporter(createOtlpExporter(config), target.url, (message) => console.warn(`[tracing] ${message}`));
  const provider = setupTracing({ projectName: config.projectName, exporter });
  const flushSpans = () => atMost(2000, provider.forceFlush());

  const model = await connectModel({ timeoutMs: config.modelTimeoutMs });
  const app = await buildServer({ config, model, flushSpans });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await model.close();
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new Error(`Port ${config.port} on ${config.host} is already in use: stop the other server or start with PORT=<another port>.`);
    }
    throw error;
  }

  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const modelLine = model.offlineModel
    ? `${model.model}, the offline model (in this process, ${model.baseUrl}); set OPENAI_API_KEY or OPENAI_BASE_URL for a real one`
    : `${model.model} via ${model.provider} (${model.baseUrl})`;
  console.log(`Chat page:  http://${config.host}:${port}/`);
  console.log(`Model:      ${modelLine}`);
  console.log(`Traces:     ${target.url} (OTLP ${target.protocol === "http/json" ? "JSON" : "protobuf"}), project "${config.projectName}"`);
  console.log(`Phoenix UI: ${config.phoenixUrl}`);
  console.log(`Terminal:   npm run chat   (Ctrl-C here stops the app)`);

  // Tell the learner now, rather than after the first batch fails, that Phoenix is not up.
  const phoenixUp = await fetch(`${config.phoenixUrl}/healthz`, { signal: AbortSignal.timeout(1500) }).then((r) => r.ok, () => false);
  if (!phoenixUp) {
    console.warn(`[tracing] Phoenix is not answering at ${config.phoenixUrl}. The app works without it (spans are dropped); start it with \`npm run phoenix\` in another terminal to see the traces.`);
    exporter.assumeUnreachable(); // one warning is enough
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: sending the last spans and stopping...`);
    await atMost(3000, app.close());
    // The batch processor still holds the latest spans: shutdown() exports them.
    await atMost(5000, provider.shutdown());
    await model.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(`The app could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
