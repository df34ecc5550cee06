// `npm run bench -- --start`: the app as `npm run app` runs it (TypeScript through tsx's loader)
// against the production build (`npm run build`, then node on the compiled JavaScript), traced,
// with the offline model and a fake collector in processes of their own. Per round, each arm is
// started afresh, in alternating order: the time to its "Chat page:" line, its resident memory
// then, and its peak under a short load (BENCH_START_CONCURRENCY clients, default 8, for
// BENCH_START_LOAD_MS, default 2000, with a 10-message conversation).
import { readFileSync } from "node:fs";
import path from "node:path";
import { buildApp } from "../build/app.ts";
import { appEnvironment, benchConversation } from "./app-overhead.ts";
import { startServer, type Server } from "./child-process.ts";
import { ChatLoad } from "./load.ts";
import { peakRssBytes } from "./process-stats.ts";
import { median, medianAndRange } from "./statistics.ts";

export interface StartBenchOptions {
  root: string;
  rounds: number;
  concurrency: number;
  loadMs: number;
  log: (line: string) => void;
}

interface ArmRound {
  startMs: number;
  idleRssBytes: number;
  peakRssBytes: number;
  turnsPerSecond: number;
}

const ARMS = [
  { name: "npm run app (tsx)", script: "solutions/app/server/main.ts", tsx: true },
  { name: "npm run app:prod (compiled)", script: "dist/app/server/main.mjs", tsx: false },
] as const;

function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

export async function benchProductionStart({ root, rounds, concurrency, loadMs, log }: StartBenchOptions): Promise<string> {
  const built = await buildApp();
  log(`npm run build: ${Math.round(built.ms)} ms (into ${path.relative(root, built.outDir)})`);
  const helpers: Server[] = [];
  const results = ARMS.map(() => [] as ArmRound[]);
  try {
    const listening = /listening on (http:\/\/\S+)/;
    const model = await startServer("the offline model", { root, script: "scripts/bench/model-process.ts", env: process.env, urlPattern: listening });
    helpers.push(model);
    const collector = await startServer("the fake collector", { root, script: "scripts/bench/fake-collector.ts", env: process.env, urlPattern: listening });
    helpers.push(collector);
    const body = JSON.stringify({ messages: benchConversation(10) });
    for (let round = 0; round < rounds; round++) {
      // A, B then B, A: neither arm always goes first.
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const index of order) {
        const arm = ARMS[index]!;
        const started = performance.now();
        const app = await startServer(arm.name, {
          root,
          script: arm.script,
          env: appEnvironment(model.url, collector.url, true),
          urlPattern: /Chat page:\s+(http:\/\/\S+)/,
          tsx: arm.tsx,
        });
        const startMs = performance.now() - started;
        try {
          const idleRssBytes = residentBytes(app.pid);
          const load = new ChatLoad(app.url, concurrency);
          const result = await load.run(body, concurrency, loadMs);
          load.close();
          results[index]!.push({ startMs, idleRssBytes, peakRssBytes: peakRssBytes(app.pid), turnsPerSecond: (result.requests * 1000) / result.elapsedMs });
        } finally {
          await app.stop();
        }
      }
      log(`  round ${round + 1} of ${rounds} done`);
    }
  } finally {
    await Promise.all(helpers.map((server) => server.stop()));
  }
  return startTable(results);
}

const ms = (value: number) => `${Math.round(value).toLocaleString("en-US")} ms`;
const mb = (value: number) => `${Math.round(value / 1e6)} MB`;
const perSecond = (value: number) => `${Math.round(value).toLocaleString("en-US")}/s`;

function startTable(results: ArmRound[][]): string {
  const rows = [
    ["start to the first line (\"Chat page:\")", (round: ArmRound) => round.startMs, ms],
    ["resident memory when started", (round: ArmRound) => round.idleRssBytes, mb],
    ["peak resident memory under the load", (round: ArmRound) => round.peakRssBytes, mb],
    ["turns per second under the load", (round: ArmRound) => round.turnsPerSecond, perSecond],
  ] as const;
  const lines = [
    `| measure | ${ARMS.map((arm) => arm.name).join(" | ")} | compiled / tsx (medians) |`,
    "| --- | --- | --- | --- |",
  ];
  for (const [label, value, format] of rows) {
    const [tsx, compiled] = results.map((rounds) => rounds.map(value));
    lines.push(`| ${label} | ${medianAndRange(tsx!, format)} | ${medianAndRange(compiled!, format)} | ${(median(compiled!) / median(tsx!)).toFixed(2)} |`);
  }
  return lines.join("\n");
}
