// What tracing costs the finished app next to a real model: the same app traced and untraced,
// measured in turns (A, B, A, B ...) in one run, at several concurrencies and conversation
// lengths, with the offline model answering at a provider's pace (its `latency` option: the first
// token after some hundreds of milliseconds, chunks every few tens), or at once (latency 0,0: what
// tracing costs against a model that takes no time, the worst case).
// - Each arm is its own app process (`node --import tsx solutions/app/server/main.ts`, as
//   `npm run app` starts it). Untraced is OTEL_SDK_DISABLED=true, the app's standard switch:
//   no span processor, and every span is a non-recording one (as with OTEL_TRACES_SAMPLER=always_off,
//   which would also keep an idle batch processor and the start-up probe).
// - The offline model and a fake OTLP collector (fake-collector.ts) run in processes of their
//   own, so that only the app's work is counted as the app's.
// - While one arm is measured the other is paused (SIGSTOP): its background export cannot take
//   CPU from the arm being measured, and it happens in the traced arm's own trials instead.
// - Per trial: throughput (answers / s), CPU per request (the app's user + system time from
//   /proc/<pid>/stat, all threads, divided by the answers), the latencies, peak RSS (VmHWM,
//   reset before each trial). The latencies' median and p99 are taken over all of an arm's
//   trials in a setting: at a provider's pace a trial holds few answers. At the end of each setting the traced arm is resumed until the
//   collector has every span, and that export's CPU is counted in its last trial.
import path from "node:path";
import type { ConversationMessage } from "../../solutions/app/api.ts";
import { startServer, type Server } from "./child-process.ts";
import type { CollectorStats } from "./fake-collector.ts";
import { EXPORT_DELAY_MS } from "../../solutions/app/server/tracing.ts";
import type { ProviderLatency } from "../../shared/model/latency.ts";
import { ChatLoad } from "./load.ts";
import { cpuMs, peakRssBytes, resetPeakRss } from "./process-stats.ts";
import { median, medianAndRange, quantile } from "./statistics.ts";

export interface AppBenchOptions {
  root: string;
  concurrencies: number[];
  /** prior messages in the conversation each request carries (before the new question) */
  histories: number[];
  rounds: number;
  trialMs: number;
  warmupMs: number;
  /** added to both apps' environment, e.g. { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "128" } to try a setting */
  appEnv?: Record<string, string>;
  /** a directory: both apps write a CPU profile there when they stop (node --cpu-prof) */
  cpuProfileDir?: string;
  /**
   * "discard": the traced app records and batches its spans but its exporter drops them
   * (discard-export.ts): the floor of tracing's cost, with no encoding and no HTTP. Default "otlp".
   */
  exportMode?: "otlp" | "discard";
  /** the offline model's pace; { firstTokenMs: 0, chunkMs: 0 }: it answers at once */
  latency: ProviderLatency;
  log: (line: string) => void;
}

interface Trial {
  throughput: number;
  cpuPerRequestMs: number;
  p99Ms: number;
  latenciesMs: number[];
  peakRssMb: number;
  requests: number;
  cpuMs: number;
}

interface Arm {
  name: "traced" | "untraced";
  app: Server;
  load: ChatLoad;
  trials: Trial[];
}

export interface SettingResult {
  concurrency: number;
  history: number;
  traced: Trial[];
  untraced: Trial[];
  /** spans the collector received per traced answer in this setting */
  spansPerTurn: number;
}

/** `history` prior messages (user and assistant in turn, ending with an answer), then a question that makes the model call two tools. */
export function benchConversation(history: number): ConversationMessage[] {
  const messages: ConversationMessage[] = [];
  for (let i = history - 1; i >= 0; i--) {
    const n = history - i;
    messages.push(
      i % 2 === 1
        ? { role: "user", content: `Question ${n}: what should I pack for a weekend in Lisbon in spring, and which neighbourhood is nicest to stay in?` }
        : {
            role: "assistant",
            content:
              `Answer ${n}: pack light layers and a rain jacket; spring in Lisbon is mild but changeable. ` +
              "Alfama is charming and central, Príncipe Real is quieter, and Baixa is handy for trams and the river.",
          },
    );
  }
  messages.push({ role: "user", content: "What's the weather in Paris and in Tokyo?" });
  return messages;
}

export function appEnvironment(model: string, collector: string, traced: boolean, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // Nothing from the caller's own setup (a real provider, Phoenix, sampling) may leak in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(OTEL_|PHOENIX_|OPENAI_|APP_|MODEL_)/.test(name)));
  return {
    ...env,
    APP_HOST: "127.0.0.1",
    APP_PORT: "0",
    OPENAI_BASE_URL: model,
    OPENAI_MODEL: "workbook-offline",
    PHOENIX_COLLECTOR_ENDPOINT: collector,
    // What tracing costs, not what judging does: the evaluations (one more model call per answer,
    // after it is sent) would load the traced arm alone, the untraced one judging nothing.
    APP_EVALUATIONS: "off",
    // The same turns as the in-process arms (chatTurn without retrieval), and the figures measured
    // before the app searched the city guide: the search's two spans are lesson 12's, not the LLM's.
    APP_RETRIEVAL: "off",
    ...extra,
    ...(traced ? {} : { OTEL_SDK_DISABLED: "true" }),
  };
}

async function collectorStats(collector: Server): Promise<CollectorStats> {
  const response = await fetch(`${collector.url}/stats`);
  return (await response.json()) as CollectorStats;
}

/** Resumes the traced app until the collector has `expected` spans (or the time is up); the CPU it used. */
async function drain(app: Server, collector: Server, expected: number, timeoutMs: number): Promise<{ cpuMs: number; spans: number }> {
  const before = cpuMs(app.pid);
  app.resume();
  const started = performance.now();
  let spans = (await collectorStats(collector)).spans;
  while (spans < expected && performance.now() - started < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    spans = (await collectorStats(collector)).spans;
  }
  app.pause();
  return { cpuMs: cpuMs(app.pid) - before, spans };
}

async function trial(arm: Arm, body: string, concurrency: number, durationMs: number): Promise<Trial> {
  const { pid } = arm.app;
  arm.app.resume();
  resetPeakRss(pid);
  const cpuBefore = cpuMs(pid);
  const result = await arm.load.run(body, concurrency, durationMs);
  const peak = peakRssBytes(pid);
  arm.app.pause();
  const used = cpuMs(pid) - cpuBefore;
  return {
    throughput: (result.requests * 1000) / result.elapsedMs,
    cpuPerRequestMs: used / result.requests,
    p99Ms: quantile(result.latenciesMs, 0.99),
    latenciesMs: result.latenciesMs,
    peakRssMb: peak / 1048576,
    requests: result.requests,
    cpuMs: used,
  };
}

export async function benchApp(options: AppBenchOptions): Promise<SettingResult[]> {
  const { root, log } = options;
  const servers: Server[] = [];
  const stopAll = () => Promise.all(servers.map((server) => server.stop()));
  const onSignal = () => void stopAll().then(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const results: SettingResult[] = [];
  try {
    const listening = /listening on (http:\/\/\S+)/;
    const { firstTokenMs, chunkMs } = options.latency;
    const modelEnv = { ...process.env, BENCH_MODEL_LATENCY: `${firstTokenMs},${chunkMs}` };
    const model = await startServer("the offline model", { root, script: "scripts/bench/model-process.ts", env: modelEnv, urlPattern: listening });
    servers.push(model);
    const collector = await startServer("the fake collector", { root, script: "scripts/bench/fake-collector.ts", env: process.env, urlPattern: listening });
    servers.push(collector);
    // One folder per arm; the main thread's profile is the largest file (tsx's loader thread writes one too).
    const discarding = options.exportMode === "discard";
    const profile = (name: string) => (options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${path.join(options.cpuProfileDir, name)}`] : []);
    const app = (traced: boolean) =>
      startServer(`the ${traced ? "traced" : "untraced"} app`, {
        root,
        script: "solutions/app/server/main.ts",
        env: appEnvironment(model.url, collector.url, traced, options.appEnv),
        urlPattern: /Chat page:\s+(http:\/\/\S+)/,
        nodeOptions: profile(traced ? "traced" : "untraced"),
        imports: traced && discarding ? ["./scripts/bench/discard-export.ts"] : [],
      });
    const tracedApp = await app(true);
    servers.push(tracedApp);
    const untracedApp = await app(false);
    servers.push(untracedApp);
    untracedApp.pause();
    tracedApp.pause();

    // The batch processor's delay before it sends a batch that is not full (OTEL_BSP_SCHEDULE_DELAY).
    const drainTimeoutMs = 10_000;
    let expectedSpans = (await collectorStats(collector)).spans;
    let spansPerTurn = 0;
    for (const history of options.histories) {
      const body = JSON.stringify({ messages: benchConversation(history) });
      for (const concurrency of options.concurrencies) {
        const arms: Arm[] = [
          { name: "traced", app: tracedApp, load: new ChatLoad(tracedApp.url, concurrency), trials: [] },
          { name: "untraced", app: untracedApp, load: new ChatLoad(untracedApp.url, concurrency), trials: [] },
        ];
        const [traced, untraced] = arms as [Arm, Arm];
        const spansBefore = (await collectorStats(collector)).spans;
        // Warm-up (not counted): the JIT, the connections, the heap for this size.
        const warmup = await trial(traced, body, concurrency, options.warmupMs);
        await trial(untraced, body, concurrency, options.warmupMs);
        let tracedRequests = warmup.requests;
        if (spansPerTurn === 0 && !discarding) {
          // The first setting tells how many spans a turn makes: send what the warm-up made.
          const { spans } = await drain(tracedApp, collector, Number.POSITIVE_INFINITY, 5_000 + 1_500);
          spansPerTurn = (spans - spansBefore) / warmup.requests;
          expectedSpans = spans;
          tracedRequests = 0;
        }
        for (let round = 0; round < options.rounds; round++) {
          for (const arm of arms) {
            const result = await trial(arm, body, concurrency, options.trialMs);
            arm.trials.push(result);
            if (arm === traced) tracedRequests += result.requests;
          }
        }
        // Send the spans still held, and count that work in the traced arm's last trial (discarded:
        // nothing arrives; a short run lets the last batches be handed over and dropped).
        expectedSpans += tracedRequests * spansPerTurn;
        const drained = discarding ? await drain(tracedApp, collector, Number.POSITIVE_INFINITY, EXPORT_DELAY_MS + 500) : await drain(tracedApp, collector, expectedSpans, drainTimeoutMs);
        const last = traced.trials.at(-1)!;
        last.cpuMs += drained.cpuMs;
        last.cpuPerRequestMs = last.cpuMs / last.requests;
        if (discarding && drained.spans > expectedSpans) {
          log(`  ! the collector received ${drained.spans - expectedSpans} spans although the traced app discards them: the probe did not apply`);
        } else if (drained.spans < expectedSpans) {
          log(`  ! the collector has ${expectedSpans - drained.spans} spans fewer than ${spansPerTurn} per traced answer: dropped? (the app's stderr below)`);
        }
        expectedSpans = drained.spans;
        for (const arm of arms) arm.load.close();
        results.push({ concurrency, history, traced: traced.trials, untraced: untraced.trials, spansPerTurn });
        log(settingLine(results.at(-1)!));
      }
    }
    const complaints = [tracedApp, untracedApp].map((app) => app.stderr().trim()).filter(Boolean);
    if (complaints.length) log(`\nThe apps wrote to stderr:\n${complaints.join("\n")}`);
    const { spans, requests } = await collectorStats(collector);
    log(
      discarding
        ? `\nThe traced app discarded its spans in its exporter (BENCH_APP_EXPORT=discard); the collector received ${spans}.`
        : `\nThe collector received ${spans} spans in ${requests} exports (${spansPerTurn} spans per traced answer).`,
    );
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await stopAll();
  }
  return results;
}

const fixed = (digits: number) => (value: number) => value.toFixed(digits);

/** One setting's medians (min-max) per arm, as the run goes. */
function settingLine({ concurrency, history, traced, untraced }: SettingResult): string {
  const arm = (trials: Trial[]) => {
    const latencies = trials.flatMap((t) => t.latenciesMs);
    return [
      `${medianAndRange(trials.map((t) => t.throughput), fixed(1))} answers/s`,
      `CPU ${medianAndRange(trials.map((t) => t.cpuPerRequestMs), fixed(2))} ms/answer`,
      `latency median ${fixed(0)(median(latencies))} ms, p99 ${fixed(0)(quantile(latencies, 0.99))} ms of ${latencies.length}`,
      `RSS ${medianAndRange(trials.map((t) => t.peakRssMb), fixed(0))} MB`,
    ].join(", ");
  };
  return `concurrency ${concurrency}, ${history} prior messages:\n    traced   ${arm(traced)}\n    untraced ${arm(untraced)}`;
}

/** The ratio of the medians, and the range of the rounds' own ratios (traced / untraced of the same round). */
function ratio(traced: number[], untraced: number[]): { value: number; low: number; high: number } {
  const paired = traced.map((value, index) => value / untraced[index]!);
  return { value: median(traced) / median(untraced), low: Math.min(...paired), high: Math.max(...paired) };
}

/** The README's table, traced against untraced: what a user deploying the app sees. */
export function ratioTable(results: SettingResult[]): string {
  const lines = [
    "| concurrency | prior messages | answers / s, traced and untraced | traced / untraced (rounds' range) | latency median, traced and untraced | p99, traced and untraced (answers per arm) | CPU per answer, traced and untraced | peak RSS, traced / untraced |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const { concurrency, history, traced, untraced } of results) {
    const throughput = ratio(traced.map((t) => t.throughput), untraced.map((t) => t.throughput));
    const rss = ratio(traced.map((t) => t.peakRssMb), untraced.map((t) => t.peakRssMb));
    const all = (trials: Trial[]) => trials.flatMap((t) => t.latenciesMs);
    const both = (pick: (trials: Trial[]) => number, format: (value: number) => string) => `${format(pick(traced))}, ${format(pick(untraced))}`;
    const msWhole = (value: number) => `${Math.round(value)} ms`;
    lines.push(
      `| ${concurrency} | ${history} | ${both((trials) => median(trials.map((t) => t.throughput)), fixed(1))} | ` +
        `${throughput.value.toFixed(2)} (${throughput.low.toFixed(2)}-${throughput.high.toFixed(2)}) | ` +
        `${both((trials) => median(all(trials)), msWhole)} | ${both((trials) => quantile(all(trials), 0.99), msWhole)} (${all(traced).length}, ${all(untraced).length}) | ` +
        `${both((trials) => median(trials.map((t) => t.cpuPerRequestMs)), (value) => `${value.toFixed(2)} ms`)} | ${rss.value.toFixed(2)} |`,
    );
  }
  return lines.join("\n");
}
