// Memory: the collector down (nothing listens) or hanging (it takes each export and never
// answers) while conversations at the app's size limit keep coming, more at once than the app
// takes (APP_MAX_CONCURRENT_TURNS: the rest get a 503). The app's RSS, sampled from outside,
// must stay under the ceiling its README states (memory-ceiling.ts). Spans are dropped here by
// design (the queue is bounded), so none are counted.
import { freePort } from "../../lib/free-port.ts";
import { startCollector, type FakeCollector } from "../collector.ts";
import { memoryCeilingBytes } from "../memory-ceiling.ts";
import { runPool } from "../pool.ts";
import { sampleMemory, startApp, type MemorySampler } from "../processes.ts";
import { exchange } from "../raw-http.ts";
import { streamProblem } from "../answer-checks.ts";
import { countStatus, newResult, type ScenarioResult } from "../report.ts";
import { seededRandom, type Random } from "../seeded-random.ts";
import { appEnv, finishApp, type StressContext } from "../stress-context.ts";
import { MAX_CONVERSATION_BYTES, MAX_MESSAGES } from "../../../solutions/app/server/limits.ts";

const CONCURRENCY = 40;

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

export async function memoryScenario(context: StressContext, collectorState: "down" | "hanging"): Promise<ScenarioResult> {
  const result = newResult(`memory: collector ${collectorState}, largest conversations`);
  const started = Date.now();
  const requests = context.short ? 90 : 900;
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
  const app = await startApp(appEnv(context, collectorUrl));
  const ceiling = memoryCeilingBytes();
  let sampler: MemorySampler | undefined;
  try {
    sampler = sampleMemory(app.pid);
    // Bounded by count and by time: on a slow machine fewer requests go out, and the note says how many.
    const outcome = await runPool(Array.from({ length: requests }, (_, i) => bodies[i % bodies.length]!), CONCURRENCY, started + (context.short ? 20_000 : 150_000), async (bytes) => {
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
    if (outcome.skipped > 0) result.notes.push(`time bound reached: ${outcome.done} of ${requests} requests sent`);
  } finally {
    sampler?.stop();
    await finishApp(result, app, context);
    await collector?.close();
  }
  const idle = sampler.samples[0]?.[1] ?? 0;
  result.memory = { peakBytes: sampler.peak(), ceilingBytes: ceiling, samples: sampler.samples };
  if (sampler.peak() > ceiling) result.problems.push(`peak RSS ${Math.round(sampler.peak() / 1e6)} MB is over the ceiling of ${Math.round(ceiling / 1e6)} MB`);
  result.notes.push(
    `${CONCURRENCY} at once (the app takes 32), bodies of ${Math.round(bodies[0]!.length / 1024)} KiB, a third streamed; RSS idle ${Math.round(idle / 1e6)} MB, peak ${Math.round(sampler.peak() / 1e6)} MB; ` +
      `the app ${app.output().includes("span queue is full") ? "said its span queue was full (spans dropped, as designed)" : "never filled its span queue"}`,
  );
  result.ms = Date.now() - started;
  return result;
}
