// What the exporting lesson taught, checked on any later lesson's tracing.ts, against a real OTLP/HTTP
// receiver (otlp-receiver.ts): spans leave in batches, as gzip protobuf, with the project in the
// resource and the x-project-name header; a long conversation keeps every attribute and long
// values are cut; a collector that is down or hanging costs one warning and bounded memory, never
// an answer; a process that ends (by itself, SIGTERM, Ctrl-C) delivers its spans first; and the
// sampler keeps or drops whole traces. What depends on a fresh process runs in a child
// (export-scenario.ts), the rest with the learner's setup in this process, put back after.
import { spawn } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT_CONTEXT, TraceFlags, propagation, trace, type Context } from "@opentelemetry/api";
import { loggingErrorHandler, setGlobalErrorHandler } from "@opentelemetry/core";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import {
  LLM_OUTPUT_MESSAGES,
  LLM_TOKEN_COUNT_TOTAL,
  OUTPUT_VALUE,
  SEMRESATTRS_PROJECT_NAME,
  SESSION_ID,
  INPUT_VALUE,
} from "@arizeai/openinference-semantic-conventions";
import { lessonNamed, projectRoot, type Lesson } from "../../lessons/catalog.ts";
import { hintReference } from "../../lessons/check-contract.ts";
import type { SpanCapture } from "../capture-spans.ts";
import { recordChecked } from "../checked-keys.ts";
import { LessonFailure } from "../lesson-failure.ts";
import { LONG_HISTORY_MESSAGES, LONG_MESSAGE_LENGTH, SCENARIO_SESSION_ID, type ExportScenario } from "../export-scenario.ts";
import type { OtlpSpan } from "../otlp-protobuf.ts";
import { startOtlpReceiver, type OtlpReceiver } from "../otlp-receiver.ts";
import { unreachableServerUrl } from "../http-requests.ts";
import type { TracingModule } from "./tracer-setup.ts";

/** The hints of the exporting lesson's README, by topic. */
export const EXPORTING_HINTS = { limits: 1, sampler: 2, batches: 3, warning: 4, exit: 5, exporter: 6 } as const;

/** Values at least this long must arrive whole: a 60-message conversation's request is shorter. */
export const SHORTEST_SENSIBLE_VALUE_CAP = 8 * 1024;

/** The checks, bound to the lesson whose tests call them (a later lesson's failures say "Taught in lesson N"). */
export function exportingChecks(tracing: TracingModule, lessonDir: string, capture: SpanCapture, by: Pick<Lesson, "number">) {
  const taughtBy = lessonNamed("exporting");
  const fail = (headline: string, expected: string, got: string, mistake: string, hint: number): never => {
    const prefix = by.number > taughtBy.number ? `Taught in lesson ${taughtBy.number} (${taughtBy.title}), in this lesson's tracing.ts: ` : "";
    throw new LessonFailure(`${prefix}${headline}\n  expected: ${expected}\n  got:      ${got}\n\n  Likely mistake: ${mistake}\n\n  Next: read ${hintReference(taughtBy, hint)}`);
  };

  /** Runs the learner's setup in this process with these variables set, then puts the harness back. */
  const withLearnerSetup = async <T>(variables: Record<string, string>, work: () => Promise<T>): Promise<T> => {
    const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
    const warn = console.warn;
    console.warn = () => {}; // the learner's one warning, when the checks make exports fail on purpose
    // The tests' context manager stays: disabling it would exit every context it holds (the chat
    // server's, started inside a span); the learner's setup then keeps its own unregistered.
    trace.disable();
    propagation.disable();
    Object.assign(process.env, variables);
    try {
      return await work();
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      console.warn = warn;
      setGlobalErrorHandler(loggingErrorHandler());
      if (!capture.reinstall) throw new Error("the exporting checks need a span capture that can be put back (installSpanCapture's)");
      capture.reinstall();
    }
  };

  /**
   * The learner's tracing.ts evaluated anew, after the check has set its variables: a module that
   * reads OTEL_TRACES_SAMPLER_ARG when it loads (a constant at its top, as production code may)
   * reads them too. Each import with its own query is a module instance of its own.
   */
  let freshCopies = 0;
  const freshTracing = async (): Promise<TracingModule> => (await import(`${pathToFileURL(path.join(lessonDir, "tracing.ts")).href}?check=${++freshCopies}`)) as TracingModule;

  /**
   * The chatbot in processes of its own, all started at once (each takes about a second to start):
   * the checks below await the run they need. startProcesses() starts them early, from a beforeAll.
   */
  let processes: ReturnType<typeof startAll> | undefined;
  const startAll = () => ({
    long: runScenario(lessonDir, "long-conversation", {}),
    exit: runScenario(lessonDir, "exit-after-turn", {}),
    sigterm: runScenario(lessonDir, "wait-for-signal", {}, "SIGTERM"),
    sigint: runScenario(lessonDir, "wait-for-signal", {}, "SIGINT"),
    down: unreachableServerUrl().then((nowhere) => runChild(lessonDir, "collector-down", { PHOENIX_COLLECTOR_ENDPOINT: nowhere, OTEL_BSP_SCHEDULE_DELAY: "10", OTEL_EXPORTER_OTLP_TIMEOUT: "1000" })),
    hanging: startOtlpReceiver("hanging").then(async (hanging) => {
      try {
        return await runChild(lessonDir, "exit-after-turn", { PHOENIX_COLLECTOR_ENDPOINT: hanging.url, OTEL_EXPORTER_OTLP_TIMEOUT: "500" });
      } finally {
        await hanging.close();
      }
    }),
  });
  const children = () => (processes ??= startAll());

  /** A root span with a child and a grandchild, through the global API, as the chatbot makes them. */
  /** Returns whether the root was recorded (the sampler kept it). */
  const traceOfThree = (name: string, parent: Context = ROOT_CONTEXT): boolean => {
    const tracer = trace.getTracer("exporting-check");
    return tracer.startActiveSpan(name, {}, parent, (root) => {
      tracer.startActiveSpan(`${name} child`, (child) => {
        tracer.startSpan(`${name} grandchild`).end();
        child.end();
      });
      root.end();
      return root.isRecording() || root.spanContext().traceFlags === TraceFlags.SAMPLED;
    });
  };

  return {
    /**
     * Starts the child processes the checks read, so that they run while the other checks do. Not
     * when WORKBOOK_EXPORT_PROCESSES=on-first-use (the mutation check and the diagnoses set it):
     * they stop a check at its first failure, which most of their runs meet before any check that
     * reads a child, so there the six start with the first such check, and most runs start none.
     */
    startProcesses(): void {
      if (process.env.WORKBOOK_EXPORT_PROCESSES === "on-first-use") return;
      children();
    },

    /** One request for a trace's spans, gzip protobuf, project header and resource, the API key. */
    async batchesAsGzipProtobuf(): Promise<void> {
      for (const key of ["spanProcessors", "CompressionAlgorithm.GZIP", "x-project-name", SEMRESATTRS_PROJECT_NAME]) recordChecked(key);
      const receiver = await startOtlpReceiver();
      let recorded = false;
      try {
        await withLearnerSetup({}, async () => {
          const exporter = tracing.phoenixExporter({ PHOENIX_COLLECTOR_ENDPOINT: receiver.url, PHOENIX_API_KEY: "workbook-test-key" });
          if (!exporter) fail("phoenixExporter() returned nothing although PHOENIX_COLLECTOR_ENDPOINT is set.", "an OTLPTraceExporter", "undefined", "return the exporter when PHOENIX_COLLECTOR_ENDPOINT is set.", EXPORTING_HINTS.exporter);
          const provider = tracing.setupTracing({ exporters: [exporter!] });
          recorded = [traceOfThree("batch"), traceOfThree("batch")].some(Boolean);
          await provider.shutdown().catch(() => undefined);
        });
      } finally {
        await receiver.close();
      }
      const sent = receiver.exports;
      if (sent.length === 0 && !recorded) {
        fail(
          "Your provider recorded nothing: its sampler dropped every trace, with OTEL_TRACES_SAMPLER_ARG not set.",
          "every trace kept when OTEL_TRACES_SAMPLER_ARG is not set (a ratio of 1)",
          "no span recorded",
          "the ratio is not a number: Number(undefined) and parseFloat(undefined) are NaN, which the TraceIdRatioBasedSampler takes as 0. Default it to 1 when the variable is unset (getNumberFromEnv(\"OTEL_TRACES_SAMPLER_ARG\") ?? 1).",
          EXPORTING_HINTS.sampler,
        );
      }
      if (sent.length === 0) fail("No request reached the OTLP receiver.", `POST ${receiver.url}/v1/traces`, "nothing", "the exporter is not in the provider's processors, or provider.shutdown() does not flush them.", EXPORTING_HINTS.batches);
      const first = sent[0]!;
      const contentType = String(first.headers["content-type"]);
      if (contentType !== "application/x-protobuf") {
        fail(
          "The spans were sent, but not as protobuf.",
          "content-type: application/x-protobuf",
          `content-type: ${contentType}`,
          contentType.includes("json")
            ? "this is the JSON exporter (@opentelemetry/exporter-trace-otlp-http): Phoenix answers it 415 Unsupported content type. Use OTLPTraceExporter from @opentelemetry/exporter-trace-otlp-proto."
            : "use OTLPTraceExporter from @opentelemetry/exporter-trace-otlp-proto.",
          EXPORTING_HINTS.exporter,
        );
      }
      const spans = receiver.spans();
      if (sent.length > 1 && sent.every((request) => request.spans.length <= 1)) {
        fail(
          `${spans.length} spans came in ${sent.length} requests, one span each.`,
          "the 6 spans of two traces in one request (a batch)",
          `${sent.length} requests of ${sent.map((request) => request.spans.length).join(", ")} spans`,
          "the SimpleSpanProcessor is kept: it exports each span the moment it ends, one request per span on the chat's path. A server batches: new BatchSpanProcessor(exporter) for each exporter.",
          EXPORTING_HINTS.batches,
        );
      }
      if (spans.length !== 6) fail("Not every span reached the receiver.", "6 spans (two traces of three)", `${spans.length}`, "provider.shutdown() exports what is queued: is every exporter in a processor?", EXPORTING_HINTS.batches);
      if (first.headers["content-encoding"] !== "gzip") {
        fail(
          "The spans were sent uncompressed.",
          "content-encoding: gzip",
          `${first.headers["content-encoding"] ? `content-encoding: ${first.headers["content-encoding"]}` : "no content-encoding"} (${first.body.length} bytes)`,
          "no gzip: spans are repetitive text, and gzip sends a fraction of the bytes. Give the exporter compression: CompressionAlgorithm.GZIP (from @opentelemetry/otlp-exporter-base), unless OTEL_EXPORTER_OTLP_COMPRESSION is set.",
          EXPORTING_HINTS.exporter,
        );
      }
      if (first.headers["x-project-name"] !== tracing.PROJECT_NAME) {
        fail(
          "The export does not name the Phoenix project in its headers.",
          `x-project-name: ${tracing.PROJECT_NAME}`,
          first.headers["x-project-name"] ? `x-project-name: ${String(first.headers["x-project-name"])}` : "no x-project-name header",
          'put { "x-project-name": PROJECT_NAME } in the exporter\'s headers: Phoenix reads the project from the header before it decodes a span, and a gateway or proxy in front of Phoenix can route by it (the resource attribute is what crosses a collector).',
          EXPORTING_HINTS.exporter,
        );
      }
      if (spans[0]!.resource[SEMRESATTRS_PROJECT_NAME] !== tracing.PROJECT_NAME) {
        fail(`The resource's "${SEMRESATTRS_PROJECT_NAME}" did not arrive.`, JSON.stringify(tracing.PROJECT_NAME), JSON.stringify(spans[0]!.resource[SEMRESATTRS_PROJECT_NAME] ?? "(not set)"), "keep the resource of the tracer-setup lesson.", EXPORTING_HINTS.exporter);
      }
      if (first.headers.authorization !== "Bearer workbook-test-key") {
        fail("PHOENIX_API_KEY is set, but the export does not send it.", "authorization: Bearer <the key>", first.headers.authorization ? "another authorization header" : "no authorization header", "keep the authorization header next to x-project-name in the exporter's headers.", EXPORTING_HINTS.exporter);
      }
    },

    /** A 60-message conversation, in a child process: every attribute arrives, long values are cut. */
    async longConversationKept(): Promise<void> {
      for (const key of ["attributeCountLimit", "attributeValueLengthLimit", OUTPUT_VALUE, LLM_TOKEN_COUNT_TOTAL, SESSION_ID, LLM_OUTPUT_MESSAGES]) recordChecked(key);
      const { receiver, run } = await children().long;
      const calls = receiver.spans().filter((span) => span.name === "ChatCompletion");
      const last = calls.sort((a, b) => b.startTimeUnixNano - a.startTimeUnixNano)[0];
      if (!last) return fail("The long conversation's LLM spans did not arrive.", "its ChatCompletion spans", `${receiver.spans().length} spans; ${run.describe()}`, "the chat turn ends with provider.shutdown(), which exports them: does setupTracing put every exporter in a processor?", EXPORTING_HINTS.batches);
      const inputMessages = LONG_HISTORY_MESSAGES + 2;
      const missing = [
        `llm.input_messages.${inputMessages - 1}.message.content`,
        `${LLM_OUTPUT_MESSAGES}.0.message.content`,
        OUTPUT_VALUE,
        LLM_TOKEN_COUNT_TOTAL,
        SESSION_ID,
      ].filter((key) => last.attributes[key] === undefined);
      if (last.droppedAttributesCount > 0 || missing.length > 0) {
        fail(
          `The LLM span of a ${inputMessages}-message conversation lost ${last.droppedAttributesCount} attributes.`,
          "every attribute: the last input message, the output, the token counts, the session id",
          `${Object.keys(last.attributes).length} kept, ${last.droppedAttributesCount} dropped; missing ${missing.join(", ")}`,
          `limits not raised: OpenTelemetry keeps ${Object.keys(last.attributes).length === 128 ? "128 (its default)" : Object.keys(last.attributes).length} attributes per span and drops the rest, the keys set last. Give the provider spanLimits: { attributeCountLimit: ... } for the longest conversation the chatbot accepts.`,
          EXPORTING_HINTS.limits,
        );
      }
      if (last.attributes[SESSION_ID] !== SCENARIO_SESSION_ID) fail("The session id did not arrive as it was set.", SCENARIO_SESSION_ID, String(last.attributes[SESSION_ID]), "keep the chat turn's context attributes.", EXPORTING_HINTS.limits);
      // The long message: the system prompt is message 0, then the history, whose fourth question is long.
      const long = last.attributes["llm.input_messages.7.message.content"];
      const request = last.attributes[INPUT_VALUE];
      const length = typeof long === "string" ? long.length : 0;
      if (length >= LONG_MESSAGE_LENGTH) {
        fail(
          `A message of ${LONG_MESSAGE_LENGTH} characters arrived whole.`,
          "long values cut at the length set in the provider's spanLimits",
          `${length} characters in llm.input_messages.7.message.content`,
          "value length not capped: with only the count raised, one pasted document can make a span, and the batch queue full of them, as big as it likes. Add attributeValueLengthLimit to spanLimits.",
          EXPORTING_HINTS.limits,
        );
      }
      const shortened = last.attributes["llm.input_messages.1.message.content"];
      if (length < SHORTEST_SENSIBLE_VALUE_CAP || typeof request !== "string" || request.length !== length || shortened !== "Question 1: what's the weather in Paris?") {
        fail(
          "Long values are cut, but not at one sensible length.",
          `every value cut at the same length, of at least ${SHORTEST_SENSIBLE_VALUE_CAP} characters (messages and a 60-message request arrive whole)`,
          `the long message cut to ${length}, input.value to ${typeof request === "string" ? request.length : "(missing)"}, a short message: ${JSON.stringify(shortened)}`,
          `attributeValueLengthLimit too low: it cuts every value longer than it, the ordinary ones too. Pick one for the longest ordinary value (the README's is 16 KiB).`,
          EXPORTING_HINTS.limits,
        );
      }
    },

    /** With nothing listening: the chat answers every turn, and the failure is said once. */
    async collectorDown(): Promise<void> {
      recordChecked("setGlobalErrorHandler");
      const down = await children().down;
      if (down.replies.length !== 3) fail("With the collector down, the chatbot did not answer every turn.", "3 replies", `${down.replies.length}; ${down.describe()}`, "an export must never be on the chat's path: let the batch processor send in the background, and let a failed export go no further than a warning.", EXPORTING_HINTS.batches);
      const warnings = down.stderr.split("\n").filter((line) => line.trim() !== "");
      const silent = "the failure is silent: a failed batch goes to OpenTelemetry's global error handler, which prints nothing by default. setGlobalErrorHandler(...) with a handler that warns once.";
      if (warnings.length === 0) {
        fail("With the collector down for three batches, nothing was said.", "one warning naming the failure", "no output on stderr", silent, EXPORTING_HINTS.warning);
      }
      const duringOutage = Number(/"linesWrittenDuringOutage":(\d+)/.exec(down.stdout)?.[1] ?? Number.NaN);
      if (duringOutage === 0) {
        fail(
          "With the collector down for three batches, nothing was said until the program ended.",
          "one warning while the collector is down, when the first batch fails",
          `nothing during the three turns; at the end: ${warnings[0]}`,
          `${silent} (The warning that came was the failed flush at exit: a server that runs for days would say nothing for the whole outage.)`,
          EXPORTING_HINTS.warning,
        );
      }
      if (warnings.length > 1) {
        fail(
          `With the collector down for three batches, ${warnings.length} lines were written.`,
          "one warning, then silence while the collector stays down",
          warnings.slice(0, 4).join(" | "),
          "a warning per batch (a diag logger, or a handler that prints every error): a collector down for an hour prints a line every few seconds. Remember that you warned.",
          EXPORTING_HINTS.warning,
        );
      }
      if (down.code !== 0) fail("With the collector down, the program did not end cleanly.", "exit code 0 (a warning, not a crash)", down.describe(), "a failed flush at exit must be caught: warn, do not throw.", EXPORTING_HINTS.exit);
    },

    /** With a receiver that never answers: the script answers and ends, and the queue stays bounded. */
    async collectorHanging(): Promise<void> {
      recordChecked("maxQueueSize");
      const stuck = await children().hanging;
      if (stuck.replies.length !== 1 || stuck.timedOut) {
        fail(
          "With a collector that never answers, the script did not answer and end.",
          "the reply, then the end of the process within the export timeout (OTEL_EXPORTER_OTLP_TIMEOUT=500)",
          stuck.describe(),
          "the flush at exit waits for the collector: the exporter's timeout (OTEL_EXPORTER_OTLP_TIMEOUT) bounds it, unless the code sets its own, longer one.",
          EXPORTING_HINTS.exit,
        );
      }
      // Memory: with the collector stuck, how many spans does the processor keep?
      const queue = 64;
      const hanging = await startOtlpReceiver("hanging");
      try {
        await withLearnerSetup({ OTEL_BSP_MAX_QUEUE_SIZE: String(queue), OTEL_BSP_MAX_EXPORT_BATCH_SIZE: String(queue), OTEL_EXPORTER_OTLP_TIMEOUT: "2000" }, async () => {
          const provider = tracing.setupTracing({ exporters: [tracing.phoenixExporter({ PHOENIX_COLLECTOR_ENDPOINT: hanging.url })!] });
          const before = hanging.spans().length;
          const tracer = trace.getTracer("exporting-check");
          // Ended while the first batch hangs on its way: what does not fit in the queue must be dropped.
          for (let index = 0; index < 10 * queue; index++) tracer.startSpan(`queued ${index}`).end();
          hanging.release();
          await provider.shutdown().catch(() => undefined);
          const kept = hanging.spans().length - before;
          if (kept > 2 * queue) {
            fail(
              `With the collector stuck, the processor kept ${kept} of ${10 * queue} spans.`,
              `at most the queue (OTEL_BSP_MAX_QUEUE_SIZE=${queue}) and the batch on its way`,
              `${kept} spans delivered once the collector answered`,
              "the queue is not bounded, or OTEL_BSP_MAX_QUEUE_SIZE is not honoured: a value in code wins over the variable. Keep the BatchSpanProcessor's maxQueueSize bounded, and leave it to the variable.",
              EXPORTING_HINTS.batches,
            );
          }
        });
      } finally {
        await hanging.close();
      }
    },

    /** A script that just ends, and one stopped by SIGTERM or Ctrl-C, delivers its turn's spans. */
    async flushedOnExit(): Promise<void> {
      for (const key of ["beforeExit", "process.once", "SIGTERM", "SIGINT"]) recordChecked(key);
      const cases: Array<[string, NodeJS.Signals | undefined]> = [
        ["a script that ends after its turn", undefined],
        ["a process stopped by SIGTERM", "SIGTERM"],
        ["a process stopped by Ctrl-C (SIGINT)", "SIGINT"],
      ];
      const runs = await Promise.all([children().exit, children().sigterm, children().sigint]);
      runs.forEach(({ receiver, run }, index) => {
        const [what, signal] = cases[index]!;
        const spans = receiver.spans();
        const turn = spans.find((span) => span.name === "chat_turn");
        const orphans = spans.filter((span) => span.parentSpanId && !spans.some((other) => other.spanId === span.parentSpanId));
        if (signal && run.timedOut) {
          fail(
            `${what} did not end.`,
            `the spans flushed, then the end of the process (exit code ${128 + (signal === "SIGINT" ? 2 : 15)})`,
            `still running ${SIGNAL_GRACE_MS / 1000} s after the signal; ${spans.length} spans arrived`,
            "the signal handler flushes but never ends the process: a handler replaces the default action (ending it), so end it yourself after the flush: process.exit(128 + signal number).",
            EXPORTING_HINTS.exit,
          );
        }
        if (!turn || orphans.length > 0 || !spans.some((span) => span.name === "ChatCompletion")) {
          fail(
            `${what} did not deliver its spans.`,
            "the turn's chat_turn span and every span under it",
            `${spans.length} spans arrived${turn ? `, ${orphans.length} without their parent` : ", no chat_turn"}; ${run.describe()}`,
            signal
              ? `no flush on ${signal}: the batch still held the spans when the signal ended the process. process.once("${signal}", ...) shuts the provider down, then ends the process.`
              : 'no flush on exit: the batch timer does not keep a process alive, so the last spans are still queued when a script ends. process.once("beforeExit", () => provider.shutdown()).',
            EXPORTING_HINTS.exit,
          );
        }
      });
    },

    /** Whole traces kept or dropped at the ratio; a caller's decision followed. */
    async samplerKeepsTracesWhole(): Promise<void> {
      recordChecked("parent");
      const traces = 40;
      await withLearnerSetup({ OTEL_TRACES_SAMPLER_ARG: "0.5" }, async () => {
        const exporter = new InMemorySpanExporter();
        const provider = (await freshTracing()).setupTracing({ exporters: [exporter] });
        for (let index = 0; index < traces; index++) traceOfThree(`trace ${index}`);
        await provider.forceFlush();
        const byTrace = new Map<string, number>();
        for (const span of exporter.getFinishedSpans()) byTrace.set(span.spanContext().traceId, (byTrace.get(span.spanContext().traceId) ?? 0) + 1);
        const broken = [...byTrace.values()].filter((count) => count !== 3).length;
        if (broken > 0) {
          fail(
            `${broken} of the kept traces arrived with spans missing.`,
            "each trace whole (its root, child and grandchild) or not at all",
            `span counts per kept trace: ${[...byTrace.values()].join(", ")}`,
            "a sampler that drops children of a kept root: it decides for each span on its own (Math.random()?). A ParentBasedSampler decides at the root and every span below follows it.",
            EXPORTING_HINTS.sampler,
          );
        }
        if (byTrace.size === traces || byTrace.size === 0) {
          fail(
            `With OTEL_TRACES_SAMPLER_ARG=0.5, ${byTrace.size} of ${traces} traces were kept.`,
            "about half of them",
            `${byTrace.size}`,
            "the ratio is not applied: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }), the ratio read from OTEL_TRACES_SAMPLER_ARG (1 when unset).",
            EXPORTING_HINTS.sampler,
          );
        }
        await provider.shutdown();
      });
      await withLearnerSetup({ OTEL_TRACES_SAMPLER_ARG: "0" }, async () => {
        const exporter = new InMemorySpanExporter();
        const provider = (await freshTracing()).setupTracing({ exporters: [exporter] });
        const caller = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", isRemote: true };
        traceOfThree("sampled caller", trace.setSpanContext(ROOT_CONTEXT, { ...caller, traceFlags: TraceFlags.SAMPLED }));
        traceOfThree("own root");
        await provider.forceFlush();
        const names = exporter.getFinishedSpans().map((span) => span.name);
        if (names.filter((name) => name.startsWith("sampled caller")).length !== 3) {
          fail(
            "A caller's trace, sampled by the caller (traceparent ...-01), was dropped.",
            "the 3 spans under the caller's sampled span, whatever the ratio (OTEL_TRACES_SAMPLER_ARG=0 here)",
            `${names.length} spans: ${names.join(", ") || "none"}`,
            "the sampler ignores the caller's decision (a TraceIdRatioBasedSampler alone): the caller keeps its half of the trace and yours is missing. Wrap it: new ParentBasedSampler({ root: ... }).",
            EXPORTING_HINTS.sampler,
          );
        }
        if (names.some((name) => name.startsWith("own root"))) {
          fail("With OTEL_TRACES_SAMPLER_ARG=0, a new trace was kept.", "no new trace kept", names.join(", "), "the ratio is not read from OTEL_TRACES_SAMPLER_ARG.", EXPORTING_HINTS.sampler);
        }
        await provider.shutdown();
      });
    },
  };
}

/**
 * How long a child scenario may take. It needs about a second (Node, tsx and OpenTelemetry to load,
 * then milliseconds of work), but the checks start six at once, and the mutation check runs two
 * lessons' checks side by side: on a loaded 2-core machine each then takes 5-15 s.
 */
export const CHILD_TIMEOUT_MS = 40_000;
/** How long a child may take to end after the signal: a flush to a receiver that answers at once. */
export const SIGNAL_GRACE_MS = 4_000;

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  replies: string[];
  timedOut: boolean;
  describe(): string;
}

/** A scenario against a receiver of its own, taking spans. */
async function runScenario(lessonDir: string, scenario: ExportScenario, variables: Record<string, string>, signal?: NodeJS.Signals): Promise<{ receiver: OtlpReceiver; run: ChildRun }> {
  const receiver = await startOtlpReceiver();
  try {
    const run = await runChild(lessonDir, scenario, { PHOENIX_COLLECTOR_ENDPOINT: receiver.url, ...variables }, signal);
    return { receiver, run };
  } finally {
    await receiver.close();
  }
}

/** Runs export-scenario.ts in a child process with only these variables of OpenTelemetry's, Phoenix's and the model's. */
function runChild(lessonDir: string, scenario: ExportScenario, variables: Record<string, string>, signal?: NodeJS.Signals): Promise<ChildRun> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(OTEL_|PHOENIX_|OPENAI_)/.test(name)));
  const script = path.join(projectRoot, "shared", "testing", "export-scenario.ts");
  const child = spawn(process.execPath, ["--import", "tsx", script, lessonDir, scenario], { env: { ...env, ...variables }, stdio: ["pipe", "pipe", "pipe"] });
  // Its stdin is how it knows this process is alive: when a check is stopped (a save, a mutant killed) and this process with it, the pipe ends, and so does the child.
  let stdout = "";
  let stderr = "";
  let timedOut = false;
  let signalled = false;
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (signal && !signalled && /^ready$/m.test(stdout)) {
      signalled = true;
      child.kill(signal);
      setTimeout(() => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        timedOut = true;
        child.kill("SIGKILL");
      }, SIGNAL_GRACE_MS).unref();
    }
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const watchdog = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, CHILD_TIMEOUT_MS);
  return new Promise((resolve) => {
    child.on("close", (code, exitSignal) => {
      clearTimeout(watchdog);
      const replies = stdout.split("\n").flatMap((line) => {
        try {
          const parsed = JSON.parse(line) as { reply?: unknown };
          return typeof parsed.reply === "string" ? [parsed.reply] : [];
        } catch {
          return [];
        }
      });
      const describe = () =>
        `${timedOut ? `stopped after ${CHILD_TIMEOUT_MS / 1000} s` : `exit code ${code ?? exitSignal}`}${stderr.trim() ? `, stderr: ${stderr.trim().split("\n").slice(0, 3).join(" | ")}` : ""}`;
      resolve({ code, signal: exitSignal, stdout, stderr, replies, timedOut, describe });
    });
  });
}
