// The exporting lesson's production path, end to end, as a team deploys it: the lesson's finished
// chatbot (a process that exits after its turn) -> the workbook's OpenTelemetry Collector (built
// from its Go modules: OTLP receiver, tail sampling, batch, OTLP/HTTP exporter) -> Phoenix on
// PostgreSQL (a local cluster in a temporary folder, PHOENIX_SQL_DATABASE_URL). Tail sampling here
// keeps only traces with an error (COLLECTOR_KEEP_PERCENT=0): the failed turn's trace is read back
// from Phoenix whole (with its judges' spans), the good turn's never arrives, and the spans are rows in PostgreSQL.
// Nothing is skipped: when Go, PostgreSQL or Phoenix is missing, the suite fails and says why.
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCollector, type RunningCollector } from "./collector-process.ts";
import { freePort } from "../../shared/testing/free-port.ts";
import { startPhoenix, type RunningPhoenix } from "../../shared/phoenix/local-server.ts";
import { postgresBinDir, startPostgres, type RunningPostgres } from "../lib/postgres-cluster.ts";
import { lessonFile, lessonNamed } from "../../shared/lessons/catalog.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const PROJECT = `workbook-production-path-${Date.now()}`;

interface PhoenixSpan {
  name: string;
  context: { trace_id: string; span_id: string };
  span_kind: string;
  parent_id: string | null;
  status_code: string;
}

let tempDir: string;
let postgres: RunningPostgres | undefined;
let phoenix: RunningPhoenix | undefined;
let collector: RunningCollector | undefined;
let setupError: Error | undefined;

beforeAll(async () => {
  try {
    tempDir = await mkdtemp(path.join(tmpdir(), "workbook-production-path-"));
    postgres = await startPostgres(path.join(tempDir, "postgres"), await freePort());
    phoenix = await startPhoenix({ port: await freePort(), grpcPort: await freePort(), workingDir: path.join(tempDir, "phoenix"), output: "pipe", databaseUrl: postgres.databaseUrl });
    collector = await startCollector({ port: await freePort(), phoenixEndpoint: phoenix.url, keepPercent: 0 });
  } catch (error) {
    setupError = error instanceof Error ? error : new Error(String(error));
  }
});

afterAll(async () => {
  await collector?.stop();
  await phoenix?.stop();
  await postgres?.stop();
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
});

/** Runs the exporting lesson's finished chatbot with one question, through the collector; its output. */
async function runLesson(question: string): Promise<string> {
  const { OPENAI_BASE_URL: _url, OPENAI_API_KEY: _key, OPENAI_MODEL: _model, ...env } = process.env;
  const entry = lessonFile(lessonNamed("exporting"), "solutions", "chatbot.ts");
  const child = spawn(process.execPath, ["--import", "tsx", entry, question], {
    cwd: repoRoot,
    env: { ...env, PHOENIX_COLLECTOR_ENDPOINT: collector!.url, PHOENIX_PROJECT_NAME: PROJECT, FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  expect(code, output).toBe(0);
  return output;
}

/** The trace id the run printed with its spans ("trace <32 hex>" in its phoenix: line). */
function traceIdOf(output: string): string {
  const match = /trace ([0-9a-f]{32})\)/.exec(output);
  expect(match, `a trace id in the output:\n${output}`).not.toBeNull();
  return match![1]!;
}

async function spansOfTrace(traceId: string): Promise<PhoenixSpan[]> {
  const response = await fetch(`${phoenix!.url}/v1/projects/${PROJECT}/spans?trace_id=${traceId}&limit=100`);
  if (response.status === 404) return []; // the project does not exist yet
  const { data } = (await response.json()) as { data: PhoenixSpan[] };
  return data;
}

describe("the lesson's chatbot -> the collector -> Phoenix on PostgreSQL", () => {
  it("keeps the trace with an error whole, drops the good one (tail sampling), and stores the spans in PostgreSQL", async () => {
    if (setupError) throw setupError;
    const good = traceIdOf(await runLesson("What's the weather in Paris?"));
    const failed = traceIdOf(await runLesson("Hello [[fault:http-500]]"));

    // The collector decides 2 s after a trace's last span; Phoenix stores in the background.
    // CLIENT POST /chat > SERVER POST /chat > chat_turn (ERROR) > ChatCompletion (ERROR), and the
    // judges' EVALUATOR spans under the SERVER span (the feedback-and-evals lesson's).
    const isTurn = (span: PhoenixSpan) => span.span_kind !== "EVALUATOR";
    let spans: PhoenixSpan[] = [];
    for (const deadline = Date.now() + 30_000; (spans.filter(isTurn).length < 4 || spans.length < 6) && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      spans = await spansOfTrace(failed);
    }
    expect(spans.filter(isTurn).map((span) => `${span.name} ${span.status_code}`).sort()).toEqual(["ChatCompletion ERROR", "POST /chat OK", "POST /chat OK", "chat_turn ERROR"]);
    expect(spans.filter((span) => !isTurn(span)), "the two judges' EVALUATOR spans").toHaveLength(2);
    expect(spans.filter((span) => span.parent_id === null)).toHaveLength(1);
    // Decided before the failed one (sent first): never forwarded.
    expect(await spansOfTrace(good)).toEqual([]);

    const psql = spawnSync(path.join(postgresBinDir(), "psql"), [postgres!.databaseUrl, "-tAc", `select count(*) from spans where trace_rowid in (select id from traces where trace_id = '${failed}')`], { encoding: "utf8" });
    expect(psql.status, psql.stderr).toBe(0);
    expect(Number(psql.stdout.trim()), "the trace's spans are rows of Phoenix's PostgreSQL database").toBe(spans.length);
  });
});
