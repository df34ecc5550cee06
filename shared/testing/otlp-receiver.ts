// A real OTLP/HTTP receiver for the exporting lesson's tests, on a free port of 127.0.0.1: it
// takes POST /v1/traces as a collector or Phoenix would, keeps each request as it came (headers,
// raw body) and the spans decoded from it. It can also hang (take each request and never answer,
// as a collector that is stuck) or be closed (nothing listens: a collector that is down).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { gunzipSync, inflateSync } from "node:zlib";
import { decodeTraceExport, type OtlpSpan } from "./otlp-protobuf.ts";

export interface ReceivedExport {
  path: string;
  headers: IncomingHttpHeaders;
  /** the body as it came over the wire (compressed, when it was) */
  body: Buffer;
  /** the spans in it; empty when it could not be decoded as protobuf (see decodeError) */
  spans: OtlpSpan[];
  decodeError?: string;
}

export interface OtlpReceiver {
  /** the base URL, e.g. http://127.0.0.1:43121 (spans go to <url>/v1/traces) */
  url: string;
  /** every request, in order of arrival (while hanging: when it arrived, though never answered) */
  exports: ReceivedExport[];
  /** all the spans received so far */
  spans(): OtlpSpan[];
  /** "taking" answers each export 200; "hanging" takes each and never answers */
  mode: "taking" | "hanging";
  /** Answers every request held while hanging, and takes the next ones. */
  release(): void;
  /** Stops listening: the port refuses connections from then on. */
  close(): Promise<void>;
}

export async function startOtlpReceiver(mode: OtlpReceiver["mode"] = "taking"): Promise<OtlpReceiver> {
  const sockets = new Set<Socket>();
  const held: ServerResponse[] = [];
  const exports: ReceivedExport[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      const received: ReceivedExport = { path: (request.url ?? "/").split("?")[0]!, headers: request.headers, body, spans: [] };
      try {
        const encoding = request.headers["content-encoding"];
        const bytes = encoding === "gzip" ? gunzipSync(body) : encoding === "deflate" ? inflateSync(body) : body;
        received.spans = decodeTraceExport(bytes);
      } catch (error) {
        received.decodeError = (error as Error).message;
      }
      exports.push(received);
      if (receiver.mode === "hanging") held.push(response);
      else answer(response);
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const receiver: OtlpReceiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports,
    spans: () => exports.flatMap((received) => received.spans),
    mode,
    release() {
      receiver.mode = "taking";
      for (const response of held.splice(0)) answer(response);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}

/** An empty ExportTraceServiceResponse: everything accepted. */
function answer(response: ServerResponse): void {
  if (!response.destroyed) response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
}
