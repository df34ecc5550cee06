// Requests that Node's HTTP layer refuses, or would answer by itself, get a `{ error }` sentence
// like every other mistake: sent as raw bytes over a real connection, since neither fetch() nor
// Fastify's inject() can send a broken request. Found by `npm run stress`.
import { connect } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectModel, type ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import { exchange, type RawAnswer } from "../../../shared/testing/raw-http.ts";
import { buildServer } from "./server.ts";
import { closedPortUrl } from "./test-support/closed-port.ts";

let model: ModelConnection;
let app: FastifyInstance;
let port: number;
beforeAll(async () => {
  model = await connectModel({ env: {}, faultRoute: false });
  app = await buildServer({
    config: { phoenixUrl: await closedPortUrl(), phoenixApiKey: undefined, projectName: "protocol-errors", modelTimeoutMs: 5000 },
    model,
    flushSpans: async () => {},
    log: () => {},
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  port = typeof address === "object" && address ? address.port : 0;
});
afterAll(async () => {
  await app.close();
  await model.close();
});

const send = (text: string) => exchange(port, Buffer.from(text, "latin1"));

/** The answer's `error` sentence, after checking it is JSON. */
function errorOf(answer: RawAnswer): string {
  expect(answer.headers["content-type"], answer.body.toString()).toMatch(/^application\/json/);
  return (JSON.parse(answer.body.toString()) as { error: string }).error;
}

const chatBody = '{"messages":[{"role":"user","content":"hello"}]}';

describe("a request Node's HTTP parser refuses", () => {
  it("gets a 400 whose error says what was wrong, not Fastify's bare 'Bad Request'", async () => {
    const method = await send("FOO /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    expect(method.status).toBe(400);
    expect(errorOf(method)).toMatch(/not valid HTTP\/1\.1 \(Invalid method encountered\)/);
    const chunked = await send(`POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${chatBody}\r\n0\r\n\r\n`);
    expect(chunked.status).toBe(400);
    expect(errorOf(chunked)).toMatch(/chunk size.*content-length or chunked/);
  });

  it("headers over the limit get a 431 that gives the limit", async () => {
    const answer = await send(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(errorOf(answer)).toMatch(/at most \d+ bytes/);
  });
});

it("CONNECT (a proxy tunnel) gets a 405 saying the app is not a proxy, not a closed connection", async () => {
  const answer = await send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
  expect(answer.failure).toBeUndefined();
  expect(answer.status).toBe(405);
  expect(errorOf(answer)).toMatch(/not a proxy/);
});

it("an Expect header other than 100-continue gets a 417 naming it; 100-continue still works", async () => {
  const request = (expect: string) =>
    `POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${chatBody.length}\r\nExpect: ${expect}\r\nConnection: close\r\n\r\n${chatBody}`;
  const refused = await send(request("the-unexpected"));
  expect(refused.status).toBe(417);
  expect(errorOf(refused)).toMatch(/Expect header \("the-unexpected"\)/);
  expect((await send(request("100-continue"))).status).toBe(200);
});

it("an HTTP/1.1 request without a Host header gets a 400 naming Host; HTTP/1.0 (where it is optional) the host check's 403", async () => {
  const missing = await send("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n");
  expect(missing.status).toBe(400);
  expect(errorOf(missing)).toMatch(/no Host header, which HTTP\/1\.1 requires/);
  const old = await send("GET /healthz HTTP/1.0\r\n\r\n");
  expect(old.status).toBe(403);
  expect(errorOf(old)).toMatch(/APP_ALLOWED_HOSTS/);
});

it("a body over the limit is read to its end after the 413, so the client is not reset while still sending it", async () => {
  // The 413 comes as soon as the headers declare too much; the client sends the body after it,
  // as a client that does not wait for an answer would. The connection must then close cleanly.
  const bodyBytes = 2 * 1024 * 1024;
  const socket = connect({ host: "127.0.0.1", port });
  const errors: string[] = [];
  socket.on("error", (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
  let received = "";
  const answered = new Promise<void>((resolve) => socket.on("data", (chunk: Buffer) => (received += chunk.toString()).includes("}") && resolve()));
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.write(`POST /api/feedback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${bodyBytes}\r\nConnection: close\r\n\r\n`);
  await answered;
  expect(received).toMatch(/^HTTP\/1\.1 413 /);
  // It says the connection closes, so a keep-alive client sends its next request on a new one.
  expect(received.toLowerCase()).toContain("connection: close");
  expect(received).toMatch(/"error":"The request body is too large/);
  socket.end(Buffer.alloc(bodyBytes, "x"));
  await closed;
  expect(errors, "the connection was reset under the client").toEqual([]);
});

it("after a 413 for a body too large, a keep-alive client (fetch) gets its next request answered", async () => {
  // fetch keeps connections open and reuses them: the 413 must say the connection closes, or the
  // next request goes out on a connection the app is about to close ("other side closed").
  const url = `http://127.0.0.1:${port}/api/feedback`;
  const post = (body: string) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  const tooBig = await post(JSON.stringify({ spanId: "x".repeat(2_000_000), score: 1 }));
  expect(tooBig.status).toBe(413);
  await tooBig.text();
  // (Its answer is the feedback route's own: this test app has no Phoenix to send feedback to.)
  const next = await post(JSON.stringify({ spanId: "0123456789abcdef", score: 1 }));
  expect(next.status, "the next request is answered by the route, not lost to a closed connection").not.toBe(413);
  expect(await next.json()).toBeTypeOf("object");
});
