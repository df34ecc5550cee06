// The fuzz requests are a function of the seed: a failure found once is found again.
import { expect, it } from "vitest";
import { connectModel } from "../../shared/chatbot/connect-model.ts";
import { buildServer } from "../../solutions/app/server/server.ts";
import { FAMILIES, fuzzCases, ROUTES } from "./fuzz-cases.ts";
import { seededRandom } from "./seeded-random.ts";

const SHORT_PLAN = { weighted: 1500, huge: 12, cutOff: 6 };

it("the same seed makes the same requests, byte for byte; another seed, others", () => {
  const bytes = (seed: number) => fuzzCases(seededRandom(seed), SHORT_PLAN).map((fuzzCase) => fuzzCase.bytes.toString("base64"));
  expect(bytes(1)).toEqual(bytes(1));
  expect(bytes(2)).not.toEqual(bytes(1));
});

it("the short run sends at least 1,500 requests, aimed at every route, from every family", () => {
  const cases = fuzzCases(seededRandom(1), SHORT_PLAN);
  expect(cases.length).toBeGreaterThanOrEqual(1500);
  expect(new Set(cases.map((fuzzCase) => fuzzCase.route))).toEqual(new Set([...ROUTES, "(no route)"]));
  expect(new Set(cases.map((fuzzCase) => fuzzCase.family))).toEqual(new Set(FAMILIES.map((family) => family.name)));
});

it("every request to the chat route that is not about traceparent carries a valid one, so its SERVER span can be found", () => {
  const cases = fuzzCases(seededRandom(1), SHORT_PLAN).filter((fuzzCase) => fuzzCase.route.startsWith("POST /api/chat") && fuzzCase.family !== "traceparent");
  const untracked = cases.filter((fuzzCase) => !fuzzCase.traceId);
  expect(untracked.map((fuzzCase) => `${fuzzCase.family} / ${fuzzCase.label}`)).toEqual([]);
});

/** "POST /api/chat", ... from Fastify's route tree (printRoutes: one segment a line, indented 4 a level). */
function routesOf(tree: string): string[] {
  const routes: string[] = [];
  const prefixes: string[] = [];
  for (const line of tree.split("\n")) {
    const match = /^([│ ]*)[├└]── (.*?)(?: \(([^)]*)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    prefixes.length = depth;
    prefixes.push(match[2]!);
    const full = prefixes.join("").replace(/\/+/g, "/");
    for (const method of (match[3] ?? "").split(", ").filter((name) => name && name !== "HEAD")) routes.push(`${method} ${full}`);
  }
  return routes;
}

it("the fuzz aims at every route the app has (a new route needs its requests in fuzz-cases.ts)", async () => {
  const model = await connectModel({ env: {}, faultRoute: false });
  const app = await buildServer({
    config: { phoenixUrl: "http://127.0.0.1:9", phoenixApiKey: undefined, projectName: "stress-routes", modelTimeoutMs: 1000 },
    model,
    flushSpans: async () => {},
    log: () => {},
  });
  try {
    await app.ready();
    expect(routesOf(app.printRoutes({ commonPrefix: false })).sort()).toEqual([...ROUTES].sort());
  } finally {
    await app.close();
    await model.close();
  }
});
