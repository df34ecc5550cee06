// Memory: the collector down (nothing listens) or hanging (it takes each export and never
// answers) while conversations at the app's size limit keep coming, more at once than the app
// takes (APP_MAX_CONCURRENT_TURNS: the rest get a 503); with the default bounds, and with the
// lowered ones the README gives for a smaller ceiling. The app's RSS, sampled from outside,
// must stay under the ceiling its README states (memory-ceiling.ts). Spans are dropped here by
// design (the queue is bounded), so none are counted.
import { freePort } from "../../../shared/testing/free-port.ts";
import { startCollector, type FakeCollector } from "../collector.ts";
import { memoryCeilingBytes } from "../memory-ceiling.ts";
import { runPool } from "../pool.ts";
import { sampleMemory, startApp, type MemorySampler } from "../processes.ts";
import { exchange } from "../../../shared/testing/raw-http.ts";
import { streamProblem } from "../answer-checks.ts";
import { countStatus, newResult, type ScenarioResult } from "../report.ts";
import { seededRandom, type Random } from "../seeded-random.ts";
import { appEnv, finishApp, type StressContext } from "../stress-context.ts";
import { DEFAULT_MAX_CONCURRENT_TURNS, DEFAULT_SPAN_QUEUE_MAX_BYTES, MAX_CONVERSATION_BYTES, MAX_MESSAGES } from "../../../solutions/app/server/limits.ts";

/**
 * The bounds the app runs with. "default": the README's ceiling with the default settings.
 * "lowered": the README's recipe for a lower ceiling, fewer turns and a smaller queue, with V8's
 * heap capped too: without the cap V8 keeps garbage well past the formula (503 MB for its 304 MB,
 * measured with 600 requests), since it collects by its own heap limit, not the app's bounds.
 */
export const BOUNDS = {
  default: { clients: 40, maxQueueBytes: DEFAULT_SPAN_QUEUE_MAX_BYTES, maxConcurrentTurns: DEFAULT_MAX_CONCURRENT_TURNS, nodeOptions: undefined },
  lowered: { clients: 12, maxQueueBytes: 16 * 1024 * 1024, maxConcurrentTurns: 8, nodeOptions: "--max-old-space-size=192" },
} as const;

/** MAX_MESSAGES messages holding just under MAX_CONVERSATION_BYTES of text; the last one asks `question`. */
function largestConversation(random: Random, question: string): string {
  const words = ["weather", "forecast", "the", "model", "span", "trace", "Paris", "token", "answer", "session", "a", "of"];
  const each = Math.floor((MAX_CONVERSATION_BYTES - 1024) / MAX_MESSAGES);
  const messages = Array.from({ length: MAX_MESSAGES - 1 }, (_, k) => {
    let text = "";
    while (text.length < each) text += `${random.pick(words)} `;
    return { role: k % 2 === 0 ? "user" : "assistant", content: text.slice(0, each) };
  });
  messages.push({ role: "user", content: question });
  return JSON.stringify({ messages });
}

export async function memoryScenario(context: StressContext, collectorState: "down" | "hanging", boundsName: keyof typeof BOUNDS = "default"): Promise<ScenarioResult> {
  const bounds = BOUNDS[boundsName];
  const result = newResult(`memory: collector ${collectorState}, largest conversations${boundsName === "lowered" ? ", lowered bounds" : ""}`);
  const started = Date.now();
  const requests = context.short ? 90 : boundsName === "lowered" ? 600 : 900;
  const random = seededRandom(context.seed + 2);
  // Built once: a plain question (one LLM call) and a weather question (two LLM calls, two tools),
  // the second also streamed (POST /api/chat/stream).
  const plain = largestConversation(random, "hello");
  const weather = largestConversation(random, "What's the weather in Paris and in Tokyo?");
  const bodies = ([["/api/chat", plain], ["/api/chat", weather], ["/api/chat/stream", weather]] as const).map(([path, body]) =>
    Buffer.from(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`),
  );
  let collector: FakeCollector | undefined;
  const collectorUrl = collectorState === "down" ? `http://127.0.0.1:${await freePort()}` : (collector = await startCollector("hanging")).url;
  const app = await startApp(
    appEnv(context, collectorUrl, {
      APP_SPAN_QUEUE_MAX_BYTES: String(bounds.maxQueueBytes),
      APP_MAX_CONCURRENT_TURNS: String(bounds.maxConcurrentTurns),
      ...(bounds.nodeOptions ? { NODE_OPTIONS: bounds.nodeOptions } : {}),
    }),
  );
  const ceiling = memoryCeilingBytes(bounds);
  let sampler: MemorySampler | undefined;
  try {
    sampler = sampleMemory(app.pid);
    // Bounded by count and by time: on a slow machine fewer requests go out, and the note says how many.
    const outcome = await runPool(Array.from({ length: requests }, (_, i) => bodies[i % bodies.length]!), bounds.clients, started + (context.short ? 20_000 : 150_000), async (bytes) => {
      const answer = await exchange(app.port, bytes, { timeoutMs: 60_000 });
      result.requests += 1;
      countStatus(result, answer.status);
      if (answer.status === 200 && !answer.headers["content-type"]?.startsWith("text/event-stream")) return;
      if (answer.status === 200) {
        const broken = streamProblem(answer.body);
        if (broken) result.problems.push(`a streamed answer: ${broken}`);
        return;
      }
      if (answer.status === 503 && answer.headers["retry-after"]) return; // over APP_MAX_CONCURRENT_TURNS: documented
      if ((answer.status ?? 0) >= 500) result.unexpected5xx += 1;
      result.problems.push(`answered ${answer.status ?? answer.failure}: ${answer.body.toString("utf8").slice(0, 160)}`);
    });
    // Fewer sent is reported; fewer than half would not load the app enough to say anything, so it fails.
    if (outcome.skipped > 0) result.notes.push(`time bound reached: ${outcome.done} of ${requests} requests sent`);
    if (outcome.done < requests / 2) result.problems.push(`only ${outcome.done} of ${requests} requests went out in the time allowed: too few to load the app`);
  } finally {
    sampler?.stop();
    await finishApp(result, app, context);
    await collector?.close();
  }
  const idle = sampler.samples[0]?.[1] ?? 0;
  result.memory = { peakBytes: sampler.peak(), ceilingBytes: ceiling, samples: sampler.samples };
  if (sampler.peak() > ceiling) result.problems.push(`peak RSS ${Math.round(sampler.peak() / 1e6)} MB is over the ceiling of ${Math.round(ceiling / 1e6)} MB`);
  result.notes.push(
    `${bounds.clients} at once (APP_MAX_CONCURRENT_TURNS=${bounds.maxConcurrentTurns}, APP_SPAN_QUEUE_MAX_BYTES=${bounds.maxQueueBytes / 1048576} MiB` +
      `${bounds.nodeOptions ? `, NODE_OPTIONS=${bounds.nodeOptions}` : ""}), bodies of ${Math.round(bodies[0]!.length / 1024)} KiB, a third streamed; RSS idle ${Math.round(idle / 1e6)} MB, peak ${Math.round(sampler.peak() / 1e6)} MB; ` +
      `the app ${app.output().includes("span queue is full") ? "said its span queue was full (spans dropped, as designed)" : "never filled its span queue"}`,
  );
  result.ms = Date.now() - started;
  return result;
}
