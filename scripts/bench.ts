// `npm run bench`: the project's speed figures, for the README (not a test: nothing here fails
// on a slow machine).
//   the workbook CLI (scripts/bench/cli-feedback.ts): save to verdict in watch mode against plain
//     vitest --watch at three lessons, and start-up (BENCH_SAVES, BENCH_STARTS, BENCH_LESSONS, BENCH_FROM);
//   the app against the official instrumentation (scripts/bench/official-comparison.ts): tracing's
//     CPU per turn, the app's own spans against the `openai` SDK patched by
//     @arizeai/openinference-instrumentation-openai, on the same turns (BENCH_OFFICIAL_ROUNDS,
//     default 11; BENCH_OFFICIAL_TRIAL_MS, default 1000; BENCH_OFFICIAL_WARMUP_MS, default 300;
//     the conversations' lengths from BENCH_APP_HISTORY);
//   the app next to a real model (scripts/bench/app-overhead.ts): traced against untraced, with the
//     offline model at a provider's pace (BENCH_APP_LATENCY, default 400,30: the first token after
//     400 ms, chunks 30 ms apart; 0,0 answers at once);
//   where tracing's cost goes (scripts/bench/span-costs.ts): recording and encoding a turn's spans;
//   the production start (scripts/bench/production-start.ts): `npm run app` (tsx) against the
//     compiled build, start-up and memory (BENCH_START_ROUNDS, default 5).
// `npm run bench -- --official` runs only the comparison, `-- --app` only the app, `-- --spans` only
// where the cost goes, `-- --cli` only the CLI part, `-- --start` only the production start (they
// combine: `-- --official --app`).
// App counts: BENCH_APP_CONCURRENCY (default 1,8,32), BENCH_APP_HISTORY (prior messages,
// default 1,10,100; 1,100 for the app part), BENCH_APP_ROUNDS (trials per arm, default 5),
// BENCH_APP_TRIAL_MS (default 5000), BENCH_APP_WARMUP_MS (default 2000); BENCH_APP_ENV="NAME=value,NAME=value": more
// environment for both apps (to try a setting, e.g. OTEL_BSP_MAX_EXPORT_BATCH_SIZE=128);
// BENCH_APP_CPU_PROF=<dir>: both apps write a CPU profile there (node --cpu-prof);
// BENCH_APP_EXPORT=discard: the traced app's exporter drops the batches (bench/discard-export.ts),
// which measures the floor: what recording the spans costs with no encoding and no HTTP.
import { execFileSync } from "node:child_process";
import { availableParallelism, cpus } from "node:os";
import { projectRoot } from "../shared/lessons/catalog.ts";
import { benchApp, ratioTable } from "./bench/app-overhead.ts";
import { compareWithOfficial, comparisonSettings, comparisonTable } from "./bench/official-comparison.ts";
import { benchCli } from "./bench/cli-feedback.ts";
import { benchProductionStart } from "./bench/production-start.ts";
import { benchSpanCosts } from "./bench/span-costs.ts";
import { loadAverage } from "./bench/process-stats.ts";
import { parseLatency, type ProviderLatency } from "../shared/model/latency.ts";

const args = process.argv.slice(2);
const parts = ["--official", "--app", "--spans", "--cli", "--start"];
const unknown = args.filter((arg) => !parts.includes(arg));
if (unknown.length > 0) {
  console.error(
    `Unknown option ${unknown.join(" ")}: use --official (the app's tracing against the official instrumentation), --app (the app traced and untraced next to a real model's latency), --spans (where tracing's cost goes), --cli (the workbook CLI), --start (the app's production start), any of them together, or nothing (all).`,
  );
  process.exit(2);
}
const chosen = (part: string) => args.length === 0 || args.includes(part);
const runCli = chosen("--cli");
const runOfficial = chosen("--official");
const runApp = chosen("--app");
const runSpans = chosen("--spans");
const runStart = chosen("--start");

function numbers(name: string, fallback: number[]): number[] {
  const text = process.env[name];
  if (!text) return fallback;
  const values = text.split(",").map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value <= 0)) {
    console.error(`${name} must be whole numbers above 0 separated by commas (e.g. 1,8,32), not "${text}".`);
    process.exit(2);
  }
  return values;
}

/** How this run was started, with the variables that change it: what the README quotes. */
function command(): string {
  const variables = Object.entries(process.env)
    .filter(([name]) => name.startsWith("BENCH_"))
    .map(([name, value]) => `${name}=${value} `)
    .join("");
  const viaNpm = process.env.npm_lifecycle_event === "bench";
  return `${variables}${viaNpm ? "npm run bench" : "npx tsx scripts/bench.ts"}${args.length ? `${viaNpm ? " --" : ""} ${args.join(" ")}` : ""}`;
}

function appEnv(): Record<string, string> {
  const text = process.env.BENCH_APP_ENV ?? "";
  const pairs = text.split(",").map((pair) => pair.trim()).filter(Boolean);
  const bad = pairs.find((pair) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(pair));
  if (bad) {
    console.error(`BENCH_APP_ENV must be NAME=value pairs separated by commas, not "${bad}".`);
    process.exit(2);
  }
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]));
}

const uptime = () => execFileSync("uptime", { encoding: "utf8" }).trim();

if (runCli) {
  console.log(`command: ${command()}`);
  await benchCli();
}

if (runOfficial) {
  const histories = numbers("BENCH_APP_HISTORY", [1, 10, 100]);
  // 11 rounds: with 5, a setting's median could land either side of 1 from one run to the next
  // (three settings read 1.03-1.38 on 2026-12-07 14:28 and 0.55-0.94 with 11 rounds the same day).
  const rounds = numbers("BENCH_OFFICIAL_ROUNDS", [11])[0]!;
  const trialMs = numbers("BENCH_OFFICIAL_TRIAL_MS", [1000])[0]!;
  const warmupMs = numbers("BENCH_OFFICIAL_WARMUP_MS", [300])[0]!;
  const settings = comparisonSettings(histories).length;
  const started = performance.now();
  console.log(`${runCli ? "\n" : ""}tracing's CPU per turn, the app's instrumentation against the official one (@arizeai/openinference-instrumentation-openai on the openai SDK), in turns, ${rounds} rounds of ${trialMs} ms trials`);
  console.log(`command: ${command()}`);
  console.log(`date: ${new Date().toISOString()}; ${process.version}; ${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown CPU"})`);
  console.log(`load at start: ${loadAverage()} (${uptime()})`);
  console.log(`${settings} settings; about ${Math.ceil((settings * (5 * rounds * (trialMs + 60) + 5 * warmupMs + 500) + 10_000) / 1000)} s\n`);
  const results = await compareWithOfficial({ root: projectRoot, histories, rounds, trialMs, warmupMs, log: console.log });
  console.log(`\nload at end: ${loadAverage()} (${uptime()}); took ${Math.round((performance.now() - started) / 1000)} s`);
  console.log(
    "\ntracing's CPU per turn, median of the rounds (range): traced minus untraced (OTEL_SDK_DISABLED=true) for the app; for the official arm, traced minus the bare SDK (the same turn, the openai SDK not instrumented), " +
      "then traced minus its own code with tracing off; app / official: ratio of the medians (range of the rounds' own ratios); \"over\": the app's is higher\n",
  );
  console.log(comparisonTable(results));
}

if (runApp) {
  const concurrencies = numbers("BENCH_APP_CONCURRENCY", [1, 8, 32]);
  const histories = numbers("BENCH_APP_HISTORY", [1, 100]);
  const rounds = numbers("BENCH_APP_ROUNDS", [5])[0]!;
  const trialMs = numbers("BENCH_APP_TRIAL_MS", [5000])[0]!;
  const warmupMs = numbers("BENCH_APP_WARMUP_MS", [2000])[0]!;
  let latency: ProviderLatency;
  try {
    latency = parseLatency(process.env.BENCH_APP_LATENCY || "400,30");
  } catch (error) {
    console.error(`BENCH_APP_LATENCY: ${(error as Error).message}`);
    process.exit(2);
  }
  const exportMode = process.env.BENCH_APP_EXPORT || "otlp";
  if (exportMode !== "otlp" && exportMode !== "discard") {
    console.error(`BENCH_APP_EXPORT must be otlp (the default: spans go to the fake collector) or discard (the exporter drops them), not "${exportMode}".`);
    process.exit(2);
  }
  const settings = concurrencies.length * histories.length;
  const started = performance.now();
  const pace = latency.firstTokenMs > 0 || latency.chunkMs > 0 ? `the first token after ${latency.firstTokenMs} ms, chunks ${latency.chunkMs} ms apart` : "at once";
  console.log(`${runCli || runOfficial ? "\n" : ""}the app traced and untraced (OTEL_SDK_DISABLED=true), the offline model answering ${pace}, in turns, ${rounds} trials of ${trialMs} ms per arm and setting`);
  if (exportMode === "discard") console.log("BENCH_APP_EXPORT=discard: the traced app records and batches its spans, and its exporter drops them (no encoding, no HTTP)");
  console.log(`command: ${command()}`);
  console.log(`date: ${new Date().toISOString()}; ${process.version}; ${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown CPU"})`);
  console.log(`load at start: ${loadAverage()} (${uptime()})`);
  console.log(`${settings} settings; about ${Math.ceil((settings * (2 * rounds * trialMs + 2 * warmupMs + 2500) + 15_000) / 1000)} s\n`);
  const results = await benchApp({ root: projectRoot, concurrencies, histories, rounds, trialMs, warmupMs, appEnv: appEnv(), cpuProfileDir: process.env.BENCH_APP_CPU_PROF || undefined, exportMode, latency, log: console.log });
  console.log(`\nload at end: ${loadAverage()} (${uptime()}); took ${Math.round((performance.now() - started) / 1000)} s`);
  console.log("\nthroughput: medians of the trials, traced / untraced their ratio (range of the rounds' own ratios); latencies: over all of an arm's answers in the setting\n");
  console.log(ratioTable(results));
}

if (runSpans) {
  const histories = numbers("BENCH_APP_HISTORY", [1, 10, 100]);
  const rounds = numbers("BENCH_APP_ROUNDS", [5])[0]!;
  console.log(`\nwhere tracing's CPU goes, per chat turn (the app's own spans, in this process), median (range) of ${rounds} rounds`);
  console.log(`command: ${command()}`);
  console.log(`load at start: ${loadAverage()} (${uptime()})\n`);
  await benchSpanCosts({ histories, rounds, log: console.log });
  console.log(`\nload at end: ${loadAverage()}`);
}

if (runStart) {
  const rounds = numbers("BENCH_START_ROUNDS", [5])[0]!;
  const concurrency = numbers("BENCH_START_CONCURRENCY", [8])[0]!;
  const loadMs = numbers("BENCH_START_LOAD_MS", [2000])[0]!;
  const started = performance.now();
  console.log(`\nthe app's production start: npm run app (TypeScript through tsx) against npm run build + npm run app:prod (compiled), traced, ${rounds} rounds, each arm started afresh`);
  console.log(`command: ${command()}`);
  console.log(`date: ${new Date().toISOString()}; ${process.version}; ${availableParallelism()} cores`);
  console.log(`load at start: ${loadAverage()} (${uptime()})`);
  const table = await benchProductionStart({ root: projectRoot, rounds, concurrency, loadMs, log: console.log });
  console.log(`load at end: ${loadAverage()}; took ${Math.round((performance.now() - started) / 1000)} s`);
  console.log(`\nmedian (range) of the rounds; under the load: ${concurrency} clients for ${loadMs} ms, a 10-message conversation\n`);
  console.log(table);
}
