// Phoenix stuck: it takes the connection and never answers, so an export waits and the spans of
// new turns arrive meanwhile. The batch processor must keep at most OTEL_BSP_MAX_QUEUE_SIZE of
// them and drop the rest, or the app's memory would grow for as long as Phoenix hangs.
// Seen from outside: how many spans ever reach the exporter once Phoenix is back.
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, expect, it, vi } from "vitest";
import { connectModel } from "../../../shared/chatbot/connect-model.ts";
import { buildServer } from "./server.ts";
import { setupTracing } from "./tracing.ts";
import { closedPortUrl } from "./test-support/closed-port.ts";

const QUEUE_SIZE = 30;
const BATCH_SIZE = 10;
const TURNS = 20; // 8 spans each (with retrieval's two): 160 spans, more than five times what the queue holds

/** An exporter whose exports never finish until release(); after that they fail at once. */
class StuckExporter implements SpanExporter {
  spansReceived = 0;
  private waiting: Array<(result: ExportResult) => void> = [];
  private released = false;

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.spansReceived += spans.length;
    if (this.released) done({ code: ExportResultCode.FAILED, error: new Error("still down") });
    else this.waiting.push(done);
  }

  release(): void {
    this.released = true;
    for (const done of this.waiting.splice(0)) done({ code: ExportResultCode.FAILED, error: new Error("timed out") });
  }

  async shutdown(): Promise<void> {}
}

afterAll(() => {
  vi.unstubAllEnvs();
});

it(`with Phoenix stuck, keeps at most OTEL_BSP_MAX_QUEUE_SIZE spans waiting and drops the rest`, async () => {
  // The batch processor reads these when setupTracing() creates it, as it does in `npm run app`.
  vi.stubEnv("OTEL_BSP_MAX_QUEUE_SIZE", String(QUEUE_SIZE));
  vi.stubEnv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", String(BATCH_SIZE));
  vi.stubEnv("OTEL_BSP_SCHEDULE_DELAY", "60000"); // batches go out when full, not on a timer
  const exporter = new StuckExporter();
  const provider = setupTracing({ projectName: "phoenix-stuck", exporter });
  const model = await connectModel({ env: {} });
  const app = await buildServer({
    config: { phoenixUrl: await closedPortUrl(), phoenixApiKey: undefined, projectName: "phoenix-stuck", modelTimeoutMs: 5000 },
    model,
    flushSpans: async () => {},
    log: () => {},
  });
  try {
    for (let turn = 0; turn < TURNS; turn++) {
      const response = await app.inject({
        method: "POST",
        url: "/api/chat",
        payload: { messages: [{ role: "user", content: "What's the weather in Paris and in Tokyo?" }] },
      });
      expect(response.statusCode, "the app keeps answering while Phoenix hangs").toBe(200);
    }
    expect(exporter.spansReceived, "one batch is out, stuck; the others wait in the queue").toBe(BATCH_SIZE);

    // Phoenix is back (here: the stuck export ends): everything still held goes out now.
    exporter.release();
    await provider.forceFlush().catch(() => {}); // the exports fail: Phoenix is still down
    expect(exporter.spansReceived, "the stuck batch plus at most a full queue").toBeLessThanOrEqual(BATCH_SIZE + QUEUE_SIZE);
    expect(exporter.spansReceived, "the queue was full: the processor did hold spans while it could").toBeGreaterThan(BATCH_SIZE);
  } finally {
    await app.close();
    await provider.shutdown().catch(() => {});
    await model.close();
  }
});
