import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatCompletion, ChatCompletionRequest, ChatMessage } from "../openai/types.ts";
import { answeringModel } from "./completion.ts";
import { MAX_BODY_BYTES, requestPath } from "./http.ts";
import { startOfflineModel, type OfflineModel } from "./offline-model.ts";
import { ask, postChat, TOOLS, user } from "./test-support.ts";

let model: OfflineModel;
beforeAll(async () => {
  model = await startOfflineModel();
});
afterAll(() => model.close());

async function complete(request: ChatCompletionRequest): Promise<ChatCompletion> {
  const response = await postChat(model, request);
  expect(response.status).toBe(200);
  return (await response.json()) as ChatCompletion;
}

describe("startOfflineModel", () => {
  it("listens on loopback on an ephemeral port", () => {
    expect(model.port).toBeGreaterThan(0);
    expect(model.baseUrl).toBe(`http://127.0.0.1:${model.port}/v1`);
    expect(model.modelName).toBe("workbook-offline");
  });

  it("closes even with a keep-alive connection open", async () => {
    const other = await startOfflineModel({ modelName: "another" });
    const response = await fetch(`${other.baseUrl}/models`); // undici keeps the socket alive
    expect(response.status).toBe(200);
    await other.close();
    await expect(fetch(`${other.baseUrl}/models`)).rejects.toThrow();
    await other.close(); // a second close is harmless
  });
});

describe("the answering model's name", () => {
  it("is a dated snapshot of an alias, as OpenAI's gpt-4o-mini answers as gpt-4o-mini-2024-07-18; a dated name is kept", () => {
    expect(answeringModel("gpt-4o-mini")).toBe("gpt-4o-mini-2024-07-18");
    expect(answeringModel("workbook-offline")).toBe("workbook-offline-2024-07-18");
    expect(answeringModel("gpt-4o-2024-08-06")).toBe("gpt-4o-2024-08-06");
  });
});

describe("POST /v1/chat/completions", () => {
  it("answers in the OpenAI shape", async () => {
    const completion = await complete({ model: "any-model-name", messages: [user("Tell me a joke")] });
    expect(completion).toEqual({
      id: expect.stringMatching(/^chatcmpl-[0-9a-f]{24}$/),
      object: "chat.completion",
      created: expect.any(Number),
      model: "any-model-name-2024-07-18", // a dated snapshot of the name asked for, as OpenAI answers
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: expect.stringContaining('You said: "Tell me a joke".') },
          finish_reason: "stop",
        },
      ],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
    expect(Math.abs(completion.created - Date.now() / 1000)).toBeLessThan(60);
    const { usage } = completion;
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(usage.prompt_tokens).toBe(3 + 3 + 4); // Tell me a joke
  });

  it("answers with parallel tool calls, then from their results", async () => {
    const question = ask("What's the weather in Paris and in Atlantis?");
    const first = await complete(question);
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    const calls = choice.message.tool_calls ?? [];
    expect(calls.map((call) => call.function.arguments)).toEqual(['{"city":"Paris"}', '{"city":"Atlantis"}']);

    const results: ChatMessage[] = [
      { role: "tool", tool_call_id: calls[0]!.id, content: '{"city":"Paris","temperature_c":18,"conditions":"sunny"}' },
      { role: "tool", tool_call_id: calls[1]!.id, content: '{"error":"Unknown city: Atlantis"}' },
    ];
    const second = await complete({ ...question, messages: [...question.messages, choice.message, ...results] });
    expect(second.choices[0]).toEqual({
      index: 0,
      message: { role: "assistant", content: "In Paris it is 18°C and sunny. The get_weather tool failed: Unknown city: Atlantis." },
      finish_reason: "stop",
    });
  });

  it("is deterministic: same request, same content and same ids", async () => {
    const request = ask("weather in Tokyo and Lima, and calculate 2 + 2");
    const [a, b] = [await complete(request), await complete(request)];
    expect(b.id).toBe(a.id);
    expect(b.choices).toEqual(a.choices);
    expect(b.usage).toEqual(a.usage);
  });

  it("truncates at max_tokens with finish_reason length", async () => {
    const completion = await complete({ model: "m", messages: [user("hi")], max_tokens: 2 });
    expect(completion.choices[0]).toMatchObject({ message: { content: "Hello!" }, finish_reason: "length" });
    expect(completion.usage.completion_tokens).toBe(2);
  });

  it("accepts array content and a missing tools list", async () => {
    const completion = await complete({
      model: "m",
      // text parts are on the wire even if our ChatMessage type only has strings
      messages: [{ role: "user", content: [{ type: "text", text: "hello" }] } as unknown as ChatMessage],
    });
    expect(completion.choices[0]?.message.content).toMatch(/^Hello!/);
  });

  it("rejects a body over 1 MiB with 413", async () => {
    const huge = { model: "m", messages: [user("x".repeat(MAX_BODY_BYTES))], tools: TOOLS };
    const response = await postChat(model, huge);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      error: { type: "invalid_request_error", code: "request_too_large", param: null },
    });
  });

  it("counts chat requests", async () => {
    const before = model.requestCount();
    await complete(ask("hi"));
    await postChat(model, "not json");
    await fetch(`${model.baseUrl}/models`);
    expect(model.requestCount()).toBe(before + 2);
  });
});

describe("other endpoints", () => {
  it("GET /v1/models lists the model", async () => {
    const response = await fetch(`${model.baseUrl}/models`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      object: "list",
      data: [{ id: "workbook-offline", object: "model", created: expect.any(Number), owned_by: "openinference-workbook" }],
    });
  });

  it("answers 404 for an unknown path", async () => {
    const response = await fetch(`${model.baseUrl}/completions`, { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { message: "Invalid URL (POST /v1/completions)", type: "invalid_request_error", param: null, code: "unknown_url" },
    });
  });

  it("answers 405 for a wrong method on a known path", async () => {
    const response = await fetch(`${model.baseUrl}/chat/completions`);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error", code: "method_not_allowed" } });

    const post = await fetch(`${model.baseUrl}/models`, { method: "POST", body: "{}" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET");
  });
});

/** Sends one raw HTTP/1.1 request (any request target, even one fetch would refuse). */
function rawRequest(port: number, target: string, method = "GET"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    });
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => (received += text));
    socket.on("error", reject);
    socket.on("close", () => {
      const split = received.indexOf("\r\n\r\n");
      const head = received.slice(0, split);
      let body = received.slice(split + 4);
      if (/^transfer-encoding: chunked$/im.test(head)) body = dechunk(body);
      resolve({ status: Number(head.split(" ")[1]), body });
    });
  });
}

/** The body of a `transfer-encoding: chunked` response (ASCII bodies only). */
function dechunk(text: string): string {
  let body = "";
  let at = 0;
  for (;;) {
    const lineEnd = text.indexOf("\r\n", at);
    const size = Number.parseInt(text.slice(at, lineEnd), 16);
    if (!(size > 0)) return body;
    body += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

describe("request targets", () => {
  it("reads a path, an absolute URL, a query and trailing slashes", () => {
    expect(requestPath("/v1/models")).toBe("/v1/models");
    expect(requestPath("/v1/models/?limit=1")).toBe("/v1/models");
    expect(requestPath("http://127.0.0.1:4010/v1/models")).toBe("/v1/models");
    expect(requestPath("/")).toBe("/");
  });

  it("rejects a target that is neither a path nor an http(s) URL", () => {
    // (Node's HTTP parser already refuses some of these before the model sees them.)
    for (const target of ["v1/models", "", "mailto:x@y", "HTTP://[::1"]) {
      expect(() => requestPath(target), target).toThrowError(/^Invalid request target/);
    }
  });

  it.each(["//", "//evil.example/v1/models", "http://[::1/x", "*", "ftp://host/v1/models"])(
    "answers 400 invalid_request_target to %s, not 500",
    async (target) => {
      const { status, body } = await rawRequest(model.port, target);
      expect(status).toBe(400);
      expect(JSON.parse(body)).toEqual({
        error: {
          message: `Invalid request target ${JSON.stringify(target)}: expected a path such as /v1/chat/completions.`,
          type: "invalid_request_error",
          param: null,
          code: "invalid_request_target",
        },
      });
    },
  );

  it("serves an absolute-form target like its path", async () => {
    const { status, body } = await rawRequest(model.port, `http://127.0.0.1:${model.port}/v1/models`);
    expect(status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ object: "list" });
  });
});

describe("the faultRoute option", () => {
  it("is on by default", async () => {
    const response = await fetch(`${model.baseUrl.replace(/\/v1$/, "")}/_offline/faults`, { method: "POST", body: '{"faults":[]}' });
    expect(response.status).toBe(204);
  });

  it("false: POST /_offline/faults is a 404, while injectFaults() and markers keep working", async () => {
    const closed = await startOfflineModel({ faultRoute: false });
    try {
      const root = closed.baseUrl.replace(/\/v1$/, "");
      const response = await fetch(`${root}/_offline/faults`, { method: "POST", body: '{"faults":["http-500"]}' });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: "unknown_url" } });
      expect((await postChat(closed, ask("hi"))).status).toBe(200); // nothing was queued

      closed.injectFaults("http-429");
      expect((await postChat(closed, ask("hi"))).status).toBe(429);
      expect((await postChat(closed, ask("hi [[fault:http-500]]"))).status).toBe(500);
    } finally {
      await closed.close();
    }
  });
});
