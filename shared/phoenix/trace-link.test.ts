// The project-id lookup behind trace links, against a fake Phoenix: bounded when Phoenix always
// returns a next_cursor, stopped when the caller leaves, cached once found, shared by concurrent callers.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MAX_PAGES, phoenixProjectId, phoenixTraceUrl } from "./trace-link.ts";

let server: Server;
let baseUrl: string;
let requests = 0;
/** "endless": no project, always a new cursor; "slow-endless": the same, 200 ms a page; "found": the project on page 1 */
let mode: "endless" | "slow-endless" | "found" = "endless";

beforeAll(async () => {
  server = createServer((req, res) => {
    requests += 1;
    const page = () =>
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(
          mode === "found"
            ? JSON.stringify({ data: [{ id: "UHJvamVjdDo3", name: "wanted" }], next_cursor: null })
            : JSON.stringify({ data: [{ id: `p${requests}`, name: `other-${requests}` }], next_cursor: `cursor-${requests}` }),
        );
    if (mode === "slow-endless") setTimeout(page, 200);
    else page();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  baseUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => {
  server.closeAllConnections();
  server.close(() => resolve());
}));
beforeEach(() => {
  requests = 0;
});

describe("phoenixProjectId", () => {
  it(`against a Phoenix that always returns a cursor: gives up after ${MAX_PAGES} pages`, async () => {
    mode = "endless";
    expect(await phoenixProjectId(baseUrl, "missing-1")).toBeUndefined();
    expect(requests).toBe(MAX_PAGES);
  });

  it("gives up when its time is up, whatever the pages", async () => {
    mode = "slow-endless";
    expect(await phoenixProjectId(baseUrl, "missing-2", {}, { maxPages: 1000, timeoutMs: 500 }).catch(() => undefined)).toBeUndefined();
    expect(requests).toBeLessThan(10);
  });

  it("stops asking Phoenix when the caller leaves (the client hung up)", async () => {
    mode = "slow-endless";
    const caller = new AbortController();
    const lookup = phoenixProjectId(baseUrl, "missing-3", {}, { signal: caller.signal, maxPages: 1000, timeoutMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    caller.abort(new Error("client gone"));
    await expect(lookup).rejects.toThrow("client gone");
    const atAbort = requests;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(requests, "no page asked after the caller left (one may have been under way)").toBeLessThanOrEqual(atAbort + 1);
  });

  it("caches the id once found, and concurrent callers share one lookup", async () => {
    mode = "found";
    const ids = await Promise.all([1, 2, 3, 4, 5].map(() => phoenixProjectId(baseUrl, "wanted")));
    expect(ids).toEqual(Array(5).fill("UHJvamVjdDo3"));
    expect(requests).toBe(1);
    mode = "endless";
    expect(await phoenixTraceUrl(baseUrl, "wanted", "4bf92f3577b34da6a3ce929d0e0e4736")).toBe(`${baseUrl}/projects/UHJvamVjdDo3/traces/4bf92f3577b34da6a3ce929d0e0e4736`);
    expect(requests, "from the cache").toBe(1);
  });
});
