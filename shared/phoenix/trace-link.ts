// Links into the Phoenix UI. Phoenix addresses projects by id, not name, so the id is looked up
// through its REST API (GET /v1/projects, paged by next_cursor) and cached per Phoenix and name.
// The lookup is bounded: at most MAX_PAGES pages and LOOKUP_BUDGET_MS in all, stopped by the
// caller's signal (the client left), and one lookup at a time per project (concurrent callers
// share it). A Phoenix that always returns a cursor cannot make it loop.
import { splitUrlCredentials } from "./url-credentials.ts";
import { untilAborted } from "../async/until-aborted.ts";

const projectIds = new Map<string, string>();
interface Lookup {
  result: Promise<string | undefined>;
  /** callers still waiting for it; when the last one leaves, the lookup stops */
  waiting: number;
  stop: AbortController;
}
const lookups = new Map<string, Lookup>();

/** What the last lookup of a project learned about the server: "phoenix" answered the REST API, "other" did not (not Phoenix, or no access). */
const lastAnswer = new Map<string, "phoenix" | "other">();

/** Whether the server at baseUrl answered Phoenix's REST API in the last lookup of this project (undefined: not asked yet, or unreachable). */
export function lastLookupAnswer(baseUrl: string, projectName: string): "phoenix" | "other" | undefined {
  return lastAnswer.get(`${splitUrlCredentials(baseUrl).url} ${projectName}`);
}

/** pages of 100 projects read at most: 1,000 projects */
export const MAX_PAGES = 10;
/** time for the whole lookup, all pages together */
export const LOOKUP_BUDGET_MS = 3000;

export interface LookupOptions {
  /** aborts the lookup (e.g. the client that asked for the link hung up) */
  signal?: AbortSignal;
  maxPages?: number;
  timeoutMs?: number;
}

/** PHOENIX_COLLECTOR_ENDPOINT without /v1/traces (and without any user:password@). */
export function phoenixBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.PHOENIX_COLLECTOR_ENDPOINT || "http://localhost:6006").replace(/\/+$/, "").replace(/\/v1\/traces$/, "");
}

/** The URL of a trace in the Phoenix UI, or undefined when Phoenix does not know the project (yet). */
export async function phoenixTraceUrl(
  baseUrl: string,
  projectName: string,
  traceId: string,
  headers: Record<string, string> = {},
  options: LookupOptions = {},
): Promise<string | undefined> {
  const bare = splitUrlCredentials(baseUrl).url;
  const projectId = await phoenixProjectId(bare, projectName, headers, options);
  return projectId ? `${bare}/projects/${encodeURIComponent(projectId)}/traces/${traceId}` : undefined;
}

export async function phoenixProjectId(
  baseUrl: string,
  projectName: string,
  headers: Record<string, string> = {},
  options: LookupOptions = {},
): Promise<string | undefined> {
  const key = `${baseUrl} ${projectName}`;
  const cached = projectIds.get(key);
  if (cached) return cached;
  // One lookup at a time per project: a burst of link requests costs one walk, not one each.
  let lookup = lookups.get(key);
  if (!lookup) {
    const stop = new AbortController();
    const result = findProject(baseUrl, projectName, headers, options.maxPages ?? MAX_PAGES, options.timeoutMs ?? LOOKUP_BUDGET_MS, stop.signal).finally(() =>
      lookups.delete(key),
    );
    result.catch(() => {}); // a stopped lookup is nobody's unhandled rejection
    lookup = { result, waiting: 0, stop };
    lookups.set(key, lookup);
  }
  lookup.waiting += 1;
  try {
    const id = await untilAborted(lookup.result, options.signal);
    if (id) projectIds.set(key, id);
    return id;
  } finally {
    lookup.waiting -= 1;
    // Every caller left (their clients hung up): nobody reads the answer, stop asking Phoenix.
    if (lookup.waiting === 0) lookup.stop.abort(new Error("No one waits for the project lookup any more."));
  }
}

async function findProject(
  baseUrl: string,
  projectName: string,
  headers: Record<string, string>,
  maxPages: number,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<string | undefined> {
  const budget = AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]);
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const url = new URL(`${baseUrl}/v1/projects`);
    url.searchParams.set("limit", "100");
    if (cursor) url.searchParams.set("cursor", cursor);
    const response = await fetch(url, { headers, signal: budget });
    const key = `${baseUrl} ${projectName}`;
    if (!response.ok || !(response.headers.get("content-type") ?? "").includes("json")) {
      lastAnswer.set(key, "other");
      await response.body?.cancel().catch(() => {});
      return undefined;
    }
    lastAnswer.set(key, "phoenix");
    const body = (await response.json()) as { data?: Array<{ id: string; name: string }>; next_cursor?: string | null };
    const project = body.data?.find((candidate) => candidate.name === projectName);
    if (project) return project.id;
    // No further page, or the same cursor again (a server that loops): stop.
    if (!body.next_cursor || body.next_cursor === cursor) return undefined;
    cursor = body.next_cursor;
    budget.throwIfAborted();
  }
  return undefined;
}
