// Is the collector there, and does it take our spans? Asked the way the exporter will ask: an
// empty OTLP export (no spans) to the traces URL, with the same headers. Unlike Phoenix's
// /healthz this works for any OTLP collector, and it tells a missing key (401/403) apart from a
// server that is not running.

export type ProbeResult =
  | { ok: true; status: number }
  | { ok: false; reason: "unreachable"; message: string }
  | { ok: false; reason: "refused"; status: number; message: string };

export async function probeOtlpEndpoint(
  url: string,
  { protocol = "http/protobuf", headers = {}, timeoutMs = 1500 }: { protocol?: "http/protobuf" | "http/json"; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ProbeResult> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": protocol === "http/json" ? "application/json" : "application/x-protobuf", ...headers },
      // An ExportTraceServiceRequest with no spans: zero bytes in protobuf, {} in JSON.
      body: protocol === "http/json" ? "{}" : new Uint8Array(0),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    return { ok: false, reason: "unreachable", message: cause };
  }
  await response.body?.cancel().catch(() => {});
  // What would make a real export fail: no access, no such route, the wrong encoding.
  if ([401, 403, 404, 405, 415].includes(response.status)) {
    return { ok: false, reason: "refused", status: response.status, message: `HTTP ${response.status}` };
  }
  return { ok: true, status: response.status };
}
