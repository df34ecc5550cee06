// The offline model at a real provider's pace (the `latency` option): the answers are the same,
// only later. Time is checked from below only (a timer never fires much before its time; a busy
// machine only makes an answer later), so these checks cannot fail on a slow machine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatCompletion } from "../openai/types.ts";
import { checkLatency, parseLatency, wholeAnswerDelayMs } from "./latency.ts";
import { startOfflineModel, type OfflineModel } from "./offline-model.ts";
import { ask, chunksOf, postChat } from "./test-support.ts";

describe("the latency option's rules", () => {
  it("reads 'first token, between chunks' in milliseconds", () => {
    expect(parseLatency("400,30")).toEqual({ firstTokenMs: 400, chunkMs: 30 });
    expect(parseLatency(" 250 , 12.5 ")).toEqual({ firstTokenMs: 250, chunkMs: 12.5 });
    expect(parseLatency("0,0")).toEqual({ firstTokenMs: 0, chunkMs: 0 });
  });

  it("refuses anything else, saying what it wants", () => {
    for (const text of ["400", "400,30,5", "", ",30", "400,", "fast,30", "-5,30", "400,-1", "Infinity,30"]) {
      expect(() => parseLatency(text), text).toThrow(/milliseconds/);
    }
    expect(() => checkLatency({ firstTokenMs: Number.NaN, chunkMs: 30 })).toThrow("latency.firstTokenMs must be a number of milliseconds, 0 or more, not NaN.");
    expect(() => checkLatency({ firstTokenMs: 400, chunkMs: -1 })).toThrow("latency.chunkMs must be a number of milliseconds, 0 or more, not -1.");
  });

  it("sends a whole answer when its stream would have ended", () => {
    expect(wholeAnswerDelayMs({ firstTokenMs: 400, chunkMs: 30 }, 1)).toBe(400);
    expect(wholeAnswerDelayMs({ firstTokenMs: 400, chunkMs: 30 }, 11)).toBe(700);
    expect(wholeAnswerDelayMs({ firstTokenMs: 400, chunkMs: 30 }, 0)).toBe(400);
  });

  it("makes startOfflineModel throw on a bad latency", async () => {
    await expect(startOfflineModel({ latency: { firstTokenMs: -1, chunkMs: 30 } })).rejects.toThrow("latency.firstTokenMs");
  });
});

describe("an offline model with a provider's latency", () => {
  const latency = { firstTokenMs: 60, chunkMs: 8 };
  let paced: OfflineModel;
  let instant: OfflineModel;
  beforeAll(async () => {
    [paced, instant] = await Promise.all([startOfflineModel({ latency, streamChunkDelayMs: 0 }), startOfflineModel({ streamChunkDelayMs: 0 })]);
  });
  afterAll(() => Promise.all([paced.close(), instant.close()]));

  /** Each chunk's text and when it arrived, in ms after the request was sent. */
  async function timedStream(model: OfflineModel): Promise<Array<{ at: number; text: string }>> {
    const sent = performance.now();
    const response = await postChat(model, ask("hello", { stream: true }));
    const decoder = new TextDecoder();
    const arrivals: Array<{ at: number; text: string }> = [];
    for await (const piece of response.body!) arrivals.push({ at: performance.now() - sent, text: decoder.decode(piece as Uint8Array, { stream: true }) });
    return arrivals;
  }

  it("streams the same chunks, the first after firstTokenMs and each next one at least chunkMs later", async () => {
    const [arrivals, quick] = await Promise.all([timedStream(paced), timedStream(instant)]);
    const chunks = chunksOf(arrivals.map((a) => a.text).join(""));
    expect(chunks.map((c) => c.choices[0]?.delta)).toEqual(chunksOf(quick.map((a) => a.text).join("")).map((c) => c.choices[0]?.delta));
    expect(chunks.length).toBeGreaterThan(3);
    // Each chunk is written on its own timer, so it arrives in a read of its own (or later).
    const withData = arrivals.filter((a) => a.text.includes("data: "));
    expect(withData[0]!.at).toBeGreaterThanOrEqual(latency.firstTokenMs - 1);
    const last = withData.at(-1)!.at;
    expect(last).toBeGreaterThanOrEqual(wholeAnswerDelayMs(latency, chunks.length) - 2);
  });

  it("answers a non-streamed request with the same completion, when its stream would have ended", async () => {
    const sent = performance.now();
    const answer = (await (await postChat(paced, ask("hello"))).json()) as ChatCompletion;
    const took = performance.now() - sent;
    const quick = (await (await postChat(instant, ask("hello"))).json()) as ChatCompletion;
    expect(answer.choices).toEqual(quick.choices);
    const streamed = chunksOf(await (await postChat(instant, ask("hello", { stream: true }))).text()).length;
    expect(took).toBeGreaterThanOrEqual(wholeAnswerDelayMs(latency, streamed) - 2);
  });
});
