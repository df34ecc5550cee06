// A closed-loop load: `concurrency` clients, each sending the same POST again as soon as its
// answer is in, on kept-alive connections, for a given time. Every answer must be a 200.
import { Agent, request } from "node:http";

export interface LoadResult {
  requests: number;
  /** from the first request sent to the last answer read */
  elapsedMs: number;
  /** per request, in the order they finished */
  latenciesMs: number[];
}

export class ChatLoad {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(baseUrl: string, concurrency: number) {
    this.url = new URL("/api/chat", baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  }

  /** Runs `concurrency` clients until `durationMs` has passed (requests in flight then are finished and counted). */
  async run(body: string, concurrency: number, durationMs: number): Promise<LoadResult> {
    const payload = Buffer.from(body);
    const latenciesMs: number[] = [];
    const started = performance.now();
    const client = async () => {
      while (performance.now() - started < durationMs) {
        const sent = performance.now();
        await this.post(payload);
        latenciesMs.push(performance.now() - sent);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, client));
    return { requests: latenciesMs.length, elapsedMs: performance.now() - started, latenciesMs };
  }

  close(): void {
    this.agent.destroy();
  }

  private post(payload: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const sending = request(
        this.url,
        { method: "POST", agent: this.agent, headers: { "content-type": "application/json", "content-length": payload.length } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            if (response.statusCode === 200) resolve();
            else reject(new Error(`POST /api/chat answered ${response.statusCode}: ${Buffer.concat(chunks).toString("utf8").slice(0, 300)}`));
          });
          response.on("error", reject);
        },
      );
      sending.on("error", reject);
      sending.end(payload);
    });
  }
}
