// `npm run app`: the model (offline unless a provider is configured), tracing, the backend and
// its chat page. Prints where to chat and where the traces go; flushes the spans on Ctrl-C.
import { connectModel } from "../../../shared/chatbot/connect-model.ts";
import { redactUrlCredentials } from "../../../shared/phoenix/url-credentials.ts";
import { phoenixAuthAdvice } from "../../../shared/phoenix/headers.ts";
import { probeOtlpEndpoint } from "../../../shared/phoenix/probe.ts";
import { TurnCancelledError } from "./cancellation.ts";
import { createOtlpExporter } from "../telemetry/otlp-exporter.ts";
import { exposedHostWarning, readConfig } from "./config.ts";
import { createEvaluations } from "./evaluations.ts";
import { MIN_SCORE, TOP_K } from "./retrieval.ts";
import { buildServer } from "./server.ts";
import { setupTracing } from "./tracing.ts";
import { WarnOnceExporter } from "./warn-once-exporter.ts";

/** How long answers in progress may take to finish once the app is asked to stop. */
const IN_FLIGHT_BUDGET_MS = 3000;
/** How long the last spans may take to reach the collector: short when it is already failing. */
const FLUSH_BUDGET_MS = 5000;
const FLUSH_BUDGET_WHILE_FAILING_MS = 1000;
/** How long judgings under way (lesson 10's evaluations) may take once the answers are done: their spans go in the last batch. */
const JUDGING_BUDGET_MS = 3000;
/**
 * After the signal, before the server closes its connections: requests that arrive meanwhile
 * (on idle keep-alive connections too) get a 503 with `connection: close`, not a reset.
 * APP_DRAIN_MS; skipped when no connection is open.
 */
const DRAIN_MS = Number(process.env.APP_DRAIN_MS) >= 0 && process.env.APP_DRAIN_MS !== "" && process.env.APP_DRAIN_MS !== undefined ? Number(process.env.APP_DRAIN_MS) : 500;

/** Waits for `work`, but never longer than `ms`: a dead Phoenix must not hold the app up. true when it finished in time. */
function atMost(ms: number, work: Promise<unknown>): Promise<boolean> {
  return Promise.race([
    work.then(() => true, () => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref()),
  ]);
}

async function main(): Promise<void> {
  const config = readConfig();
  const { otlp: target, tracingOff } = config;
  const warn = (message: string) => console.warn(`[tracing] ${redactUrlCredentials(message)}`);
  const exporter = new WarnOnceExporter(createOtlpExporter(target), target.url, warn, target.sendsToPhoenix, target.headers);
  const provider = setupTracing({ projectName: config.projectName, exporter, warn, tracingOff });
  const flushSpans = () => atMost(2000, provider.forceFlush()).then(() => undefined);
  // Aborted when the app stops with answers still running: they end at once, spans included.
  const stopping = new AbortController();
  // Aborted at the first signal: new requests get a 503 from then on.
  const draining = new AbortController();

  // The offline model's POST /_offline/faults lets any local process make the app's answers
  // fail: off unless APP_OFFLINE_FAULTS=1 (in-process markers and injectFaults() still work).
  const model = await connectModel({ timeoutMs: config.modelTimeoutMs, faultRoute: config.offlineFaultRoute });
  // The exporter knows which answers' spans did not get through: their trace links say so.
  // Each answer judged once sent (lesson 10), by the app's own model; never when tracing is off
  // (an answer then names no span to annotate).
  const phoenix = { url: config.phoenixUrl, apiKey: config.phoenixApiKey, headers: config.phoenixHeaders };
  const evaluations =
    config.evaluations && !tracingOff
      ? createEvaluations({
          judge: model.languageModel(),
          phoenix,
          maxConcurrent: config.maxConcurrentJudgings,
          timeoutMs: config.modelTimeoutMs,
          warn: (message) => console.warn(`[evaluations] ${redactUrlCredentials(message)}`),
        })
      : undefined;
  const app = await buildServer({ config, model, flushSpans, spanDelivery: exporter, stopping: stopping.signal, draining: draining.signal, evaluations });
  let openConnections = 0;
  app.server.on("connection", (socket) => {
    openConnections += 1;
    socket.once("close", () => (openConnections -= 1));
  });
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
    ? `${model.model}, the offline model (in this process, ${model.baseUrl}${config.offlineFaultRoute ? ", POST /_offline/faults on" : ""}); set OPENAI_API_KEY or OPENAI_BASE_URL for a real one`
    : `${model.model} via ${model.provider} (${model.baseUrl})`;
  // Every URL printed without the user:password@ it may hold.
  console.log(`Chat page:  http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}/`);
  console.log(redactUrlCredentials(`Model:      ${modelLine}`));
  console.log(
    tracingOff
      ? `Traces:     off (${tracingOff}): nothing is recorded or sent, answers carry no trace id`
      : redactUrlCredentials(`Traces:     ${target.url} (OTLP ${target.protocol === "http/json" ? "JSON" : "protobuf"}), project "${config.projectName}"`),
  );
  console.log(redactUrlCredentials(`Phoenix UI: ${config.phoenixUrl}`));
  console.log(
    evaluations
      ? `Evaluations: each answer judged once sent (names_every_city by code, answers_the_question by ${model.model}), at most ${config.maxConcurrentJudgings} at once; APP_EVALUATIONS=off turns them off`
      : `Evaluations: off (${tracingOff ? "tracing is off" : "APP_EVALUATIONS=off"})`,
  );
  console.log(
    config.retrieval
      ? `Retrieval:  each question searches the city guide first (${model.embeddingModel}, the best ${TOP_K} documents above ${MIN_SCORE}); APP_RETRIEVAL=off turns it off`
      : `Retrieval:  off (APP_RETRIEVAL=off)`,
  );
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
    // 1. Stop taking requests: for DRAIN_MS, any new one is answered 503 (connection: close),
    //    then the server closes; let the answers in progress finish, for a moment, then cancel
    //    them. Either way every turn's spans have ended before the provider sends the last batch.
    draining.abort();
    if (openConnections > 0 && DRAIN_MS > 0) await new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref());
    const closed = app.close();
    if (!(await atMost(IN_FLIGHT_BUDGET_MS, closed))) {
      stopping.abort(new TurnCancelledError("The app is stopping: this answer was cancelled. Ask again once it has restarted."));
      await atMost(1000, closed);
    }
    // 2. Judgings under way (started once their answers were sent) finish, for a moment: their
    //    EVALUATOR spans then go in the last batch. Past the budget they are left unfinished.
    if (evaluations) await atMost(JUDGING_BUDGET_MS, evaluations.settled());
    // 3. The batch processor still holds the latest spans: shutdown() exports them. A collector
    //    that is already failing gets a short wait: it is not likely to take them now.
    await atMost(exporter.isFailing ? FLUSH_BUDGET_WHILE_FAILING_MS : FLUSH_BUDGET_MS, provider.shutdown());
    await model.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  // Tell the learner now, rather than after the first batch fails, that the spans will not get
  // through: an empty export to the traces URL, with the exporter's headers, answers for any
  // collector (Phoenix or not) and tells a missing key apart from a server that is down.
  if (!tracingOff) {
    const probe = await probeOtlpEndpoint(target.url, { protocol: target.protocol, headers: target.headers });
    if (!probe.ok) {
      const where = target.sendsToPhoenix ? `Phoenix is not answering at ${config.phoenixUrl}` : `The collector at ${target.url} is not answering`;
      if (probe.reason === "unreachable") {
        warn(
          target.sendsToPhoenix
            ? `${where}. The app works without it (spans are dropped); start it with \`npm run phoenix\` in another terminal to see the traces.`
            : `${where} (${probe.message}). The app works without it (spans are dropped); start it or fix OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT.`,
        );
      } else if ((probe.status === 401 || probe.status === 403) && target.sendsToPhoenix) {
        // "set PHOENIX_API_KEY" when no key was sent; "the key sent was not accepted" when one was.
        warn(`Phoenix at ${target.url} refuses the spans. ${phoenixAuthAdvice(probe.status, target.headers)} The app works meanwhile; spans are dropped.`);
      } else if (probe.status === 401 || probe.status === 403) {
        warn(
          `The collector at ${target.url} refuses the spans (HTTP ${probe.status}): set PHOENIX_API_KEY ` +
            "(or PHOENIX_CLIENT_HEADERS / OTEL_EXPORTER_OTLP_HEADERS). The app works meanwhile; spans are dropped.",
        );
      } else {
        warn(`${target.url} does not take OTLP spans (HTTP ${probe.status}): check the endpoint${probe.status === 415 ? " and OTEL_EXPORTER_OTLP_PROTOCOL" : ""}. Spans are dropped meanwhile.`);
      }
      exporter.assumeUnreachable(); // one warning is enough
    }
  }
}

main().catch((error: unknown) => {
  console.error(redactUrlCredentials(`The app could not start: ${error instanceof Error ? error.message : String(error)}`));
  process.exit(1);
});
