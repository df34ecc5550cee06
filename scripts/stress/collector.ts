// The stress run's stand-in for Phoenix, in the stress process on 127.0.0.1: an OTLP/HTTP
// collector that decodes every span it is sent ("taking"), or takes each connection and never
// answers ("hanging": an export waits until the exporter's timeout). It also answers what the
// app asks Phoenix besides spans: feedback annotations (200) and project lookups (404, so trace
// links fall back to Phoenix's redirect page).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { gunzipSync, inflateSync } from "node:zlib";
import { decodeTraceExport, type OtlpSpan } from "../../shared/testing/otlp-protobuf.ts";

export type CollectorMode = "taking" | "hanging";

export interface FakeCollector {
  url: string;
  mode: CollectorMode;
  spans: OtlpSpan[];
  /** POSTs to /v1/traces that held spans (the app's start-up probe is an empty one) */
  batches: number;
  /** every body POSTed to /v1/traces, uncompressed protobuf (to search for secrets); not kept while hanging */
  rawBatches: Buffer[];
  /** bodies that could not be decoded as an ExportTraceServiceRequest */
  decodeErrors: string[];
  /** the authorization headers the exports came with (PHOENIX_API_KEY as a bearer token) */
  authorizations: Set<string>;
  close(): Promise<void>;
}

export async function startCollector(mode: CollectorMode): Promise<FakeCollector> {
  const sockets = new Set<Socket>();
  const collector: FakeCollector = {
    url: "",
    mode,
    spans: [],
    batches: 0,
    rawBatches: [],
    decodeErrors: [],
    authorizations: new Set(),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((request, response) => handle(collector, request, response));
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  collector.url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return collector;
}

function handle(collector: FakeCollector, request: IncomingMessage, response: ServerResponse): void {
  const path = (request.url ?? "/").split("?")[0];
  if (collector.mode === "hanging") {
    request.resume(); // read and forget the body; never answer
    return;
  }
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    if (request.method === "POST" && path === "/v1/traces") {
      if (request.headers.authorization) collector.authorizations.add(request.headers.authorization);
      const body = Buffer.concat(chunks);
      if (body.length > 0) {
        collector.batches += 1;
        try {
          const encoding = request.headers["content-encoding"];
          const bytes = encoding === "gzip" ? gunzipSync(body) : encoding === "deflate" ? inflateSync(body) : body;
          // Kept uncompressed: the app sends gzip, and a secret is searched for in the bytes as encoded.
          collector.rawBatches.push(Buffer.from(bytes));
          collector.spans.push(...decodeTraceExport(bytes));
        } catch (error) {
          collector.decodeErrors.push((error as Error).message);
        }
      }
      // An empty ExportTraceServiceResponse: everything accepted.
      return response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    }
    if (request.method === "POST" && path === "/v1/span_annotations") {
      return response.writeHead(200, { "content-type": "application/json" }).end('{"data":[]}');
    }
    if (request.method === "GET" && path === "/healthz") return response.end("OK");
    response.writeHead(404, { "content-type": "application/json" }).end('{"detail":"Not Found"}');
  });
}
