// One HTTP/1.1 exchange over a plain TCP socket: the bytes go out exactly as given, so a request
// can be malformed in ways fetch() and node:http refuse to send (bad header bytes, two Host
// headers, a lying content-length, a broken chunked body, CONNECT). The answer is read until it
// is complete (content-length, chunked, or the server closing), bounded by a timeout.
import { connect } from "node:net";

export interface RawAnswer {
  /** undefined: no (complete) answer came */
  status?: number;
  /** header names in lower case; repeated headers joined with ", " */
  headers: Record<string, string>;
  body: Buffer;
  /** why there is no complete answer: the server closed or reset the connection, or the timeout */
  failure?: "closed" | "reset" | "refused" | "timeout" | "hung up";
  ms: number;
}

export interface ExchangeOptions {
  /** at most this long for the whole answer */
  timeoutMs?: number;
  /** a HEAD request: the answer has headers only */
  head?: boolean;
  /** close our side once the bytes are sent (the client has nothing more to say), as `curl` does not but a cut-off client may */
  halfClose?: boolean;
  /** hang up as soon as what has arrived satisfies this (a reader that leaves mid-stream) */
  hangUpWhen?: (received: Buffer) => boolean;
}

export function exchange(port: number, bytes: Buffer, { timeoutMs = 10_000, head = false, halfClose = false, hangUpWhen }: ExchangeOptions = {}): Promise<RawAnswer> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (answer: Omit<RawAnswer, "ms">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...answer, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish({ ...(parseAnswer(received, head, true) ?? { headers: {}, body: received }), failure: "timeout" }), timeoutMs);
    socket.on("connect", () => (halfClose ? socket.end(bytes) : socket.write(bytes, () => {})));
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (hangUpWhen?.(received)) return finish({ ...(parseAnswer(received, head, true) ?? { headers: {}, body: received }), failure: "hung up" });
      const answer = parseAnswer(received, head, false);
      if (answer) finish(answer);
    });
    socket.on("end", () => finish(parseAnswer(received, head, true) ?? { headers: {}, body: received, failure: "closed" }));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // A write refused after the server answered and closed (EPIPE) still leaves its answer to read.
      const answer = parseAnswer(received, head, true);
      const failure = error.code === "ECONNREFUSED" ? "refused" : error.code === "ECONNRESET" || error.code === "EPIPE" ? "reset" : "closed";
      finish(answer ?? { headers: {}, body: received, failure });
    });
  });
}

/** The final answer in `data` once complete (1xx interim answers skipped); undefined while more is to come. */
function parseAnswer(data: Buffer, head: boolean, ended: boolean): Omit<RawAnswer, "ms"> | undefined {
  let rest = data;
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end === -1) return undefined;
    const lines = rest.subarray(0, end).toString("latin1").split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "")?.[1]);
    if (!Number.isInteger(status)) return undefined;
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon === -1) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const body = rest.subarray(end + 4);
    if (status >= 100 && status < 200 && status !== 101) {
      rest = body; // 100 Continue: the real answer follows
      continue;
    }
    if (head || status === 204 || status === 304) return { status, headers, body: Buffer.alloc(0) };
    if (headers["transfer-encoding"]?.toLowerCase().includes("chunked")) {
      const decoded = dechunk(body);
      return decoded ? { status, headers, body: decoded } : ended ? { status, headers, body, failure: "closed" } : undefined;
    }
    if (headers["content-length"] !== undefined) {
      const length = Number(headers["content-length"]);
      if (body.length >= length) return { status, headers, body: body.subarray(0, length) };
      return ended ? { status, headers, body, failure: "closed" } : undefined;
    }
    return ended ? { status, headers, body } : undefined;
  }
}

/** A complete chunked body, decoded; undefined while the last (zero) chunk has not come. */
function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", pos);
    if (lineEnd === -1) return undefined;
    const size = Number.parseInt(data.subarray(pos, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    if (data.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    pos = lineEnd + 2 + size + 2;
  }
}
