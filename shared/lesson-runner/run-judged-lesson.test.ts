// What the feedback-and-evals lesson's run prints and sends: each verdict the server's judges
// reached, then a vote and a changed vote on the span they judged, through the server's
// POST /feedback, as the user; and what it says when no judgement came back.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runJudgedLesson, type JudgedLessonProgram, type LessonVerdict } from "./run-judged-lesson.ts";

const VERDICTS: LessonVerdict[] = [
  { evaluator: "names_every_city", kind: "CODE", label: "complete", score: 1, explanation: "The answer names Paris." },
  { evaluator: "answers_the_question", kind: "LLM", error: "The judge model is down." },
];

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** A stand-in for the lesson's server: judges every answer with VERDICTS (or not at all), records the votes it gets. */
function program(judges: boolean, votes: unknown[]): JudgedLessonProgram {
  let server: Server | undefined;
  let onJudged: Parameters<JudgedLessonProgram["startChatServer"]>[1]["onJudged"];
  return {
    setupTracing: () => new BasicTracerProvider(),
    phoenixExporter: () => undefined,
    async startChatServer(_model, options) {
      onJudged = options.onJudged;
      server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
          votes.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
          response.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: "Feedback goes to Phoenix, and none is set up." }));
        });
      });
      await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
      return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        judged: async () => {},
        close: () => new Promise<void>((resolve) => server!.close(() => resolve())),
      };
    },
    async askChatServer() {
      if (judges) onJudged?.({ spanId: "3556fd5fd732895d", traceId: "0af7651916cd43dd8448eb211c80319c", verdicts: VERDICTS });
      return "In Paris it is 18°C and sunny.";
    },
    defaultQuestion: "What's the weather in Paris?",
  };
}

function capturePrinted(): () => string {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
  return () => lines.join("\n");
}

describe("the judged lesson's run", () => {
  it("prints each verdict (or the judge's failure), then votes up and changes it to down on the judged span, as one user", async () => {
    vi.stubEnv("PHOENIX_COLLECTOR_ENDPOINT", "");
    const votes: unknown[] = [];
    const printed = capturePrinted();
    await runJudgedLesson(program(true, votes), []);
    const output = printed();
    expect(output).toMatch(/judge: names_every_city \[CODE\] complete \(score 1\): The answer names Paris\./);
    expect(output).toMatch(/judge: answers_the_question \[LLM\] failed: The judge model is down\./);
    expect(votes).toEqual([
      { spanId: "3556fd5fd732895d", vote: "up", userId: "workbook-learner" },
      { spanId: "3556fd5fd732895d", vote: "down", userId: "workbook-learner" },
    ]);
    expect(output).toMatch(/vote: down by workbook-learner: HTTP 503: Feedback goes to Phoenix/);
  });

  it("when no judgement comes back, says so and votes on nothing", async () => {
    vi.stubEnv("PHOENIX_COLLECTOR_ENDPOINT", "");
    const votes: unknown[] = [];
    const printed = capturePrinted();
    await runJudgedLesson(program(false, votes), []);
    expect(printed()).toMatch(/No judgement came back, so there is no span to vote on/);
    expect(votes).toEqual([]);
  });
});
