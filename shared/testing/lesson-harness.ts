// What every lesson test file starts with: span capture and the offline model, set up
// once for the file and torn down after it, plus the checks bound to this lesson.
import { afterAll, beforeAll } from "vitest";
import type { Lesson } from "../lessons/catalog.ts";
import { lessonOfTestFile } from "../lessons/check-contract.ts";
import { startOfflineModel, type OfflineModel } from "../model/offline-model.ts";
import { connectModel, type ModelConnection } from "../chatbot/connect-model.ts";
import { writeCheckedKeys } from "./checked-keys.ts";
import { installSpanCapture, type SpanCapture } from "./capture-spans.ts";
import { SpanChecks } from "./span-checks.ts";

export interface LessonHarness {
  /** the lesson whose test file this is (from lessons/lessons.json) */
  readonly lesson: Lesson;
  readonly capture: SpanCapture;
  readonly checks: SpanChecks;
  readonly offlineModel: OfflineModel;
  /**
   * A connection to the offline model, as the chatbot gets it in real runs. With
   * `streamChunkDelayMs`, to an offline model of its own that leaves that long between streamed
   * chunks (lesson 8 times the first token against the chunks).
   */
  connect(options?: { timeoutMs?: number; streamChunkDelayMs?: number }): Promise<ModelConnection>;
  /**
   * Runs one piece of the learner's code on a clean slate of spans: notes which spans were
   * still open the moment it returned, then gives work it did not wait for a moment to end.
   * A thrown error is kept, not rethrown, so each check can explain it.
   */
  run<T>(work: () => Promise<T>): Promise<Outcome<T>>;
}

export interface Outcome<T> {
  value?: T;
  thrown?: unknown;
}

/** How long work the learner's code did not wait for may still take to end its spans. */
const STRAGGLER_GRACE_MS = 500;

/**
 * Call it at the top of the test file, before loading the lesson's module: the capture is
 * registered right away, so a `trace.getTracer()` at the top of the learner's file binds to it.
 * (Registering later would replace the global proxy that such a tracer already holds.)
 */
export function useLessonHarness(testFileUrl: string): LessonHarness {
  const lesson = lessonOfTestFile(testFileUrl);
  const capture: SpanCapture = installSpanCapture();
  const checks = new SpanChecks(capture, lesson);
  let offlineModel: OfflineModel | undefined;
  const paced = new Map<number, Promise<OfflineModel>>();
  const connections: ModelConnection[] = [];

  beforeAll(async () => {
    // Streamed chunks back to back: the checks count chunks as the chatbot reads them (the
    // stream tap), not time, and a pause per chunk made every streamed turn slower to check.
    offlineModel = await startOfflineModel({ streamChunkDelayMs: 0 });
  });
  afterAll(async () => {
    await Promise.all(connections.map((connection) => connection.close()));
    await offlineModel?.close();
    await Promise.all([...paced.values()].map(async (model) => (await model).close()));
    await capture.uninstall();
    writeCheckedKeys(lesson);
  });

  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("The lesson harness is used before its beforeAll hook ran.");
    return value;
  };
  return {
    lesson,
    capture,
    checks,
    get offlineModel() {
      return ready(offlineModel);
    },
    async run<T>(work: () => Promise<T>): Promise<Outcome<T>> {
      capture.reset();
      let outcome: Outcome<T>;
      try {
        outcome = { value: await work() };
      } catch (thrown) {
        outcome = { thrown };
      }
      capture.markReturned();
      for (const deadline = Date.now() + STRAGGLER_GRACE_MS; capture.unended().length > 0 && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return outcome;
    },
    async connect({ streamChunkDelayMs, ...options } = {}) {
      let model = ready(offlineModel);
      if (streamChunkDelayMs !== undefined) {
        if (!paced.has(streamChunkDelayMs)) paced.set(streamChunkDelayMs, startOfflineModel({ streamChunkDelayMs }));
        model = await paced.get(streamChunkDelayMs)!;
      }
      // An empty env: tests always talk to the offline model, whatever the shell exports.
      const connection = await connectModel({ env: {}, offlineModel: model, ...options });
      connections.push(connection);
      return connection;
    },
  };
}
