// `npm run stress`: the finished app as its own process (as `npm run app` runs it, on
// 127.0.0.1), pushed until something gives: malformed requests to every route, a failing model,
// clients that hang up, a collector that is down or hangs while large conversations come in, and
// SIGTERM in the middle of a burst. It prints a table and exits non-zero on any unexpected 5xx,
// crash, lost span or memory over the ceiling. Every loop is bounded in count and in time.
//   npm run stress                  the full run (a few minutes)
//   npm run stress -- --short       every scenario, smaller (CI; well under a minute)
//   npm run stress -- --seed 7      another set of fuzz requests (default 1)
//   npm run stress -- --only fuzz   one scenario: fuzz, faults, memory, sigterm
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { faultsScenario } from "./scenarios/faults.ts";
import { fuzzScenario } from "./scenarios/fuzz.ts";
import { memoryScenario } from "./scenarios/memory.ts";
import { sigtermScenario } from "./scenarios/sigterm.ts";
import { startModel, stopChild } from "./processes.ts";
import { memoryLine, newResult, passed, resultTable, type ScenarioResult } from "./report.ts";
import { fakeSecrets, type StressContext } from "./stress-context.ts";

const SCENARIOS: Record<string, (context: StressContext) => Promise<ScenarioResult[]>> = {
  fuzz: async (context) => [await fuzzScenario(context)],
  faults: async (context) => [await faultsScenario(context)],
  memory: async (context) => [await memoryScenario(context, "down"), await memoryScenario(context, "hanging"), await memoryScenario(context, "hanging", "lowered")],
  sigterm: async (context) => [await sigtermScenario(context)],
};

const { values } = parseArgs({
  options: { short: { type: "boolean", default: false }, seed: { type: "string", default: "1" }, only: { type: "string" } },
});
const seed = Number(values.seed);
if (!Number.isInteger(seed)) {
  console.error(`--seed must be a whole number, not "${values.seed}".`);
  process.exit(2);
}
const chosen = values.only ? values.only.split(",") : Object.keys(SCENARIOS);
const unknown = chosen.filter((name) => !(name in SCENARIOS));
if (unknown.length > 0) {
  console.error(`--only takes ${Object.keys(SCENARIOS).join(", ")}; not ${unknown.join(", ")}.`);
  process.exit(2);
}

// A run that hangs despite every bound still ends, and says so.
const WATCHDOG_MS = values.short ? 180_000 : 1_200_000;
const watchdog = setTimeout(() => {
  console.error(`\nnpm run stress: still running after ${WATCHDOG_MS / 1000} s; stopping (a scenario is stuck).`);
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();


const started = Date.now();
const loadAtStart = readLoad();
console.log(`npm run stress${values.short ? " --short" : ""}: seed ${seed}, node ${process.version}, load ${loadAtStart}`);
const model = await startModel();
const context: StressContext = { modelBaseUrl: model.baseUrl, secrets: fakeSecrets(), short: values.short, seed };
const results: ScenarioResult[] = [];
try {
  for (const name of chosen) {
    console.log(`\n== ${name}`);
    // A scenario that cannot run at all (the app does not start, RSS cannot be read) is a failed row, never a skipped one.
    const scenarioStarted = Date.now();
    const ran = await SCENARIOS[name]!(context).catch((error: unknown) => {
      const failed = newResult(`${name}: could not run`);
      failed.problems.push(error instanceof Error ? error.message : String(error));
      failed.ms = Date.now() - scenarioStarted;
      return [failed];
    });
    for (const result of ran) {
      results.push(result);
      console.log(`${passed(result) ? "pass" : "FAIL"}  ${result.scenario} (${(result.ms / 1000).toFixed(1)} s)`);
      for (const note of result.notes) console.log(`      ${note}`);
      if (result.memory) console.log(`      RSS: ${memoryLine(result.memory.samples)}`);
      for (const problem of result.problems.slice(0, 20)) console.log(`  ✗ ${problem}`);
      if (result.problems.length > 20) console.log(`  ✗ ... and ${result.problems.length - 20} more`);
    }
  }
} finally {
  const modelExit = model.process.exitCode ?? model.process.signalCode;
  if (modelExit !== null) console.log(`\nThe offline model exited (${modelExit}) during the run:\n${model.output().slice(-600)}`);
  await stopChild(model);
}

const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`\n${resultTable(results)}\n`);
console.log(`${results.filter(passed).length} of ${results.length} scenarios passed in ${seconds} s (load at start ${loadAtStart}, at end ${readLoad()}).`);
process.exit(results.every(passed) ? 0 : 1);

function readLoad(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown (no /proc/loadavg)";
  }
}
