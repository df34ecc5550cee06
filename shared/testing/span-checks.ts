// The checks lesson tests are written with. Each one fails with a LessonFailure that shows
// the learner's own span tree and names the usual mistake (a span never ended, a wrong key,
// a lost parent), so a red test teaches instead of just saying "false".
import { SpanKind, SpanStatusCode, type AttributeValue, type HrTime } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import { lessonNamed, type Lesson } from "../lessons/catalog.ts";
import { hintReference } from "../lessons/check-contract.ts";
import type { SpanCapture } from "./capture-spans.ts";
import { recordChecked } from "./checked-keys.ts";
import { droppedValueMistake, jsonInJsonMistake, shapeMistake } from "./value-shapes.ts";
import { LessonFailure, formatFailure, type FailureReport } from "./lesson-failure.ts";

const KIND = SemanticConventions.OPENINFERENCE_SPAN_KIND;

/** What a check expects of an attribute: an exact value, or a named predicate. */
export interface Expectation {
  describe: string;
  test(value: AttributeValue | undefined): boolean;
}

export const expectations = {
  anyString: { describe: "a non-empty string", test: (v) => typeof v === "string" && v.length > 0 } as Expectation,
  anyInteger: { describe: "an integer", test: (v) => typeof v === "number" && Number.isInteger(v) } as Expectation,
  positiveInteger: {
    describe: "a positive integer",
    test: (v) => typeof v === "number" && Number.isInteger(v) && v > 0,
  } as Expectation,
  /** a JSON string; `check` gets the parsed value */
  json(describe: string, check: (parsed: unknown) => boolean = () => true): Expectation {
    return {
      describe: `a JSON string: ${describe}`,
      test(value) {
        if (typeof value !== "string") return false;
        try {
          return check(JSON.parse(value));
        } catch {
          return false;
        }
      },
    };
  },
  oneOf(values: AttributeValue[]): Expectation {
    return { describe: `one of ${values.map(show).join(", ")}`, test: (v) => values.some((x) => sameValue(x, v)) };
  },
  matching(describe: string, test: (value: AttributeValue | undefined) => boolean): Expectation {
    return { describe, test };
  },
};

export interface SpanQuery {
  /** openinference.span.kind: "CHAIN", "LLM", "TOOL", ... */
  kind?: string;
  name?: string;
  /** OpenTelemetry's own kind (SpanKind.SERVER, SpanKind.CLIENT, ...), a separate thing (lesson 9) */
  spanKind?: SpanKind;
}

export interface CheckOptions {
  /** the hint to point at when this check fails */
  hint?: number;
  /** the hint to point at when the span exists but was never ended (default: `hint`) */
  hintIfNotEnded?: number;
  /** the usual cause of this failure, shown when the check cannot tell a more precise one */
  usualMistake?: string;
  /** the mistake, when the caller has the evidence for it (it wins over what the check would guess) */
  mistake?: string;
}

export class SpanChecks {
  constructor(
    private readonly capture: SpanCapture,
    /** the lesson whose tests run these checks: failures point at its README's hints */
    private readonly lesson: Pick<Lesson, "number" | "slug">,
    /** set on the view `taughtIn(name)` returns: failures say which earlier lesson taught the thing */
    private readonly teacher?: Pick<Lesson, "number" | "slug" | "title">,
  ) {}

  /**
   * The same checks, for what an earlier lesson taught, named as in lessons.json without its
   * number ("sessions"): a failure starts "Taught in lesson N" and points at that lesson's
   * hints, so a learner who broke earlier work knows where to look.
   */
  taughtIn(lessonName: string): SpanChecks {
    const teacher = lessonNamed(lessonName);
    if (teacher.number >= this.lesson.number) return this;
    return new SpanChecks(this.capture, this.lesson, teacher);
  }

  /**
   * The same checks, on the spans of one trace only: for a run of several turns (lesson 7 on),
   * each its own trace, so each turn can be checked as if it had run alone.
   */
  inTrace(traceId: string): SpanChecks {
    const capture = this.capture;
    const inIt = (spans: ReadableSpan[]) => spans.filter((span) => span.spanContext().traceId === traceId);
    const view: SpanCapture = {
      ...capture,
      finished: () => inIt(capture.finished()),
      unended: () => inIt(capture.unended()),
      openAtReturn: () => inIt(capture.openAtReturn()),
    };
    return new SpanChecks(view, this.lesson, this.teacher);
  }

  /**
   * A time of the span (an event's, its end) on the performance.now() clock, in ms: what the
   * stream tap stamps chunks with. Undefined for a span the capture did not see start.
   */
  onPerformanceClock(span: ReadableSpan, time: HrTime): number | undefined {
    // The SDK's own performance.now() at the span's start, when it has one (the Span it exports
    // keeps it); else the capture's, taken in onStart, a little later (after the attributes).
    const own = (span as { _performanceStartTime?: unknown })._performanceStartTime;
    const startedAt = typeof own === "number" ? own : this.capture.startedAt?.(span);
    if (startedAt === undefined) return undefined;
    const ms = (value: HrTime) => value[0] * 1000 + value[1] / 1e6;
    return startedAt + ms(time) - ms(span.startTime);
  }

  /** The ended spans whose parent is `parent`, in start order. */
  childrenOf(parent: ReadableSpan): ReadableSpan[] {
    return this.spans.filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId).sort(byStart);
  }

  /** An attribute holding JSON, parsed; fails (naming the key) when it is missing or not JSON. */
  json<T>(span: ReadableSpan, key: string, what: string, options: CheckOptions = {}): T {
    this.attribute(span, key, expectations.json(what), options);
    return JSON.parse(String(span.attributes[key])) as T;
  }

  get spans(): ReadableSpan[] {
    return this.capture.finished();
  }

  /** Spans started and not ended (yet). */
  unended(): ReadableSpan[] {
    recordChecked("ended");
    return this.capture.unended();
  }

  /** Spans that were still open when the code under test returned (see SpanCapture.markReturned). */
  openAtReturn(): ReadableSpan[] {
    return this.capture.openAtReturn();
  }

  /** Every ended span matching the query, in start order. */
  all(query: SpanQuery): ReadableSpan[] {
    if (query.kind) recordChecked(KIND);
    if (query.spanKind !== undefined) recordChecked(`SpanKind.${SpanKind[query.spanKind]}`);
    return this.spans.filter((span) => matches(span, query)).sort(byStart);
  }

  /** Exactly one ended span matching the query. */
  one(query: SpanQuery, what: string, options: CheckOptions = {}): ReadableSpan {
    const found = this.all(query);
    if (found.length === 1) return found[0]!;
    if (found.length > 1) {
      this.fail({
        headline: `Expected one ${what}, found ${found.length}.`,
        expected: `exactly one span with ${describeQuery(query)}`,
        got: found.map((span) => `"${span.name}"`).join(", "),
        ...options,
        mistake: options.mistake ?? "the span may be started twice, or a child span was given the same kind.",
      });
    }
    return this.missing(query, what, options);
  }

  /** At least `count` ended spans matching the query. */
  atLeast(count: number, query: SpanQuery, what: string, options: CheckOptions = {}): ReadableSpan[] {
    const found = this.all(query);
    if (found.length >= count) return found;
    if (found.length === 0) this.missing(query, what, options);
    return this.fail({
      headline: `Expected at least ${count} ${what}, found ${found.length}.`,
      expected: `${count} spans with ${describeQuery(query)}`,
      got: `${found.length}`,
      ...options,
    });
  }

  /** The span's attribute equals the value, or passes the expectation. */
  attribute(span: ReadableSpan, key: string, expected: AttributeValue | Expectation, options: CheckOptions = {}): void {
    recordChecked(key);
    const value = span.attributes[key];
    const ok = isExpectation(expected) ? expected.test(value) : sameValue(expected, value);
    if (ok) return;
    const shifted = value === undefined ? findShiftedIndexKey(span, key) : undefined;
    const nearMiss = value === undefined && !shifted ? findNearMissKey(span, key) : undefined;
    const dropped = value === undefined && this.capture.droppedValueKeys?.().has(key);
    const shape = isExpectation(expected) ? jsonInJsonMistake(key, value) : shapeMistake(key, expected, value);
    this.fail({
      headline: `${capitalize(describeSpan(span))} ${value === undefined ? "is missing" : "has the wrong value for"} "${key}".`,
      expected: isExpectation(expected) ? expected.describe : show(expected),
      got: value === undefined ? "(not set)" : show(value),
      ...options,
      mistake:
        options.mistake ??
        (shifted
          ? `"${shifted}" is set but its index 0 is not: indices start at 0 (the first item is .0.), as forEach((item, index) => ...) counts them.`
          : nearMiss
            ? separatorsDiffer(nearMiss, key)
              ? `you set "${nearMiss}": the same words with other separators. A flattened key is prefix.index.field with a dot between every part (\`\${prefix}.\${index}.\${MESSAGE_ROLE}\`); a single key comes whole from its constant.`
              : `you set "${nearMiss}", which is not the OpenInference key. Use the constant from @arizeai/openinference-semantic-conventions instead of typing the string.`
            : dropped
              ? droppedValueMistake(key)
              : shape),
    });
  }

  /** The span does not carry the attribute at all. */
  noAttribute(span: ReadableSpan, key: string, why: string, options: CheckOptions = {}): void {
    recordChecked(key);
    if (span.attributes[key] === undefined) return;
    this.fail({
      headline: `${capitalize(describeSpan(span))} should not have "${key}": ${why}`,
      expected: "(not set)",
      got: show(span.attributes[key]!),
      ...options,
    });
  }

  /** `child` is a direct child of `parent`, in the same trace. */
  childOf(child: ReadableSpan, parent: ReadableSpan, options: CheckOptions = {}): void {
    recordChecked("parent");
    const parentId = child.parentSpanContext?.spanId;
    if (parentId === parent.spanContext().spanId && child.spanContext().traceId === parent.spanContext().traceId) return;
    const lost = parentId === undefined;
    this.fail({
      headline: `${capitalize(describeSpan(child))} should be a child of ${describeSpan(parent)}.`,
      expected: `parent span id ${parent.spanContext().spanId}`,
      got: lost ? "no parent: it is a root span of its own trace" : `parent span id ${parentId}`,
      ...options,
      mistake:
        options.mistake ??
        (lost
          ? "the span lost its parent. Start it while the parent is active (inside the parent's tracer.startActiveSpan callback), and check that the tracer setup registers the AsyncLocalStorageContextManager, without which context is lost across await."
          : "the span hangs under another span. Start it inside the parent's startActiveSpan callback."),
    });
  }

  /** The span is a root: no parent at all. */
  isRoot(span: ReadableSpan, options: CheckOptions = {}): void {
    if (!span.parentSpanContext?.spanId) return;
    this.fail({
      headline: `${capitalize(describeSpan(span))} should be the root of the trace.`,
      expected: "no parent span",
      got: `parent span id ${span.parentSpanContext.spanId}`,
      ...options,
    });
  }

  status(span: ReadableSpan, code: "OK" | "ERROR", options: CheckOptions = {}): void {
    recordChecked("status");
    const wanted = code === "OK" ? SpanStatusCode.OK : SpanStatusCode.ERROR;
    if (span.status.code === wanted) return;
    this.fail({
      headline: `${capitalize(describeSpan(span))} should have status ${code}.`,
      expected: `span.setStatus({ code: SpanStatusCode.${code} })`,
      got: `${SpanStatusCode[span.status.code]}${span.status.message ? ` (${span.status.message})` : ""}`,
      ...options,
    });
  }

  /** The span carries an `exception` event, as span.recordException(error) writes it. */
  exceptionEvent(span: ReadableSpan, typeOrMessage?: RegExp, options: CheckOptions = {}): void {
    recordChecked("exception");
    const events = span.events.filter((event) => event.name === "exception");
    const describeEvent = (event: (typeof events)[number]) =>
      `${event.attributes?.["exception.type"]}: ${event.attributes?.["exception.message"]}`;
    // An event without exception.type is what recordException("a string") writes: not the error recorded.
    const recorded = events.filter((event) => event.attributes?.["exception.type"] !== undefined);
    if (recorded.length > 0 && (!typeOrMessage || recorded.some((event) => typeOrMessage.test(describeEvent(event))))) return;
    const stringPassed = events.some((event) => event.attributes?.["exception.type"] === undefined);
    this.fail({
      headline: `${capitalize(describeSpan(span))} should record the exception.`,
      expected: `an "exception" event${typeOrMessage ? ` matching ${typeOrMessage}` : ""} (span.recordException(error))`,
      got: events.length === 0 ? `events: [${span.events.map((event) => event.name).join(", ")}]` : events.map(describeEvent).join("; "),
      ...options,
      mistake:
        options.mistake ??
        (stringPassed
          ? "the exception event has no exception.type: a string was passed to recordException. Pass the error object itself, which also records its stack trace."
          : undefined),
    });
  }

  /** A list (messages, tools) is flattened into indexed keys, not stored as one JSON string under its prefix. */
  flattened(span: ReadableSpan, prefix: string, example: string, options: CheckOptions = {}): void {
    recordChecked(prefix);
    const blob = span.attributes[prefix];
    if (blob === undefined) return;
    this.fail({
      headline: `"${prefix}" is set as one attribute on ${describeSpan(span)}; OpenInference wants one attribute per field.`,
      expected: example,
      got: `${prefix} = ${String(blob).slice(0, 80)}`,
      ...options,
      mistake: options.mistake ?? "a JSON blob is not flattened. Phoenix only shows lists stored under indexed keys.",
    });
  }

  /** A plain condition, with the learner's words for it. */
  that(condition: boolean, report: Omit<FailureReport, "spans" | "unended" | "hint"> & CheckOptions): void {
    if (!condition) this.fail(report);
  }

  fail(report: Omit<FailureReport, "spans" | "unended" | "hint"> & CheckOptions): never {
    const hint = hintReference(this.teacher ?? this.lesson, report.hint);
    const mistake = report.mistake ?? report.usualMistake;
    const headline = this.teacher ? `Taught in lesson ${this.teacher.number} (${this.teacher.title}): ${report.headline}` : report.headline;
    throw new LessonFailure(formatFailure({ ...report, headline, mistake, spans: this.spans, unended: this.capture.unended(), hint }));
  }

  private missing(query: SpanQuery, what: string, options: CheckOptions): never {
    const unended = this.capture.unended().filter((span) => matches(span, query));
    if (unended.length > 0) {
      return this.fail({
        headline: `The ${what} was started but never ended, so it was never exported.`,
        expected: `an ended span with ${describeQuery(query)}`,
        got: `"${unended[0]!.name}" still open`,
        ...options,
        mistake: options.mistake ?? "call span.end() when the work is done, in a finally block so that errors end it too.",
        hint: options.hintIfNotEnded ?? options.hint,
      });
    }
    const sameName = query.name ? this.spans.filter((span) => span.name === query.name) : [];
    const wrongKind = query.kind
      ? this.spans.filter((span) => typeof span.attributes[KIND] === "string" && String(span.attributes[KIND]).toUpperCase() === query.kind && span.attributes[KIND] !== query.kind)
      : [];
    const noKind = this.spans.filter((span) => span.attributes[KIND] === undefined);
    return this.fail({
      headline: `No ${what} was found.`,
      expected: `a span with ${describeQuery(query)}`,
      got: this.spans.length === 0 ? "no spans at all" : `only ${this.spans.map((span) => `"${span.name}" (${show(span.attributes[KIND])})`).join(", ")}`,
      ...options,
      mistake:
        options.mistake ??
        (wrongKind.length > 0
          ? `"${wrongKind[0]!.name}" has kind "${wrongKind[0]!.attributes[KIND]}"; kinds are upper case. Use OpenInferenceSpanKind.${query.kind}.`
          : sameName.length > 0
            ? `"${query.name}" exists but with ${KIND} = ${show(sameName[0]!.attributes[KIND])}.`
            : noKind.length > 0 && query.kind
              ? `span "${noKind[0]!.name}" has no "${KIND}" attribute; Phoenix shows it as UNKNOWN. Set it with SemanticConventions.OPENINFERENCE_SPAN_KIND.`
              : this.spans.length === 0
                ? "no span was ended and exported: is the span started with the global tracer (trace.getTracer) and ended?"
                : undefined),
    });
  }
}

function matches(span: ReadableSpan, query: SpanQuery): boolean {
  return (
    (query.kind === undefined || span.attributes[KIND] === query.kind) &&
    (query.name === undefined || span.name === query.name) &&
    (query.spanKind === undefined || span.kind === query.spanKind)
  );
}

function byStart(a: ReadableSpan, b: ReadableSpan): number {
  return a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1];
}

function describeQuery(query: SpanQuery): string {
  const parts: string[] = [];
  if (query.kind) parts.push(`${KIND} = "${query.kind}"`);
  if (query.name) parts.push(`name "${query.name}"`);
  if (query.spanKind !== undefined) parts.push(`kind SpanKind.${SpanKind[query.spanKind]}`);
  return parts.join(" and ") || "any name";
}

/** "the LLM span "ChatCompletion"", for the middle of a sentence; see `capitalize` for its start. */
export function describeSpan(span: ReadableSpan): string {
  const kind = span.attributes[KIND];
  // Both ends of an HTTP call are CHAIN spans named alike ("POST /chat"): say which end.
  const end = span.kind === SpanKind.CLIENT ? "CLIENT " : span.kind === SpanKind.SERVER ? "SERVER " : "";
  return `the ${end}${typeof kind === "string" ? `${kind} ` : ""}span "${span.name}"`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function isExpectation(value: AttributeValue | Expectation): value is Expectation {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "test" in value;
}

function sameValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function show(value: AttributeValue | undefined): string {
  if (value === undefined) return "(not set)";
  const text = JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 160)}...` : text;
}

/** The same letters and digits, other dots, dashes or underscores: "input_value", "llm.input_messages.0message.role". */
function separatorsDiffer(key: string, wanted: string): boolean {
  return squash(key) === squash(wanted);
}

/** The key's letters and digits only. */
function squash(key: string): string {
  return key.toLowerCase().replace(/[._\-\s]/g, "");
}

/** A key on the span that is the wanted one with an index one higher, while index 0 is absent: counting from 1. */
function findShiftedIndexKey(span: ReadableSpan, wanted: string): string | undefined {
  const parts = wanted.split(".");
  for (let i = 0; i < parts.length; i++) {
    if (!/^\d+$/.test(parts[i]!)) continue;
    const at = (index: number) => [...parts.slice(0, i), String(index), ...parts.slice(i + 1)].join(".");
    const shifted = at(Number(parts[i]) + 1);
    if (span.attributes[shifted] !== undefined && span.attributes[at(0)] === undefined) return shifted;
  }
  return undefined;
}

/** A key on the span that looks like a typo of the wanted one: same letters, different separators, or a few edits away. */
function findNearMissKey(span: ReadableSpan, wanted: string): string | undefined {
  // Keys that differ only in their indices are other items of the same list, not typos.
  const shape = (key: string) => key.replace(/\.\d+(?=\.|$)/g, ".#");
  return Object.keys(span.attributes).find(
    (key) => key !== wanted && shape(key) !== shape(wanted) && !isOpenInferenceKey(key) && (separatorsDiffer(key, wanted) || editDistance(key, wanted) <= 3 || key.startsWith(`${wanted}_`) || wanted.startsWith(key + "s")),
  );
}

const KNOWN_KEYS = new Set<string>(Object.values(SemanticConventions));

/** A key made of OpenInference keys (input.value; llm.input_messages.0.message.role): another real key, not a typo. */
function isOpenInferenceKey(key: string): boolean {
  return key.split(/\.\d+\./).every((part) => KNOWN_KEYS.has(part));
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
