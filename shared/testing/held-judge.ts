// A judge model that holds its requests: an HTTP proxy in front of the offline model that keeps
// each request waiting until the test releases it. The lesson's server is given it as its judge,
// so a test can see what the server does while a judge is still at work (has the answer gone
// out? has the SERVER span ended?) without timing anything.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModel } from "ai";

export interface HeldJudge {
  /** the judge, as an AI SDK model (what the server's `judge` option takes) */
  model: LanguageModel;
  /** how many requests it has taken so far */
  asked: number;
  /** called the moment it takes a request, before holding it */
  onAsked?: () => void;
  /** lets every held request (and every later one) through to the offline model */
  release(): void;
  close(): Promise<void>;
}

export async function startHeldJudge(offlineBaseUrl: string): Promise<HeldJudge> {
  let released = false;
  const waiting: Array<() => void> = [];
  const judge: HeldJudge = {
    model: undefined as unknown as LanguageModel,
    asked: 0,
    release() {
      released = true;
      for (const go of waiting.splice(0)) go();
    },
    async close() {
      judge.release();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    judge.asked += 1;
    judge.onAsked?.();
    if (!released) await new Promise<void>((resolve) => waiting.push(resolve));
    const path = (request.url ?? "").replace(/^\/v1/, "");
    const forwarded = await fetch(`${offlineBaseUrl}${path}`, { method: request.method, headers: { "content-type": "application/json" }, body: Buffer.concat(chunks) });
    response.writeHead(forwarded.status, { "content-type": forwarded.headers.get("content-type") ?? "application/json" }).end(Buffer.from(await forwarded.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  judge.model = createOpenAICompatible({ name: "held-judge", baseURL, supportsStructuredOutputs: true })("workbook-offline");
  return judge;
}
