// Below Fastify: what Node's HTTP server would answer by itself. Some requests never become a
// request that Fastify routes: bytes that are not HTTP (a method no server knows, a NUL in a
// header, a broken chunked body, headers over 16 KB), an HTTP/1.1 request without a Host
// header, a CONNECT (a proxy tunnel), an Expect header other than 100-continue. Node answers
// those with an empty body, or with Fastify's `{ error: "Bad Request" }`, or just closes the
// connection; here they get a `{ error }` sentence that names the problem, like every other
// mistake (error-responses.ts). And an error answered before the body was read (a body over the
// limit) is not lost to a connection reset. Found by `npm run stress` (scripts/stress).
import { maxHeaderSize, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { FastifyInstance } from "fastify";

type ParserError = Error & { code?: string; reason?: unknown };

/** Fastify's `clientErrorHandler`: a request Node's HTTP parser refuses. */
export function clientErrorAsJson(error: ParserError, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return; // the client is gone: nobody to tell
  if (socket.writable) socket.write(rawJsonAnswer(...describeParserError(error)));
  socket.destroy(error);
}

function describeParserError(error: ParserError): [number, string] {
  if (error.code === "HPE_HEADER_OVERFLOW") return [431, `The request's URL and headers are too large: together they may hold at most ${maxHeaderSize} bytes.`];
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") return [408, "The request took too long to arrive: send it again, all at once."];
  // llhttp's reason is short and says what it met: "Invalid method encountered", "Invalid character in chunk size".
  const reason = typeof error.reason === "string" && error.reason ? error.reason : error.message.replace(/^Parse Error: /, "");
  return [400, `The request is not valid HTTP/1.1 (${reason}): check its request line, its headers and how its body is framed (content-length or chunked).`];
}

/**
 * Node's http.Server options for Fastify's `http`: a request without a Host header reaches the
 * app (which answers it below) instead of getting Node's bodiless 400.
 */
export const HTTP_SERVER_OPTIONS = { requireHostHeader: false } as const;

/**
 * An error answered before the request's body was read (a 413 on its content-length, a 403 or
 * 415 that never looks at it): Node would close the connection with the rest of the body unread,
 * which resets it, and the client, still sending, loses the answer (RFC 9112, 9.6). So the
 * connection stays open past the answer while the rest is read and dropped, then closes: within
 * bounds (a body declared larger, or one still coming after LINGER_MS, is cut off as before).
 */
const LINGER_MAX_BYTES = 8 * 1024 * 1024;
const LINGER_MS = 2000;

/**
 * Node marks a response that says `connection: close` as the connection's last (its `_last`,
 * set when the headers are written) and destroys the socket when it is sent. Unmarked right after
 * the headers go out, the connection stays open for lingerThenClose to close.
 */
function keepOpenAfter(response: ServerResponse): void {
  const raw = response as ServerResponse & { _last?: boolean };
  const end = raw.end.bind(raw) as (...args: unknown[]) => ServerResponse;
  raw.end = ((...args: unknown[]) => {
    const result = end(...args);
    raw._last = false;
    return result;
  }) as ServerResponse["end"];
}

function lingerThenClose(request: IncomingMessage, response: ServerResponse): void {
  response.shouldKeepAlive = true; // Node then reads and drops the rest (req._dump) instead of closing
  const socket = request.socket;
  // (Fastify's inject() hands the request a stand-in socket without destroy(): nothing to close.)
  const timer = setTimeout(() => socket.destroy?.(), LINGER_MS);
  timer.unref();
  const close = () => {
    clearTimeout(timer);
    if (response.writableFinished) socket.end();
    else response.once("finish", () => socket.end());
  };
  if (request.complete) close();
  else request.once("end", close);
  socket.once("close", () => clearTimeout(timer));
}

/**
 * Call on the new Fastify instance: CONNECT, unknown Expect values and a missing Host get their
 * `{ error }` too, and an error sent before the body was read reaches the client.
 */
export function answerProtocolErrorsAsJson(app: FastifyInstance): void {
  const server: Server = app.server;
  server.on("connect", (_request: IncomingMessage, socket: Duplex) => {
    socket.on("error", () => {}); // a client that resets first: nothing to do
    socket.end(rawJsonAnswer(405, "This app is not a proxy: it does not take CONNECT. Send its API requests (POST /api/chat, ...) as plain HTTP."));
  });
  server.on("checkExpectation", (request: IncomingMessage, response: ServerResponse) => {
    const body = JSON.stringify({
      error: `The request's Expect header ("${String(request.headers.expect).slice(0, 100)}") asks for what this app does not do: send the request without it (only "Expect: 100-continue" is understood).`,
    });
    response.writeHead(417, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body), connection: "close" }).end(body);
  });
  app.addHook("onSend", async (request, reply, payload) => {
    const unread = reply.statusCode >= 400 && !request.raw.complete && !request.raw.destroyed;
    const small = !(Number(request.headers["content-length"]) > LINGER_MAX_BYTES);
    if (unread && small) {
      // The answer says `connection: close`, so that a keep-alive client (fetch) does not send its
      // next request on this connection, which closes once the body is in (lingerThenClose). But
      // Node, seeing that header, would close at once, with the body unread: keepOpenAfter stops that.
      reply.header("connection", "close");
      keepOpenAfter(reply.raw);
      lingerThenClose(request.raw, reply.raw);
    }
    return payload;
  });
  // HTTP/1.1 requires a Host header (HTTP/1.0 does not: the host check then answers it).
  app.addHook("onRequest", async (request, reply) => {
    if (request.headers.host !== undefined || request.raw.httpVersion !== "1.1") return;
    return reply.code(400).send({ error: "The request has no Host header, which HTTP/1.1 requires: send one naming this app (e.g. Host: localhost)." });
  });
}

/** A whole HTTP/1.1 answer, written straight to a socket that Fastify never saw. */
function rawJsonAnswer(statusCode: number, message: string): string {
  const body = JSON.stringify({ error: message });
  return (
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}
