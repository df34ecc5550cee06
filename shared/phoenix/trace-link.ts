// Links into the Phoenix UI. Phoenix addresses projects by id, not name, so the id is
// looked up through its REST API (GET /v1/projects) once per name.
const projectIds = new Map<string, string>();

export function phoenixBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.PHOENIX_COLLECTOR_ENDPOINT || "http://localhost:6006").replace(/\/+$/, "").replace(/\/v1\/traces$/, "");
}

/** The URL of a trace in the Phoenix UI, or undefined when Phoenix does not know the project (yet). */
export async function phoenixTraceUrl(baseUrl: string, projectName: string, traceId: string, headers: Record<string, string> = {}): Promise<string | undefined> {
  const projectId = await phoenixProjectId(baseUrl, projectName, headers);
  return projectId ? `${baseUrl}/projects/${projectId}/traces/${traceId}` : undefined;
}

export async function phoenixProjectId(baseUrl: string, projectName: string, headers: Record<string, string> = {}): Promise<string | undefined> {
  const cached = projectIds.get(`${baseUrl} ${projectName}`);
  if (cached) return cached;
  let cursor: string | null = null;
  do {
    const url = new URL(`${baseUrl}/v1/projects`);
    url.searchParams.set("limit", "100");
    if (cursor) url.searchParams.set("cursor", cursor);
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(3000) });
    if (!response.ok) return undefined;
    const page = (await response.json()) as { data: Array<{ id: string; name: string }>; next_cursor: string | null };
    const project = page.data.find((candidate) => candidate.name === projectName);
    if (project) {
      projectIds.set(`${baseUrl} ${projectName}`, project.id);
      return project.id;
    }
    cursor = page.next_cursor;
  } while (cursor);
  return undefined;
}
