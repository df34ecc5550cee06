import { trace, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import { ATTR_HTTP_RESPONSE_STATUS_CODE } from "@opentelemetry/semantic-conventions";
import { afterAll, describe, expect, it } from "vitest";
import { installSpanCapture } from "../testing/capture-spans.ts";
import { formatDuration, renderSpanTree } from "./render-tree.ts";

const capture = installSpanCapture();
afterAll(() => capture.uninstall());
const tracer = trace.getTracer("trace-view-test");
const KIND = SemanticConventions.OPENINFERENCE_SPAN_KIND;

describe("the terminal trace view", () => {
  it("draws the tree with kind badges, status and the key attributes", async () => {
    await tracer.startActiveSpan("chat_turn", { attributes: { [KIND]: "CHAIN" } }, async (chain) => {
      const llm = tracer.startSpan("ChatCompletion", {
        attributes: {
          [KIND]: "LLM",
          [SemanticConventions.LLM_MODEL_NAME]: "workbook-offline",
          [SemanticConventions.LLM_TOKEN_COUNT_PROMPT]: 10,
          [SemanticConventions.LLM_TOKEN_COUNT_COMPLETION]: 5,
          [SemanticConventions.LLM_TOKEN_COUNT_TOTAL]: 15,
        },
      });
      llm.setStatus({ code: SpanStatusCode.OK });
      llm.end();
      const tool = tracer.startSpan("get_weather", { attributes: { [KIND]: "TOOL", [SemanticConventions.TOOL_NAME]: "get_weather" } });
      tool.recordException(new TypeError("bad city"));
      tool.setStatus({ code: SpanStatusCode.ERROR, message: "bad city" });
      tool.end();
      chain.end();
    });
    const lines = renderSpanTree(capture.finished(), { color: false }).split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ CHAIN  chat_turn \d/);
    expect(lines[1]).toMatch(/^├─  LLM  ChatCompletion .* OK model=workbook-offline tokens=10\+5=15$/);
    expect(lines[2]).toMatch(/^└─  TOOL  get_weather .* ERROR: bad city tool=get_weather exception=TypeError$/);
  });

  it("shows a RETRIEVER span's documents with their scores, best first, and an EMBEDDING span's model", () => {
    capture.reset();
    const documents = SemanticConventions.RETRIEVAL_DOCUMENTS;
    const retriever = tracer.startSpan("retrieve", {
      attributes: {
        [KIND]: "RETRIEVER",
        [`${documents}.0.${SemanticConventions.DOCUMENT_ID}`]: "paris-seasons",
        [`${documents}.0.${SemanticConventions.DOCUMENT_SCORE}`]: 0.5252,
        [`${documents}.1.${SemanticConventions.DOCUMENT_SCORE}`]: 0.2531,
      },
    });
    retriever.end();
    tracer.startSpan("retrieve", { attributes: { [KIND]: "RETRIEVER" } }).end();
    tracer.startSpan("CreateEmbeddings", { attributes: { [KIND]: "EMBEDDING", [SemanticConventions.EMBEDDING_MODEL_NAME]: "workbook-offline-embedding" } }).end();
    const lines = renderSpanTree(capture.finished(), { color: false }).split("\n");
    expect(lines[0]).toMatch(/RETRIEVER  retrieve .* docs=paris-seasons:0\.53,#1:0\.25$/);
    expect(lines[1]).toMatch(/RETRIEVER  retrieve .* docs=none$/);
    expect(lines[2]).toMatch(/EMBEDDING  CreateEmbeddings .* model=workbook-offline-embedding$/);
  });

  it("names a DOMException by its name, not the numeric code OpenTelemetry records as its type", () => {
    capture.reset();
    const llm = tracer.startSpan("ChatCompletion", { attributes: { [KIND]: "LLM" } });
    llm.recordException(new DOMException("This operation was aborted", "AbortError"));
    llm.end();
    expect(capture.finished()[0]!.events[0]!.attributes?.["exception.type"]).toBe("20");
    expect(renderSpanTree(capture.finished(), { color: false })).toMatch(/exception=AbortError$/);
  });

  it("marks a span without an OpenInference kind, and one never ended", () => {
    capture.reset();
    tracer.startSpan("mystery").end();
    const open = tracer.startSpan("still-open", { attributes: { [KIND]: "LLM" } });
    const text = renderSpanTree(capture.finished(), { color: false, unended: capture.unended() });
    expect(text).toContain(" NO KIND  mystery");
    expect(text).toContain("still-open NOT ENDED");
    open.end();
  });

  it("keeps a span on one line when its error message spans several (a provider's multi-line error)", () => {
    capture.reset();
    const span = tracer.startSpan("ChatCompletion", { attributes: { [KIND]: "LLM" } });
    span.setStatus({ code: SpanStatusCode.ERROR, message: "HTTP 400\n  invalid model\nsee the docs" });
    span.end();
    const tree = renderSpanTree(capture.finished(), { color: false });
    expect(tree.split("\n")).toHaveLength(1);
    expect(tree).toContain("ERROR: HTTP 400 ⏎ invalid model ⏎ see the docs");
  });

  it("says which side of an HTTP call a CLIENT or SERVER span is, and its status code", () => {
    capture.reset();
    tracer.startActiveSpan("POST /chat", { kind: SpanKind.CLIENT, attributes: { [KIND]: "CHAIN", [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200 } }, (client) => {
      tracer.startSpan("POST /chat", { kind: SpanKind.SERVER, attributes: { [KIND]: "CHAIN", [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200 } }).end();
      client.end();
    });
    const lines = renderSpanTree(capture.finished(), { color: false }).split("\n");
    expect(lines[0]).toMatch(/^ CHAIN  POST \/chat .* client http=200$/);
    expect(lines[1]).toMatch(/^└─  CHAIN  POST \/chat .* server http=200$/);
  });

  it("uses colour only when asked", () => {
    expect(renderSpanTree(capture.finished(), { color: true })).toMatch(/\u001b\[/);
    expect(renderSpanTree(capture.finished(), { color: false })).not.toMatch(/\u001b\[/);
    expect(renderSpanTree([], { color: false })).toBe("(no spans)");
  });

  it("formats durations for people", () => {
    expect(formatDuration([0, 4_500_000])).toBe("4.5ms");
    expect(formatDuration([0, 250_000_000])).toBe("250ms");
    expect(formatDuration([2, 500_000_000])).toBe("2.50s");
  });
});
