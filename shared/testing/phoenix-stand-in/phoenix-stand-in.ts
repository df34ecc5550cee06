// A stand-in for Phoenix's REST API, for the tests of the feedback-and-evals lesson: it serves
// POST /v1/span_annotations as Phoenix does, checks each body against Phoenix's own OpenAPI
// schema (span-annotations.openapi.json, taken from a running Phoenix) and answers a body that
// does not fit with Phoenix's 422. It keeps the annotations as Phoenix would: one per span,
// name and identifier, a later one replacing the earlier. It can refuse everything (401, as a
// Phoenix that wants an API key) to show what the chatbot does then.
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { validateAgainst, type JsonSchema, type OpenApiDocument, type SchemaProblem } from "./openapi-schema.ts";

export const SPAN_ANNOTATIONS_PATH = "/v1/span_annotations";

const openapi = JSON.parse(readFileSync(new URL("./span-annotations.openapi.json", import.meta.url), "utf8")) as OpenApiDocument & {
  paths: Record<string, { post: { requestBody: { content: Record<string, { schema: JsonSchema }> } } }>;
};
const BODY_SCHEMA = openapi.paths[SPAN_ANNOTATIONS_PATH]!.post.requestBody.content["application/json"]!.schema;

/** One annotation as the request sent it (span_id, name, annotator_kind, result, metadata, identifier). */
export interface SentAnnotation {
  span_id: string;
  name: string;
  annotator_kind: string;
  result?: { label?: string | null; score?: number | null; explanation?: string | null } | null;
  metadata?: Record<string, unknown> | null;
  identifier?: string;
}

export interface AnnotationRequest {
  headers: IncomingHttpHeaders;
  /** the body as sent (parsed when it is JSON) */
  body: unknown;
  /** what Phoenix's schema says is wrong with it; empty: Phoenix takes it */
  problems: SchemaProblem[];
  /** the status the stand-in answered */
  status: number;
}

export interface PhoenixStandIn {
  url: string;
  /** every POST /v1/span_annotations, in order */
  requests: AnnotationRequest[];
  /** what Phoenix would hold now: one annotation per span, name and identifier, the latest of each */
  annotations(): SentAnnotation[];
  /** from now on answer every request with this status (401: Phoenix wants an API key); undefined: take them again */
  refuse(status: number | undefined): void;
  /** forget every request and annotation (a refusal stays until refuse(undefined)) */
  reset(): void;
  close(): Promise<void>;
}

export async function startPhoenixStandIn(): Promise<PhoenixStandIn> {
  const requests: AnnotationRequest[] = [];
  const stored = new Map<string, SentAnnotation>();
  let refusing: number | undefined;

  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const answer = (status: number, body: unknown) =>
      response.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json" }).end(typeof body === "string" ? body : JSON.stringify(body));
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "POST" || path !== SPAN_ANNOTATIONS_PATH) return answer(404, { detail: "Not Found" });

    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // kept as text: the schema check says it is not an object
    }
    const problems = validateAgainst(openapi, BODY_SCHEMA, body);
    const record: AnnotationRequest = { headers: request.headers, body, problems, status: 200 };
    requests.push(record);
    if (refusing !== undefined) {
      record.status = refusing;
      return answer(refusing, refusing === 401 ? "Invalid token" : "Forbidden");
    }
    if (problems.length > 0) {
      record.status = 422;
      return answer(422, { detail: problems.map((problem) => ({ type: "value_error", ...problem })) });
    }
    const data = (body as { data: SentAnnotation[] }).data;
    const ids = data.map((annotation) => {
      const key = JSON.stringify([annotation.span_id, annotation.name, annotation.identifier ?? ""]);
      stored.delete(key); // re-inserted last: the latest comes last
      stored.set(key, annotation);
      return { id: Buffer.from(`SpanAnnotation:${key}`).toString("base64") };
    });
    answer(200, { data: ids });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    annotations: () => [...stored.values()],
    refuse(status) {
      refusing = status;
    },
    reset() {
      requests.length = 0;
      stored.clear();
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
