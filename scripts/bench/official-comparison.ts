// Does instrumenting by hand cost more than the official auto-instrumentation? The app's chat
// turn against the same turn with each model call made through the `openai` SDK patched by
// @arizeai/openinference-instrumentation-openai (turn-runner.ts says how each arm is built), in
// one run, interleaved:
// - five processes, one per arm and tracing state: app traced, app untraced, official traced,
//   official untraced (OTEL_SDK_DISABLED=true: the same code with tracing off), and the official
//   arm's `openai` SDK not instrumented at all (tracing off too: what the instrumentation costs
//   with tracing off); the offline model and the fake collector in processes of their own;
// - per setting (prior messages x plain/streamed x with/without a session), a warm-up trial per
//   process, then rounds of five trials, one per process, the order reversed every other round;
//   a trial is turns one after another for trialMs, then a flush of the spans they left queued,
//   its CPU read by the process itself (process.cpuUsage: every thread);
// - an arm's overhead is, per round, its traced CPU per turn minus its untraced CPU per turn; the
//   table gives the median of the rounds and their range, and app / official;
// - a probe turn per arm and setting counts the attributes of each LLM span and the spans per
//   turn; the collector's bytes around each traced trial give the bytes per turn.
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { CollectorStats } from "./fake-collector.ts";
import { startServer, type Server } from "./child-process.ts";
import { median, overheadRatio, pairedOverhead, spread, type Spread } from "./statistics.ts";
import type { TurnSetting } from "./turn-arms.ts";
import type { ArmName, RunnerReply, RunnerRequest } from "./turn-runner.ts";

export interface OfficialComparisonOptions {
  root: string;
  histories: number[];
  rounds: number;
  trialMs: number;
  warmupMs: number;
  log: (line: string) => void;
}

interface ArmTrials {
  /** CPU ms per turn, one per round */
  traced: number[];
  untraced: number[];
  /** protobuf bytes the collector received per traced turn, one per round */
  bytesPerTurn: number[];
  turns: number;
  /** attributes on each LLM span of the probe turn */
  llmAttributes: number[];
  spansPerTurn: number;
}

export interface ComparisonResult extends TurnSetting {
  app: ArmTrials;
  official: ArmTrials;
  /** CPU ms per turn of the official arm's turn with the `openai` SDK not instrumented, one per round */
  bareSdk: number[];
}

/** Every combination, in the order the table lists them. */
export function comparisonSettings(histories: number[]): TurnSetting[] {
  return histories.flatMap((history) => [false, true].flatMap((streamed) => [false, true].map((session) => ({ history, streamed, session }))));
}

class Runner {
  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly stderr: () => string,
  ) {}

  static async start(root: string, arm: ArmName, traced: boolean, model: string, collector: string): Promise<Runner> {
    // Nothing from the caller's own setup (a provider, Phoenix, sampling, batch sizes) may leak in.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(OTEL_|PHOENIX_|OPENAI_|APP_|MODEL_)/.test(name)));
    const child = fork(path.join(root, "scripts/bench/turn-runner.ts"), [], {
      cwd: root,
      execArgv: ["--import", "tsx"],
      env: { ...env, BENCH_ARM: arm, OPENAI_BASE_URL: model, BENCH_COLLECTOR_URL: collector, ...(traced ? {} : { OTEL_SDK_DISABLED: "true" }) },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const runner = new Runner(`${arm} ${traced ? "traced" : "untraced"}`, child, () => stderr);
    const first = await runner.reply();
    if (first.type !== "ready") throw new Error(`${runner.name}: expected ready, got ${JSON.stringify(first)}`);
    return runner;
  }

  private reply(): Promise<RunnerReply> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`${this.name} stopped (exit code ${code}):\n${this.stderr()}`));
      this.child.once("exit", onExit);
      this.child.once("message", (message: RunnerReply) => {
        this.child.off("exit", onExit);
        if (message.type === "error") reject(new Error(`${this.name}: ${message.message}`));
        else resolve(message);
      });
    });
  }

  async ask<T extends RunnerReply["type"]>(request: RunnerRequest & { type: T }): Promise<Extract<RunnerReply, { type: T }>> {
    const reply = this.reply();
    this.child.send(request);
    return (await reply) as Extract<RunnerReply, { type: T }>;
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.disconnect(); // it flushes and exits
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    return exited.finally(() => clearTimeout(timer));
  }
}

async function collectorStats(collector: Server): Promise<CollectorStats> {
  return (await (await fetch(`${collector.url}/stats`)).json()) as CollectorStats;
}

const settingName = ({ history, streamed, session }: TurnSetting) => `${history} prior messages, ${streamed ? "streamed" : "plain"}, ${session ? "with" : "no"} session`;

export async function compareWithOfficial({ root, histories, rounds, trialMs, warmupMs, log }: OfficialComparisonOptions): Promise<ComparisonResult[]> {
  const servers: Server[] = [];
  const runners: Runner[] = [];
  const stopAll = () => Promise.all([...runners.map((runner) => runner.stop()), ...servers.map((server) => server.stop())]);
  const onSignal = () => void stopAll().then(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const results: ComparisonResult[] = [];
  try {
    const listening = /listening on (http:\/\/\S+)/;
    const model = await startServer("the offline model", { root, script: "scripts/bench/model-process.ts", env: { ...process.env, BENCH_MODEL_LATENCY: "0,0" }, urlPattern: listening });
    servers.push(model);
    const collector = await startServer("the fake collector", { root, script: "scripts/bench/fake-collector.ts", env: process.env, urlPattern: listening });
    servers.push(collector);
    const start = (arm: ArmName, traced: boolean) => Runner.start(root, arm, traced, model.url, collector.url).then((runner) => (runners.push(runner), runner));
    const arms = {
      app: { traced: await start("app", true), untraced: await start("app", false) },
      official: { traced: await start("official", true), untraced: await start("official", false) },
      sdk: await start("sdk", false),
    };
    const order = [arms.app.traced, arms.app.untraced, arms.official.traced, arms.official.untraced, arms.sdk];

    for (const setting of comparisonSettings(histories)) {
      const trials = { app: emptyTrials(), official: emptyTrials() };
      const bareSdk: number[] = [];
      // The probe: what each arm's spans hold, and that both answer the same.
      const replies: string[] = [];
      for (const name of ["app", "official"] as const) {
        const probe = await arms[name].traced.ask({ type: "probe", ...setting });
        trials[name].llmAttributes = probe.llmAttributes;
        trials[name].spansPerTurn = probe.spans;
        replies.push(probe.reply);
      }
      if (replies[0] !== replies[1]) log(`  ! the arms answered differently: "${replies[0]}" and "${replies[1]}"`);
      for (const runner of order) await runner.ask({ type: "trial", durationMs: warmupMs, ...setting });
      for (let round = 0; round < rounds; round++) {
        for (const runner of round % 2 === 0 ? order : [...order].reverse()) {
          const before = await collectorStats(collector);
          const { turns, cpuMs } = await runner.ask({ type: "trial", durationMs: trialMs, ...setting });
          const after = await collectorStats(collector);
          if (runner === arms.sdk) {
            bareSdk.push(cpuMs / turns);
            continue;
          }
          const arm = runner === arms.app.traced || runner === arms.app.untraced ? trials.app : trials.official;
          const traced = runner === arms.app.traced || runner === arms.official.traced;
          (traced ? arm.traced : arm.untraced).push(cpuMs / turns);
          if (traced) {
            arm.bytesPerTurn.push((after.bytes - before.bytes) / turns);
            arm.turns += turns;
            const expected = turns * arm.spansPerTurn;
            if (after.spans - before.spans < expected) log(`  ! ${runner.name}: the collector got ${after.spans - before.spans} spans of ${expected}`);
          } else if (after.spans !== before.spans) {
            // An untraced baseline that traces makes every overhead figure meaningless: stop.
            throw new Error(`${runner.name} sent ${after.spans - before.spans} spans although tracing is off (OTEL_SDK_DISABLED=true): its baseline is not untraced`);
          }
        }
      }
      const result = { ...setting, ...trials, bareSdk };
      results.push(result);
      log(settingLine(result));
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await stopAll();
  }
  return results;
}

function emptyTrials(): ArmTrials {
  return { traced: [], untraced: [], bytesPerTurn: [], turns: 0, llmAttributes: [], spansPerTurn: 0 };
}

const ms = (value: number) => value.toFixed(2);
const showSpread = ({ median, low, high }: Spread, format: (value: number) => string) => `${format(median)} (${format(low)} to ${format(high)})`;
const attributes = (counts: number[]) => (counts.length ? counts.join(" + ") : "none");

function settingLine(result: ComparisonResult): string {
  const arm = (name: "app" | "official") => {
    const trials = result[name];
    return (
      `    ${name.padEnd(8)} traced ${showSpread(spread(trials.traced), ms)} ms/turn, untraced ${showSpread(spread(trials.untraced), ms)}, ` +
      `overhead ${showSpread(pairedOverhead(trials.traced, trials.untraced), ms)}; ${trials.spansPerTurn} spans, LLM spans' attributes ${attributes(trials.llmAttributes)}`
    );
  };
  const off = pairedOverhead(result.official.untraced, result.bareSdk);
  return `${settingName(result)}:\n${arm("app")}\n${arm("official")}\n    official with tracing off, over the bare openai SDK (${showSpread(spread(result.bareSdk), ms)} ms/turn): ${showSpread(off, ms)} ms/turn`;
}

/**
 * The README's table: one line per setting. First what tracing adds over the same turn with no
 * LLM instrumentation (the app with tracing off builds nothing for its LLM spans; the official
 * arm's baseline is the bare `openai` SDK), then the official arm against its own code with
 * tracing off, which still builds the LLM spans' attributes (and tees a stream) for spans that
 * keep nothing.
 */
export function comparisonTable(results: ComparisonResult[]): string {
  const lines = [
    "| prior messages | call | session | app: traced minus untraced | official: traced minus the bare SDK | app / official | official: traced minus its own untraced | app / that | attributes per LLM span (app, official) | KiB per turn (app, official) |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  const ratio = (value: Spread) => `${showSpread(value, (x) => x.toFixed(2))}${value.median <= 1 ? "" : " over"}`;
  for (const result of results) {
    const { app, official, bareSdk } = result;
    const againstBare = { traced: official.traced, untraced: bareSdk };
    const kib = (trials: ArmTrials) => (median(trials.bytesPerTurn) / 1024).toFixed(1);
    const mean = (counts: number[]) => (counts.length ? Math.round(counts.reduce((a, b) => a + b, 0) / counts.length) : 0);
    lines.push(
      `| ${result.history} | ${result.streamed ? "streamed" : "plain"} | ${result.session ? "yes" : "no"} | ` +
        `${showSpread(pairedOverhead(app.traced, app.untraced), ms)} ms | ${showSpread(pairedOverhead(official.traced, bareSdk), ms)} ms | ${ratio(overheadRatio(app, againstBare))} | ` +
        `${showSpread(pairedOverhead(official.traced, official.untraced), ms)} ms | ${ratio(overheadRatio(app, official))} | ` +
        `${mean(app.llmAttributes)}, ${mean(official.llmAttributes)} | ${kib(app)}, ${kib(official)} |`,
    );
  }
  return lines.join("\n");
}
