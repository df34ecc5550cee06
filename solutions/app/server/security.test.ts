// Who may drive the app: only the configured host names (against DNS rebinding), a page that
// cannot be framed or mixed with other scripts, the offline model's fault queue closed, and
// Phoenix's headers from one source (key, PHOENIX_CLIENT_HEADERS, OTEL headers).
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectModel, type ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import { parseHeaderList, phoenixHeaders } from "../../../shared/phoenix/headers.ts";
import { readConfig } from "./config.ts";
import { buildServer } from "./server.ts";
import { closedPortUrl } from "./test-support/closed-port.ts";

let model: ModelConnection;
beforeAll(async () => {
  model = await connectModel({ env: {}, faultRoute: false });
});
afterAll(() => model.close());

async function appWith(config: Partial<Parameters<typeof buildServer>[0]["config"]> = {}): Promise<FastifyInstance> {
  return buildServer({
    config: { phoenixUrl: await closedPortUrl(), phoenixApiKey: undefined, projectName: "security-tests", modelTimeoutMs: 3000, ...config },
    model,
    flushSpans: async () => {},
    log: () => {},
  });
}

describe("the Host header", () => {
  let app: FastifyInstance;
  beforeAll(async () => (app = await appWith({ allowedHosts: readConfig({}).allowedHosts })));
  afterAll(() => app.close());

  it("by default only this machine's loopback names are answered", async () => {
    for (const host of ["localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST"]) {
      expect((await app.inject({ method: "GET", url: "/healthz", headers: { host } })).statusCode, host).toBe(200);
    }
  });

  it("another name (a DNS-rebinding page) gets a 403 naming APP_ALLOWED_HOSTS, on the page and the API", async () => {
    for (const url of ["/", "/healthz"]) {
      const response = await app.inject({ method: "GET", url, headers: { host: "attacker.example:8000" } });
      expect(response.statusCode).toBe(403);
      expect(response.json<{ error: string }>().error).toMatch(/attacker\.example.*APP_ALLOWED_HOSTS/);
    }
    const chat = await app.inject({ method: "POST", url: "/api/chat", headers: { host: "attacker.example" }, payload: { messages: [{ role: "user", content: "hi" }] } });
    expect(chat.statusCode).toBe(403);
  });

  it("APP_ALLOWED_HOSTS sets the names; * accepts any; APP_HOST's own name is allowed", () => {
    expect(readConfig({ APP_ALLOWED_HOSTS: "chat.example.com, 10.0.0.5" }).allowedHosts).toEqual(["chat.example.com", "10.0.0.5"]);
    expect(readConfig({ APP_ALLOWED_HOSTS: "*" }).allowedHosts).toBe("*");
    expect(readConfig({ APP_HOST: "192.168.1.20" }).allowedHosts).toContain("192.168.1.20");
    expect(readConfig({ APP_HOST: "0.0.0.0" }).allowedHosts).not.toContain("0.0.0.0");
  });

  it("with * every name is answered", async () => {
    const open = await appWith({ allowedHosts: "*" });
    try {
      expect((await open.inject({ method: "GET", url: "/healthz", headers: { host: "anything.example" } })).statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe("the page's security headers", () => {
  it("CSP (own script and style only, no framing), X-Frame-Options, nosniff, Referrer-Policy", async () => {
    const app = await appWith();
    try {
      for (const url of ["/", "/main.js", "/style.css"]) {
        const { headers } = await app.inject({ method: "GET", url });
        expect(headers["content-security-policy"], url).toMatch(/default-src 'self'/);
        expect(headers["content-security-policy"], url).toMatch(/frame-ancestors 'none'/);
        expect(headers["content-security-policy"], url).not.toMatch(/unsafe-inline|unsafe-eval/);
        expect(headers["x-frame-options"], url).toBe("DENY");
        expect(headers["x-content-type-options"], url).toBe("nosniff");
        expect(headers["referrer-policy"], url).toBe("no-referrer");
      }
    } finally {
      await app.close();
    }
  });
});

describe("the offline model's fault queue", () => {
  it("POST /_offline/faults is closed in the app unless APP_OFFLINE_FAULTS asks for it", async () => {
    const response = await fetch(`${model.offlineModel!.baseUrl.replace(/\/v1$/, "")}/_offline/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ faults: ["http-500"] }),
    });
    expect(response.status).toBe(404);
    expect(readConfig({}).offlineFaultRoute).toBe(false);
    expect(readConfig({ APP_OFFLINE_FAULTS: "1" }).offlineFaultRoute).toBe(true);
  });
});

describe("Phoenix's headers, from one source", () => {
  it("PHOENIX_CLIENT_HEADERS, PHOENIX_API_KEY and OTEL_EXPORTER_OTLP_HEADERS, later ones winning", () => {
    expect(parseHeaderList("api_key=abc, X-Team=a%20b,bad,=x")).toEqual({ api_key: "abc", "x-team": "a b" });
    expect(
      phoenixHeaders({ env: { OTEL_EXPORTER_OTLP_HEADERS: "x-a=1,authorization=Bearer otel", PHOENIX_CLIENT_HEADERS: "x-b=2", PHOENIX_API_KEY: "key" } }),
    ).toEqual({ "x-a": "1", "x-b": "2", authorization: "Bearer key" });
    expect(phoenixHeaders({ env: { OTEL_EXPORTER_OTLP_HEADERS: "x-a=1" }, includeOtlpHeaders: false })).toEqual({});
    expect(phoenixHeaders({ env: {}, url: "http://u:p@phoenix:6006" })).toEqual({ authorization: `Basic ${Buffer.from("u:p").toString("base64")}` });
  });

  it("the spans carry them; a collector that is not Phoenix does not get Phoenix's key", () => {
    const env = { PHOENIX_API_KEY: "key", PHOENIX_CLIENT_HEADERS: "x-b=2" };
    expect(readConfig(env).otlp.headers).toEqual({ "x-project-name": "workbook-app", authorization: "Bearer key", "x-b": "2" });
    expect(readConfig({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).otlp.headers).toEqual({ "x-project-name": "workbook-app" });
  });

  it("credentials in PHOENIX_COLLECTOR_ENDPOINT leave the URLs (printed, logged) and become the authorization", () => {
    const config = readConfig({ PHOENIX_COLLECTOR_ENDPOINT: "http://admin:pa55word@phoenix.internal:6006" });
    expect(config.phoenixUrl).toBe("http://phoenix.internal:6006");
    expect(config.otlp.url).toBe("http://phoenix.internal:6006/v1/traces");
    expect(config.phoenixHeaders.authorization).toBe(`Basic ${Buffer.from("admin:pa55word").toString("base64")}`);
    expect(config.otlp.headers.authorization, "the spans go with them").toBe(config.phoenixHeaders.authorization);
    // PHOENIX_API_KEY wins over the URL's credentials; a collector URL's own credentials are its authorization.
    expect(readConfig({ PHOENIX_COLLECTOR_ENDPOINT: "http://admin:pa55word@phoenix.internal:6006", PHOENIX_API_KEY: "key" }).otlp.headers.authorization).toBe("Bearer key");
    const collector = readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel:s3cret@collector:4318" }).otlp;
    expect(collector.url).toBe("http://collector:4318/v1/traces");
    expect(collector.headers).toEqual({ "x-project-name": "workbook-app", authorization: `Basic ${Buffer.from("otel:s3cret").toString("base64")}` });
  });

  describe("feedback and trace links send them too", () => {
    let phoenix: Server;
    let phoenixUrl: string;
    const seen: Array<{ url?: string; headers: IncomingHttpHeaders }> = [];
    let status = 200;
    beforeAll(async () => {
      phoenix = createServer((req, res) => {
        seen.push({ url: req.url, headers: req.headers });
        req.resume();
        if (status !== 200) return void res.writeHead(status, { "content-type": "application/json" }).end('{"detail":"Unauthorized"}');
        if (req.url?.startsWith("/v1/projects")) {
          return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: [{ id: "UHJvamVjdDox", name: "security-tests" }], next_cursor: null }));
        }
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
      await new Promise<void>((resolve) => phoenix.listen(0, "127.0.0.1", resolve));
      const address = phoenix.address();
      phoenixUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    });
    afterAll(() => new Promise<void>((resolve) => phoenix.close(() => resolve())));

    it("with the headers of PHOENIX_CLIENT_HEADERS and the key", async () => {
      const config = readConfig({ PHOENIX_URL: phoenixUrl, PHOENIX_API_KEY: "key-1", PHOENIX_CLIENT_HEADERS: "x-team=blue" });
      const app = await appWith({ phoenixUrl, phoenixApiKey: config.phoenixApiKey, phoenixHeaders: config.phoenixHeaders });
      try {
        status = 200;
        seen.length = 0;
        expect((await app.inject({ method: "POST", url: "/api/feedback", payload: { spanId: "08c93f1fde572617", score: 1 } })).statusCode).toBe(200);
        const link = await app.inject({ method: "GET", url: "/api/traces/4bf92f3577b34da6a3ce929d0e0e4736" });
        expect(link.headers.location).toBe(`${phoenixUrl}/projects/UHJvamVjdDox/traces/4bf92f3577b34da6a3ce929d0e0e4736`);
        expect(seen.map((request) => request.url?.split("?")[0])).toEqual(["/v1/span_annotations", "/v1/projects"]);
        for (const request of seen) expect(request.headers).toMatchObject({ authorization: "Bearer key-1", "x-team": "blue" });
      } finally {
        await app.close();
      }
    });

    it("a 401 on feedback names PHOENIX_API_KEY", async () => {
      const app = await appWith({ phoenixUrl });
      try {
        status = 401;
        const response = await app.inject({ method: "POST", url: "/api/feedback", payload: { spanId: "08c93f1fde572617", score: 1 } });
        expect(response.statusCode).toBe(502);
        expect(response.json<{ error: string }>().error).toMatch(/HTTP 401.*set PHOENIX_API_KEY/);
      } finally {
        status = 200;
        await app.close();
      }
    });
  });
});
