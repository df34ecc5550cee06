// A stand-in for Phoenix's OTLP endpoint, for `npm run bench`, in a process of its own: it takes
// protobuf POSTs to /v1/traces, answers 200 with an empty ExportTraceServiceResponse, and counts
// the spans (GET /stats), so a traced run can be seen to really export. Stores nothing.
//
//   node --import tsx scripts/bench/fake-collector.ts     prints "listening on http://127.0.0.1:<port>"
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { gunzipSync, inflateSync } from "node:zlib";

export interface CollectorStats {
  /** POSTs to /v1/traces (the app's start-up probe, an empty export, counts too) */
  requests: number;
  spans: number;
  /** protobuf bytes received, after decompression */
  bytes: number;
}

/**
 * The spans in an OTLP ExportTraceServiceRequest, counted without decoding them: the walk reads
 * only the field headers of resource_spans (1) > scope_spans (2) > spans (2) and skips the rest.
 */
export function countSpans(body: Uint8Array): number {
  let spans = 0;
  forEachField(body, 0, body.length, (field, start, end) => {
    if (field !== 1) return; // resource_spans
    forEachField(body, start, end, (field, start, end) => {
      if (field !== 2) return; // scope_spans
      forEachField(body, start, end, (field) => {
        if (field === 2) spans += 1; // spans
      });
    });
  });
  return spans;
}

/** Calls `visit` for each length-delimited field of the message in body[start, end). */
function forEachField(body: Uint8Array, start: number, end: number, visit: (field: number, start: number, end: number) => void): void {
  let pos = start;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (pos >= end) throw new Error("truncated protobuf");
      const byte = body[pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  while (pos < end) {
    const tag = varint();
    const wireType = tag & 7;
    const field = Math.floor(tag / 8);
    if (wireType === 0) varint();
    else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else if (wireType === 2) {
      const length = varint();
      if (pos + length > end) throw new Error("truncated protobuf");
      visit(field, pos, pos + length);
      pos += length;
    } else throw new Error(`unexpected protobuf wire type ${wireType}`);
  }
}

function main(): void {
  const stats: CollectorStats = { requests: 0, spans: 0, bytes: 0 };
  const server = createServer((request, response) => {
    if (request.method === "GET" && request.url === "/stats") {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(stats));
      return;
    }
    if (request.method !== "POST" || request.url !== "/v1/traces") {
      response.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      let body: Uint8Array = Buffer.concat(chunks);
      const encoding = request.headers["content-encoding"];
      if (encoding === "gzip") body = gunzipSync(body);
      else if (encoding === "deflate") body = inflateSync(body);
      stats.requests += 1;
      stats.bytes += body.length;
      try {
        stats.spans += countSpans(body);
      } catch (error) {
        response.writeHead(400, { "content-type": "text/plain" }).end(`not an OTLP protobuf request: ${(error as Error).message}`);
        return;
      }
      // An empty ExportTraceServiceResponse: zero bytes of protobuf.
      response.writeHead(200, { "content-type": "application/x-protobuf", "content-length": "0" }).end();
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    console.log(`listening on http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);
  });
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
