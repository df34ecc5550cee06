// The terminal trace view: spans as an indented tree, one line per span, with the
// OpenInference kind as a badge and the few attributes a reader looks for first.
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import { ATTR_HTTP_RESPONSE_STATUS_CODE } from "@opentelemetry/semantic-conventions";
import { Chalk, type ChalkInstance } from "chalk";

export interface RenderOptions {
  /** colours on or off; default: on when stdout is a terminal */
  color?: boolean;
  /** spans started but never ended (the harness knows them), drawn in their place */
  unended?: ReadableSpan[];
}

const KIND = SemanticConventions.OPENINFERENCE_SPAN_KIND;

export function renderSpanTree(spans: readonly ReadableSpan[], options: RenderOptions = {}): string {
  const paint = new Chalk({ level: options.color ?? Boolean(process.stdout.isTTY) ? 1 : 0 });
  const unended = new Set(options.unended ?? []);
  const all = [...spans, ...unended];
  if (all.length === 0) return paint.dim("(no spans)");

  const ids = new Set(all.map((span) => span.spanContext().spanId));
  const childrenOf = new Map<string | undefined, ReadableSpan[]>();
  for (const span of all) {
    const parentId = span.parentSpanContext?.spanId;
    // A span whose parent is not among these spans is drawn as a root.
    const key = parentId && ids.has(parentId) ? parentId : undefined;
    childrenOf.set(key, [...(childrenOf.get(key) ?? []), span]);
  }
  for (const siblings of childrenOf.values()) siblings.sort((a, b) => compareTime(a.startTime, b.startTime));

  const lines: string[] = [];
  const walk = (span: ReadableSpan, prefix: string, connector: string, isRoot: boolean) => {
    lines.push(prefix + connector + describeSpan(span, paint, unended.has(span), isRoot));
    const children = childrenOf.get(span.spanContext().spanId) ?? [];
    const childPrefix = prefix + (connector === "" ? "" : connector === "└─ " ? "   " : "│  ");
    children.forEach((child, index) => walk(child, childPrefix, index === children.length - 1 ? "└─ " : "├─ ", false));
  };
  for (const root of childrenOf.get(undefined) ?? []) walk(root, "", "", true);
  return lines.join("\n");
}

function describeSpan(span: ReadableSpan, paint: ChalkInstance, unended: boolean, isRoot: boolean): string {
  const kind = span.attributes[KIND];
  const badge = kindBadge(typeof kind === "string" ? kind : undefined, paint);
  const parts = [badge, paint.bold(span.name)];
  parts.push(unended ? paint.red("NOT ENDED") : paint.dim(formatDuration(span.duration)));
  if (span.status.code === SpanStatusCode.ERROR) parts.push(paint.red(`ERROR${span.status.message ? `: ${oneLine(span.status.message)}` : ""}`));
  else if (span.status.code === SpanStatusCode.OK) parts.push(paint.green("OK"));
  const details = keyDetails(span);
  if (details) parts.push(paint.cyan(details));
  if (isRoot && span.parentSpanContext?.spanId) parts.push(paint.dim(`(parent ${span.parentSpanContext.spanId} not here)`));
  return parts.join(" ");
}

function kindBadge(kind: string | undefined, paint: ChalkInstance): string {
  switch (kind) {
    case "CHAIN":
      return paint.bgBlue.white(" CHAIN ");
    case "LLM":
      return paint.bgMagenta.white(" LLM ");
    case "TOOL":
      return paint.bgYellow.black(" TOOL ");
    case "RETRIEVER":
    case "EMBEDDING":
    case "AGENT":
      return paint.bgCyan.black(` ${kind} `);
    case undefined:
      return paint.bgRed.white(" NO KIND ");
    default:
      return paint.bgGray.white(` ${kind} `);
  }
}

/** The attributes worth a glance: model and tokens, tool name, the error. */
function keyDetails(span: ReadableSpan): string {
  const a = span.attributes;
  const out: string[] = [];
  // An HTTP call (lesson 9): which side of it the span is, and the status code.
  if (span.kind === SpanKind.CLIENT) out.push("client");
  if (span.kind === SpanKind.SERVER) out.push("server");
  const httpStatus = a[ATTR_HTTP_RESPONSE_STATUS_CODE];
  if (httpStatus !== undefined) out.push(`http=${httpStatus}`);
  const model = a[SemanticConventions.LLM_MODEL_NAME];
  if (model !== undefined) out.push(`model=${model}`);
  const prompt = a[SemanticConventions.LLM_TOKEN_COUNT_PROMPT];
  const completion = a[SemanticConventions.LLM_TOKEN_COUNT_COMPLETION];
  const total = a[SemanticConventions.LLM_TOKEN_COUNT_TOTAL];
  if (prompt !== undefined || completion !== undefined || total !== undefined) {
    out.push(`tokens=${prompt ?? "?"}+${completion ?? "?"}=${total ?? "?"}`);
  }
  const finish = a[SemanticConventions.LLM_FINISH_REASON];
  if (finish !== undefined) out.push(`finish=${finish}`);
  const tool = a[SemanticConventions.TOOL_NAME];
  if (tool !== undefined) out.push(`tool=${tool}`);
  // Retrieval (lesson 12): the embedding model, and the documents found with their scores, best first.
  const embeddingModel = a[SemanticConventions.EMBEDDING_MODEL_NAME];
  if (embeddingModel !== undefined) out.push(`model=${embeddingModel}`);
  if (a[SemanticConventions.OPENINFERENCE_SPAN_KIND] === "RETRIEVER") out.push(`docs=${retrievedDocuments(span) || "none"}`);
  // Streamed calls (lesson 8): the time to first token, and a stream the caller stopped.
  const firstToken = span.events.find((event) => event.name === "First Token Stream Event");
  if (firstToken) out.push(`first-token=${formatDuration(hrDifference(firstToken.time, span.startTime))}`);
  if (span.events.some((event) => event.name === "Stream Stopped Event")) out.push("stopped");
  const session = a[SemanticConventions.SESSION_ID];
  if (session !== undefined) out.push(`session=${session}`);
  const exception = span.events.find((event) => event.name === "exception");
  // OpenTelemetry records a DOMException's numeric code as its type (20 for an AbortError): show the name then.
  const recordedType = exception?.attributes?.["exception.type"];
  const nameInStack = /^(\w+)(?=:)/.exec(String(exception?.attributes?.["exception.stacktrace"] ?? ""))?.[1];
  const exceptionType = recordedType !== undefined && /^\d+$/.test(String(recordedType)) ? (nameInStack ?? `code ${recordedType}`) : recordedType;
  if (exceptionType !== undefined) out.push(`exception=${exceptionType}`);
  return out.join(" ");
}

/** "paris-seasons:0.53,cairo-seasons:0.25": each document's id (or its position) and score. */
function retrievedDocuments(span: ReadableSpan): string {
  const found: string[] = [];
  for (let index = 0; ; index++) {
    const key = `${SemanticConventions.RETRIEVAL_DOCUMENTS}.${index}.`;
    const id = span.attributes[key + SemanticConventions.DOCUMENT_ID];
    const score = span.attributes[key + SemanticConventions.DOCUMENT_SCORE];
    if (id === undefined && score === undefined) break;
    found.push(`${id ?? `#${index}`}${typeof score === "number" ? `:${score.toFixed(2)}` : ""}`);
  }
  return found.join(",");
}

function hrDifference(later: readonly [number, number], earlier: readonly [number, number]): [number, number] {
  const nanos = (later[0] - earlier[0]) * 1e9 + (later[1] - earlier[1]);
  return [Math.floor(nanos / 1e9), nanos % 1e9];
}

export function formatDuration([seconds, nanos]: readonly [number, number]): string {
  const ms = seconds * 1000 + nanos / 1e6;
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)}s` : `${ms.toFixed(ms < 10 ? 1 : 0)}ms`;
}

function compareTime(a: readonly [number, number], b: readonly [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** A provider's message may span lines; one span is one line of the tree. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ⏎ ");
}
