import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MALFORMED_BODY, MAX_SLOW_MS, parseFault } from "./faults.ts";
import { startOfflineModel, type OfflineModel } from "./offline-model.ts";
import { ask, postChat, sseData } from "./test-support.ts";

let model: OfflineModel;
beforeAll(async () => {
  model = await startOfflineModel({ streamChunkDelayMs: 1 });
});
afterEach(() => model.injectFaults()); // nothing queued leaks into the next test
afterAll(() => model.close());

const faultsUrl = () => `${model.baseUrl.replace(/\/v1$/, "")}/_offline/faults`;

async function elapsedMs(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

describe("parseFault", () => {
  it("reads the text forms", () => {
    expect(parseFault("http-429")).toEqual({ kind: "http-429" });
    expect(parseFault(" http-500 ")).toEqual({ kind: "http-500" });
    expect(parseFault("malformed")).toEqual({ kind: "malformed" });
    expect(parseFault("stream-abort")).toEqual({ kind: "stream-abort" });
    expect(parseFault("stream-error")).toEqual({ kind: "stream-error" });
    expect(parseFault("slow")).toEqual({ kind: "slow" });
    expect(parseFault("slow=2000")).toEqual({ kind: "slow", ms: 2000 });
  });

  it("explains what is wrong", () => {
    expect(() => parseFault("http-503")).toThrowError(/Unknown fault "http-503". Known faults: http-429, http-500/);
    expect(() => parseFault("slow=soon")).toThrowError(/slow=<ms> needs a whole number/);
    for (const bad of ["slow=", "slow=-1", "slow=1.5", "slow=1e3", "slow=0x10", "slow= 12"]) {
      expect(() => parseFault(bad), bad).toThrowError(/slow=<ms> needs a whole number/);
    }
  });

  it(`rejects a wait over ${MAX_SLOW_MS} ms (10 minutes) instead of overflowing the timer`, () => {
    expect(parseFault(`slow=${MAX_SLOW_MS}`)).toEqual({ kind: "slow", ms: MAX_SLOW_MS });
    expect(() => parseFault("slow=99999999999")).toThrowError(
      'Invalid fault "slow=99999999999": slow=<ms> waits at most 600000 ms (10 minutes), so that a forgotten marker cannot hang a request for days.',
    );
    expect(() => parseFault(`slow=${"9".repeat(400)}`)).toThrowError(/waits at most 600000 ms/);
  });
});

describe("each fault, queued with injectFaults", () => {
  it("http-429: rate limited, with retry-after", async () => {
    model.injectFaults("http-429");
    const response = await postChat(model, ask("hi"));
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(await response.json()).toEqual({
      error: {
        message: "Rate limit reached for the offline model (injected fault). Retry after 1 second.",
        type: "requests",
        param: null,
        code: "rate_limit_exceeded",
      },
    });
  });

  it("http-500: an internal error", async () => {
    model.injectFaults({ kind: "http-500" });
    const response = await postChat(model, ask("hi"));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: { message: "The offline model had an internal error (injected fault).", type: "server_error", param: null, code: null },
    });
  });

  it("malformed: a 200 whose JSON body is cut off", async () => {
    model.injectFaults("malformed");
    const response = await postChat(model, ask("hi"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    const text = await response.text();
    expect(text).toBe(MALFORMED_BODY);
    expect(() => JSON.parse(text)).toThrow();
  });

  it("slow=ms: waits, then answers normally", async () => {
    model.injectFaults("slow=150");
    let status = 0;
    const took = await elapsedMs(async () => {
      status = (await postChat(model, ask("hi"))).status;
    });
    expect(status).toBe(200);
    expect(took).toBeGreaterThanOrEqual(140);
  });

  it("slow: gives up waiting when the client does", async () => {
    model.injectFaults({ kind: "slow" }); // 5 s
    await expect(postChat(model, ask("hi"), { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    const took = await elapsedMs(async () => expect((await postChat(model, ask("hi"))).status).toBe(200));
    expect(took).toBeLessThan(1000);
  });

  it("stream-abort: a stream stops after three chunks, without [DONE]", async () => {
    model.injectFaults("stream-abort");
    const response = await postChat(model, ask("Tell me about streams", { stream: true }));
    expect(response.status).toBe(200);

    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = "";
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          received += decoder.decode(value, { stream: true });
        }
      })(),
    ).rejects.toThrow();

    const data = sseData(received);
    expect(data).toHaveLength(3);
    expect(data).not.toContain("[DONE]");
  });

  it("stream-abort: a non-stream request gets no response at all", async () => {
    model.injectFaults("stream-abort");
    await expect(postChat(model, ask("hi"))).rejects.toThrow();
  });
});

describe("stream-error: the gateway's error event", () => {
  it("a stream sends three chunks, then one error event with no choices, then ends without [DONE]", async () => {
    model.injectFaults("stream-error");
    const response = await postChat(model, ask("Tell me about streams", { stream: true }));
    expect(response.status).toBe(200);
    const data = sseData(await response.text()); // the response ends whole: no connection error
    expect(data).toHaveLength(4);
    expect(data).not.toContain("[DONE]");
    for (const chunk of data.slice(0, 3)) expect(JSON.parse(chunk)).toHaveProperty("choices");
    const last = JSON.parse(data[3]!) as Record<string, unknown>;
    expect(last).not.toHaveProperty("choices");
    expect(last).toEqual({ error: { message: expect.stringContaining("Connection error"), type: null, param: null, code: "500" } });
  });

  it("a marker asks for it too: [[fault:stream-error]]", async () => {
    const response = await postChat(model, ask("Hello [[fault:stream-error]]", { stream: true }));
    const data = sseData(await response.text());
    expect(JSON.parse(data.at(-1)!)).toHaveProperty("error.code", "500");
  });

  it("a non-stream request gets the same error as an HTTP 500", async () => {
    model.injectFaults("stream-error");
    const response = await postChat(model, ask("hi"));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { message: expect.stringContaining("Connection error"), type: "api_error", param: null, code: "500" } });
  });
});

describe("the fault queue", () => {
  it("serves one entry per chat request, 'none' answering normally", async () => {
    model.injectFaults("http-500", "none", "http-429");
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await postChat(model, ask("hi"))).status);
    expect(statuses).toEqual([500, 200, 429, 200]);
  });

  it("is replaced by the next injectFaults, and cleared by an empty one", async () => {
    model.injectFaults("http-500", "http-500");
    model.injectFaults();
    expect((await postChat(model, ask("hi"))).status).toBe(200);
  });

  it("is left alone by requests that fail validation", async () => {
    model.injectFaults("http-500");
    expect((await postChat(model, { model: "m" })).status).toBe(400);
    expect((await postChat(model, ask("hi"))).status).toBe(500);
  });

  it("rejects an unknown fault", () => {
    expect(() => model.injectFaults("http-418" as "http-429")).toThrowError(/Unknown fault/);
    expect(() => model.injectFaults({ kind: "http-418" } as never)).toThrowError(/Unknown fault "http-418"/);
  });

  it("rejects a slow fault object with a wait too long or not whole", () => {
    expect(() => model.injectFaults({ kind: "slow", ms: 99_999_999_999 })).toThrowError(/waits at most 600000 ms/);
    expect(() => model.injectFaults({ kind: "slow", ms: -5 })).toThrowError(/needs a whole number/);
    expect(() => model.injectFaults("none", { kind: "slow", ms: Number.NaN })).toThrowError(/needs a whole number/);
  });

  it("can be filled over HTTP from another process", async () => {
    const queued = await fetch(faultsUrl(), { method: "POST", body: JSON.stringify({ faults: ["none", "http-429"] }) });
    expect(queued.status).toBe(204);
    expect((await postChat(model, ask("hi"))).status).toBe(200);
    expect((await postChat(model, ask("hi"))).status).toBe(429);
  });

  it("answers 400 to a bad POST /_offline/faults", async () => {
    const unknown = await fetch(faultsUrl(), { method: "POST", body: JSON.stringify({ faults: ["none", "http-418"] }) });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { param: "faults[1]", code: "invalid_value" } });

    const tooSlow = await fetch(faultsUrl(), { method: "POST", body: JSON.stringify({ faults: ["slow=99999999999"] }) });
    expect(tooSlow.status).toBe(400);
    expect(await tooSlow.json()).toMatchObject({ error: { param: "faults[0]", message: expect.stringContaining("at most 600000 ms") } });

    const shapeless = await fetch(faultsUrl(), { method: "POST", body: JSON.stringify(["http-500"]) });
    expect(shapeless.status).toBe(400);
    expect((await postChat(model, ask("hi"))).status).toBe(200); // nothing was queued
  });
});

describe("a [[fault:...]] marker in the last user message", () => {
  it("triggers the fault", async () => {
    const response = await postChat(model, ask("weather in Paris [[fault:http-500]]"));
    expect(response.status).toBe(500);
  });

  it("triggers it on every request of that turn", async () => {
    expect((await postChat(model, ask("hi [[fault:http-429]]"))).status).toBe(429);
    expect((await postChat(model, ask("hi [[fault:http-429]]"))).status).toBe(429);
  });

  it("takes a parameter and is removed before the model reads the text", async () => {
    let content: unknown;
    const took = await elapsedMs(async () => {
      const response = await postChat(model, ask("Tell me [[fault:slow=120]] a joke"));
      content = ((await response.json()) as { choices: Array<{ message: { content: unknown } }> }).choices[0]?.message.content;
    });
    expect(took).toBeGreaterThanOrEqual(110);
    expect(content).toMatch(/^You said: "Tell me a joke"\./);
  });

  it("only counts in the last user message", async () => {
    const request = ask("hi");
    request.messages = [
      { role: "user", content: "weather [[fault:http-500]]" },
      { role: "assistant", content: "Which city would you like the weather for?" },
      { role: "user", content: "hi" },
    ];
    expect((await postChat(model, request)).status).toBe(200);
  });

  it("gives way to a queued entry, even 'none'", async () => {
    model.injectFaults("none");
    expect((await postChat(model, ask("hi [[fault:http-500]]"))).status).toBe(200);
  });

  it("is a 400 with a clear message when slow= is too long, and answers nothing early", async () => {
    const start = performance.now();
    const response = await postChat(model, ask("hi [[fault:slow=99999999999]]"));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { type: "invalid_request_error", param: "messages[0].content", code: "invalid_value", message: expect.stringContaining("waits at most 600000 ms (10 minutes)") },
    });
    expect(performance.now() - start).toBeLessThan(5000);
  });

  it("is a 400 when it names an unknown fault", async () => {
    const response = await postChat(model, ask("hi [[fault:explode]]"));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { type: "invalid_request_error", param: "messages[0].content", message: expect.stringContaining('Unknown fault "explode"') },
    });
  });
});

describe("closing the server", () => {
  it("does not wait for a slow answer", async () => {
    const other = await startOfflineModel();
    other.injectFaults("slow=10000");
    const pending = postChat(other, ask("hi"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const took = await elapsedMs(() => other.close());
    expect(took).toBeLessThan(1000);
    await expect(pending).rejects.toThrow();
  });
});
