// What each stress scenario reports, and the table `npm run stress` prints at the end.

export interface ScenarioResult {
  scenario: string;
  requests: number;
  /** answers by status; "none" for requests that got no answer */
  statuses: Map<string, number>;
  /** 5xx answers that are not the scenario's expected ones (a model failure's 502 is expected there) */
  unexpected5xx: number;
  /** the app exited on its own, did not stop on SIGTERM, or stopped with a non-zero code */
  crashes: number;
  /** spans the scenario expects at the collector, and how many of them came; undefined: not counted here */
  spans?: { expected: number; received: number };
  /** peak resident memory of the app, and the ceiling it must stay under; undefined: not measured here */
  memory?: { peakBytes: number; ceilingBytes: number; samples: Array<[number, number]> };
  ms: number;
  /** everything that went wrong, one line each (empty: the scenario passed) */
  problems: string[];
  /** what the reader may want to know besides the table (not failures) */
  notes: string[];
}

export function newResult(scenario: string): ScenarioResult {
  return { scenario, requests: 0, statuses: new Map(), unexpected5xx: 0, crashes: 0, ms: 0, problems: [], notes: [] };
}

export function countStatus(result: ScenarioResult, status: number | undefined): void {
  const key = status === undefined ? "none" : String(status);
  result.statuses.set(key, (result.statuses.get(key) ?? 0) + 1);
}

const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

function statusesText(statuses: Map<string, number>): string {
  return [...statuses]
    .sort(([a], [b]) => (a === "none" ? 1 : b === "none" ? -1 : Number(a) - Number(b)))
    .map(([status, count]) => `${status}×${count}`)
    .join(" ");
}

export function passed(result: ScenarioResult): boolean {
  return result.problems.length === 0;
}

/** The results as a Markdown table (it reads in a terminal too, and pastes into the README as is). */
export function resultTable(results: ScenarioResult[]): string {
  const header = ["scenario", "requests", "statuses", "5xx", "crashes", "spans expected/received", "peak RSS / ceiling", "time", "verdict"];
  const rows = results.map((result) => [
    result.scenario,
    String(result.requests),
    statusesText(result.statuses),
    String(result.unexpected5xx),
    String(result.crashes),
    result.spans ? `${result.spans.expected}/${result.spans.received}` : "-",
    result.memory ? `${mb(result.memory.peakBytes)} / ${mb(result.memory.ceilingBytes)}` : "-",
    `${(result.ms / 1000).toFixed(1)} s`,
    passed(result) ? "pass" : `FAIL (${result.problems.length})`,
  ]);
  return [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

/** RSS over time in a line: "0.0 s 112 MB, 2.1 s 380 MB, ..." (at most `points` samples, evenly spread). */
export function memoryLine(samples: Array<[number, number]>, points = 12): string {
  if (samples.length === 0) return "";
  const step = Math.max(1, Math.floor(samples.length / points));
  const picked = samples.filter((_, i) => i % step === 0 || i === samples.length - 1);
  return picked.map(([ms, bytes]) => `${(ms / 1000).toFixed(1)} s ${mb(bytes)}`).join(", ");
}
