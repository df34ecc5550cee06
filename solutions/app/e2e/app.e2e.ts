// The finished app end to end: a real Phoenix (from .phoenix/venv, on free ports, with its data
// in a temporary directory), the app as `npm run app` starts it, and the page driven in Debian's
// Chromium. The spans are read back from Phoenix's REST API. Nothing here is skipped: when
// Phoenix or the browser cannot start, the suite fails and says why.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page, type Response as PageResponse } from "playwright-core";
import { SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import { ATTR_ERROR_TYPE, ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_TYPE } from "@opentelemetry/semantic-conventions";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "../../../shared/testing/free-port.ts";
import { startPhoenix, type RunningPhoenix } from "../../../shared/phoenix/local-server.ts";
import { answeringModel } from "../../../shared/model/completion.ts";
import type { ChatResponse, ChatStreamEvent, ErrorResponse } from "../api.ts";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--headless",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const PROJECT = `workbook-app-e2e-${Date.now()}`;
const WEATHER_QUESTION = "What's the weather in Paris and in Tokyo?";

interface PhoenixSpan {
  name: string;
  context: { trace_id: string; span_id: string };
  span_kind: string;
  parent_id: string | null;
  start_time: string;
  end_time: string;
  status_code: string;
  status_message: string;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
}

let tempDir: string;
let phoenix: RunningPhoenix | undefined;
let app: ChildProcess | undefined;
let appOutput = "";
let appUrl: string;
let browser: BrowserContext | undefined;
let page: Page;
/** what the page's first chat turn returned */
let firstTurn: ChatResponse;

/** Why Phoenix, the app or the browser did not start: every test then fails with it (never skips). */
let setupError: Error | undefined;

beforeAll(async () => {
  try {
    await startEverything();
  } catch (error) {
    setupError = error instanceof Error ? error : new Error(String(error));
  }
});

beforeEach(() => {
  if (setupError) throw setupError;
});

async function startEverything(): Promise<void> {
  tempDir = await mkdtemp(path.join(tmpdir(), "workbook-app-e2e-"));
  // The browser first: it fails fastest when it is missing.
  try {
    browser = await chromium.launchPersistentContext(path.join(tempDir, "chromium-profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 900, height: 560 },
    });
  } catch (error) {
    throw new Error(
      `Chromium could not start from ${CHROMIUM} (${error instanceof Error ? error.message.split("\n")[0] : String(error)}). ` +
        "Install it with `apt-get update && apt-get install -y chromium`, or set CHROMIUM_PATH.",
    );
  }
  page = browser.pages()[0] ?? (await browser.newPage());
  // Chromium does not keep the body of a response the page reads as a stream, so the suite reads
  // it in the page: fetch is wrapped to tee each /api/chat/stream body (the page's half streams as before).
  await browser.addInitScript(() => {
    const original = window.fetch;
    const streams: Array<{ status: number; text: string; done: boolean }> = [];
    (window as unknown as { chatStreams: typeof streams }).chatStreams = streams;
    window.fetch = async (...args: Parameters<typeof fetch>) => {
      const response = await original(...args);
      if (!String(args[0]).endsWith("/api/chat/stream") || !response.body) return response;
      const [forPage, forSuite] = response.body.tee();
      const record = { status: response.status, text: "", done: false };
      streams.push(record);
      void (async () => {
        const reader = forSuite.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (done) break;
          record.text += decoder.decode(value, { stream: true });
        }
        record.done = true;
      })();
      return new Response(forPage, { status: response.status, statusText: response.statusText, headers: response.headers });
    };
  });

  phoenix = await startPhoenix({
    port: await freePort(),
    grpcPort: await freePort(),
    workingDir: path.join(tempDir, "phoenix"),
  });

  const port = await freePort();
  appUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    APP_HOST: "127.0.0.1",
    APP_PORT: String(port),
    PHOENIX_COLLECTOR_ENDPOINT: phoenix.url,
    PHOENIX_PROJECT_NAME: PROJECT,
    // Short batches keep the suite quick. The export timeout stays generous: a fresh Phoenix on a
    // loaded machine, taking the first batches and the evaluations' annotations at once, took more
    // than 2 s to answer the first export (the turn's spans were lost); Phoenix stopped is refused at once.
    OTEL_BSP_SCHEDULE_DELAY: "200",
    OTEL_EXPORTER_OTLP_TIMEOUT: "10000",
  };
  // The offline model, whatever the developer's shell has configured.
  delete env.OPENAI_BASE_URL;
  delete env.OPENAI_API_KEY;
  delete env.OPENAI_MODEL;
  delete env.PHOENIX_URL;
  app = spawn(process.execPath, ["--import", "tsx", "solutions/app/server/main.ts"], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  app.stdout?.on("data", (chunk: Buffer) => (appOutput += chunk.toString()));
  app.stderr?.on("data", (chunk: Buffer) => (appOutput += chunk.toString()));
  await waitFor("the app to answer /healthz", async () => (await fetch(`${appUrl}/healthz`).catch(() => undefined))?.ok === true, 30_000, () => appOutput);
}

afterAll(async () => {
  await browser?.close().catch(() => {});
  if (app && app.exitCode === null) {
    const exited = new Promise((resolve) => app!.once("exit", resolve));
    app.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 8000))]);
    if (app.exitCode === null) app.kill("SIGKILL");
  }
  await phoenix?.stop();
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
});

describe("the chat page, with Phoenix", () => {
  it("answers a question that needs two tools, the answer growing on the page as it streams in", async () => {
    await page.goto(appUrl);
    // Every text the answer's element has shown, as the page changes it.
    await page.evaluate(() => {
      const shown: string[] = [];
      (window as unknown as { answerTexts: string[] }).answerTexts = shown;
      new MutationObserver(() => {
        const text = document.querySelector("#messages .message.assistant:last-child")?.firstChild?.textContent;
        if (text && text !== shown.at(-1)) shown.push(text);
      }).observe(document.getElementById("messages")!, { childList: true, subtree: true, characterData: true });
    });
    const { response, answer, pieces } = await askInPage(WEATHER_QUESTION);
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toBe("text/event-stream; charset=utf-8");
    firstTurn = answer!;
    expect(pieces.length, "the answer came in pieces").toBeGreaterThan(1);
    expect(pieces.join("")).toBe("In Paris it is 18°C and sunny. In Tokyo it is 22°C and cloudy.");
    const shownAnswer = page.locator(".message.assistant").last();
    await expect.poll(() => shownAnswer.innerText()).toContain(firstTurn.message.content);
    // The done event's ids give the trace link.
    await expect.poll(() => shownAnswer.locator(".trace-link").count()).toBe(1);
    const texts = await page.evaluate(() => (window as unknown as { answerTexts: string[] }).answerTexts);
    expect(texts.at(-1)).toBe(firstTurn.message.content);
    const partial = texts.filter((text) => text !== firstTurn.message.content);
    expect(partial.length, `the page showed part of the answer before the whole (texts shown: ${JSON.stringify(texts)})`).toBeGreaterThan(0);
    for (const text of partial) expect(firstTurn.message.content.startsWith(text), `"${text}" is the start of the answer`).toBe(true);
    expect(await page.locator(".message.user").first().innerText()).toBe(WEATHER_QUESTION);
  });

  it("takes a thumbs up, and keeps the conversation across a reload", async () => {
    expect(await page.locator(".message.assistant .feedback-up svg").count(), "the thumbs are drawn icons").toBe(1);
    const sent = page.waitForResponse((response) => response.url().endsWith("/api/feedback"));
    await page.locator(".message.assistant .feedback-up").last().click();
    expect((await sent).status()).toBe(200);
    await expect.poll(() => page.locator(".feedback-status").last().innerText()).toContain("Thanks");

    await page.reload();
    await expect.poll(() => page.locator(".message.assistant").count()).toBe(1);
    expect(await page.locator(".feedback-up").getAttribute("aria-pressed")).toBe("true");

    const shots = path.join(repoRoot, "test-results", "app-e2e");
    await mkdir(shots, { recursive: true });
    await page.screenshot({ path: path.join(shots, "page.png") });
    // UPDATE_SCREENSHOT=1 refreshes the README's picture.
    if (process.env.UPDATE_SCREENSHOT) await copyFile(path.join(shots, "page.png"), path.join(repoRoot, "solutions", "app", "screenshot.png"));
  });

  it("shows the turn in Phoenix as one trace: the server/CHAIN root, then RETRIEVER (EMBEDDING), LLM, TOOL, TOOL, LLM with the right parents", async () => {
    const spans = await spansOfTrace(firstTurn.traceId!, 8);
    const root = spans.find((span) => span.parent_id === null);
    expect(root?.name, "the root span is the server span").toBe("POST /api/chat/stream");
    expect(root?.span_kind).toBe("CHAIN");
    expect(root?.context.span_id).toBe(firstTurn.spanId);
    expect(root?.attributes["http.response.status_code"]).toBe(200);
    expect(root?.attributes["input.value"], "the root reads as the question, not the request body").toBe(WEATHER_QUESTION);
    expect(root?.attributes["output.value"], "and as the reply, not the response body").toBe(firstTurn.message.content);

    const turn = spans.find((span) => span.name === "chat_turn");
    expect(turn?.span_kind).toBe("CHAIN");
    expect(turn?.parent_id, "chat_turn is a child of the server span").toBe(root?.context.span_id);

    // The SDK stamps start times to the millisecond and these steps take less than that, so
    // the order is read from what links them: the LLM call that asked for the tools, the TOOL
    // span for each call (tool.id = tool_call.id), the LLM call that got their results.
    const children = spans.filter((span) => span.parent_id === turn?.context.span_id);
    expect(children.map((span) => span.span_kind).sort()).toEqual(["LLM", "LLM", "RETRIEVER", "TOOL", "TOOL"]);
    // The search first (lesson 12): the question, its EMBEDDING span inside, the documents best first.
    const retriever = children.find((span) => span.span_kind === "RETRIEVER")!;
    expect(retriever.attributes["input.value"]).toBe(WEATHER_QUESTION);
    expect(spans.filter((span) => span.parent_id === retriever.context.span_id).map((span) => `${span.span_kind} ${span.name}`)).toEqual(["EMBEDDING CreateEmbeddings"]);
    // The weather question matches no document of the guide (the tools answer it): the search
    // finds none above the threshold. Documents in Phoenix: the retrieval lesson's test below.
    expect(indexedItems(retriever.attributes, "retrieval.documents.", ".document."), `the RETRIEVER span in Phoenix: ${JSON.stringify(retriever.attributes).slice(0, 600)}`).toEqual([]);
    const llms = children.filter((span) => span.span_kind === "LLM");
    const firstLlm = llms.find((span) => span.attributes["llm.finish_reason"] === "tool_calls");
    const secondLlm = llms.find((span) => span.attributes["llm.finish_reason"] === "stop");
    expect(firstLlm, "an LLM span that asks for tools").toBeDefined();
    expect(secondLlm, "an LLM span that answers").toBeDefined();
    const callIds = [0, 1].map((j) => firstLlm!.attributes[`llm.output_messages.0.message.tool_calls.${j}.tool_call.id`]);
    expect(new Set(callIds).size, "two streamed tool calls, each with its own id (assembled by index)").toBe(2);
    expect([0, 1].map((j) => JSON.parse(String(firstLlm!.attributes[`llm.output_messages.0.message.tool_calls.${j}.tool_call.function.arguments`])).city)).toEqual(["Paris", "Tokyo"]);
    const tools = callIds.map((id) => children.find((span) => span.span_kind === "TOOL" && span.attributes["tool.id"] === id));
    expect(tools.map((span) => span && JSON.parse(String(span.attributes["input.value"])).city)).toEqual(["Paris", "Tokyo"]);
    // ... and the second LLM call gets their results, linked by the same ids.
    expect([3, 4].map((i) => secondLlm!.attributes[`llm.input_messages.${i}.message.tool_call_id`])).toEqual(callIds);

    const steps = [firstLlm!, ...tools.map((span) => span!), secondLlm!];
    expect(steps.map((span) => `${span.span_kind} ${span.name}`)).toEqual([
      "LLM ChatCompletion",
      "TOOL get_weather",
      "TOOL get_weather",
      "LLM ChatCompletion",
    ]);
    const starts = steps.map((span) => microseconds(span.start_time));
    expect(starts, "the steps start in this order (to the millisecond)").toEqual([...starts].sort((a, b) => a - b));
    for (const span of spans) expect(span.span_kind, `${span.name} has a known span kind`).not.toBe("UNKNOWN");

    for (const llm of [firstLlm!, secondLlm!]) {
      expect(llm.attributes["llm.token_count.prompt"], "prompt tokens").toBeGreaterThan(0);
      expect(llm.attributes["llm.token_count.completion"], "completion tokens").toBeGreaterThan(0);
      expect(llm.attributes["llm.token_count.total"]).toBe(Number(llm.attributes["llm.token_count.prompt"]) + Number(llm.attributes["llm.token_count.completion"]));
      expect(llm.attributes[SemanticConventions.LLM_MODEL_NAME], "the model that answered, as its chunks name it (a dated snapshot of the one asked for)").toBe(answeringModel("workbook-offline"));
      expect(llm.events.filter((event) => event.name === "First Token Stream Event"), "one first-token event on each streamed call").toHaveLength(1);
      expect(llm.attributes["llm.prompt_template.version"], "the prompt's template (lesson 12), as a context attribute").toBe("city-guide-1");
      expect(JSON.parse(String(llm.attributes["llm.invocation_parameters"]))).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    }
    expect(secondLlm!.attributes["output.value"], "a streamed answer's output is its text").toBe(firstTurn.message.content);
    expect(secondLlm!.attributes["output.mime_type"]).toBe("text/plain");
  });

  it("puts the page's session id on every span of the turn", async () => {
    const sessionId = await page.evaluate(() => (JSON.parse(localStorage.getItem("workbook-chatbot.conversation") ?? "{}") as { sessionId?: string }).sessionId);
    expect(sessionId).toBe(firstTurn.sessionId);
    for (const span of await spansOfTrace(firstTurn.traceId!, 6)) {
      expect(span.attributes["session.id"], `session.id on ${span.name}`).toBe(sessionId);
    }
  });

  it("has the thumbs up as a user_feedback annotation on the turn's span, beside the evaluations' CODE and LLM verdicts", async () => {
    // The app judges each answer once sent (lesson 10): its verdicts land on the same span.
    const annotations = await poll("the user_feedback annotation and the two verdicts", async () => {
      const response = await fetch(`${phoenix!.url}/v1/projects/${PROJECT}/span_annotations?span_ids=${firstTurn.spanId}`);
      const body = (await response.json()) as { data: Array<Record<string, unknown>> };
      const names = new Set(body.data.map((annotation) => annotation.name));
      return ["user_feedback", "names_every_city", "answers_the_question"].every((name) => names.has(name)) ? body.data : undefined;
    });
    expect(annotations.filter((annotation) => annotation.name === "user_feedback")).toHaveLength(1);
    expect(annotations.find((annotation) => annotation.name === "user_feedback")).toMatchObject({
      span_id: firstTurn.spanId,
      annotator_kind: "HUMAN",
      result: { label: "thumbs-up", score: 1 },
    });
    expect(annotations.find((annotation) => annotation.name === "names_every_city")).toMatchObject({ annotator_kind: "CODE", result: { label: "complete", score: 1 } });
    expect(annotations.find((annotation) => annotation.name === "answers_the_question")).toMatchObject({ annotator_kind: "LLM", result: { label: "answered", score: 1 } });
  });

  it("a question the city guide answers (POST /api/chat): Phoenix shows the documents the app retrieved, best first, and the answer cites them", async () => {
    const question = "When is the best season to visit Paris?";
    const response = await fetch(`${appUrl}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ messages: [{ role: "user", content: question }] }) });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { message: { content: string }; traceId: string };
    const retriever = await poll("the app's RETRIEVER span in Phoenix", async () => {
      const found = await fetch(`${phoenix!.url}/v1/projects/${PROJECT}/spans?trace_id=${answer.traceId}&limit=100`);
      const { data } = (await found.json()) as { data: PhoenixSpan[] };
      return data.find((span) => span.span_kind === "RETRIEVER");
    });
    const documents = indexedItems(retriever.attributes, "retrieval.documents.", ".document.");
    expect(documents.map((document) => document.id), `the RETRIEVER span in Phoenix: ${JSON.stringify(retriever.attributes).slice(0, 1500)}`).toContain("paris-seasons");
    const scores = documents.map((document) => document.score as number);
    expect([...scores].sort((a, b) => b - a), "best first").toEqual(scores);
    expect(answer.message.content).toContain("[paris-seasons]");
  });

  it("links each answer to its trace in Phoenix", async () => {
    const href = await page.locator(".trace-link").last().getAttribute("href");
    expect(href).toBe(`/api/traces/${firstTurn.traceId}`);
    const redirect = await fetch(`${appUrl}${href}`, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    const location = redirect.headers.get("location") ?? "";
    expect(location).toMatch(new RegExp(`^${phoenix!.url}/projects/[^/]+/traces/${firstTurn.traceId}$`));
    expect((await fetch(location)).status).toBe(200);
  });
  it("shows a busy indicator while the model thinks, and New conversation starts a new session", async () => {
    await page.locator("#input").fill("hello [[fault:slow=1500]]");
    const answered = page.waitForResponse(isChatStream);
    await page.locator("#input").press("Enter");
    await expect.poll(() => page.locator("#busy").isVisible()).toBe(true);
    expect(await page.locator("#send").isDisabled()).toBe(true);
    expect(await page.locator("#new-conversation").isDisabled(), "no new conversation while an answer is on its way").toBe(true);
    expect((await answered).status()).toBe(200);
    await expect.poll(() => page.locator("#busy").isVisible()).toBe(false);
    expect(await page.locator(".message.assistant").count()).toBe(2);

    expect(await page.locator("#new-conversation").isDisabled()).toBe(false);
    await page.locator("#new-conversation").click();
    expect(await page.locator(".message").count()).toBe(0);
    const sessionId = await page.evaluate(() => (JSON.parse(localStorage.getItem("workbook-chatbot.conversation") ?? "{}") as { sessionId?: string }).sessionId);
    expect(sessionId).not.toBe(firstTurn.sessionId);
  });

  it("in Phoenix's Sessions view, a two-turn conversation reads as the chat: each question and reply as text, not JSON", async () => {
    const questions = ["What's the weather in Paris?", "And in London?"];
    const turns: ChatResponse[] = [];
    for (const question of questions) {
      const { response, answer } = await askInPage(question);
      expect(response.status()).toBe(200);
      turns.push(answer!);
    }
    expect(turns[1]!.message.content, "the follow-up was answered from the history").toMatch(/In London it is/);
    expect(turns[1]!.sessionId).toBe(turns[0]!.sessionId);

    // What the Sessions view shows, read the way Phoenix's own page reads it (GraphQL): the
    // session's traces in order, each by its root span's input and output.
    const session = await poll("the session's two turns in Phoenix", async () => {
      const found = await sessionInPhoenix(turns[0]!.sessionId);
      const roots = found?.traces.edges.map((edge) => edge.node.rootSpan);
      return roots?.length === questions.length && roots.every((root) => root?.output) ? found : undefined;
    });
    expect(session.numTraces).toBe(2);
    expect(session.traces.edges.map((edge) => edge.node.traceId)).toEqual(turns.map((turn) => turn.traceId));
    expect(session.traces.edges.map((edge) => ({ input: edge.node.rootSpan?.input, output: edge.node.rootSpan?.output }))).toEqual(
      turns.map((turn, index) => ({
        input: { value: questions[index], mimeType: "text" },
        output: { value: turn.message.content, mimeType: "text" },
      })),
    );
    expect(session.firstInput).toEqual({ value: questions[0], mimeType: "text" });
    expect(session.lastOutput).toEqual({ value: turns[1]!.message.content, mimeType: "text" });
  });
});

describe("the terminal client (npm run chat), with Phoenix", () => {
  it("a terminal turn is one trace in Phoenix: its CLIENT span the root, reading as the chat, then the app's SERVER span, chat_turn, RETRIEVER (EMBEDDING), LLM, TOOL, LLM; the session from its baggage", async () => {
    const question = "What's the weather in Paris?";
    const output = await runChatClient(`${question}\n`);
    const traceId = /^ {5}trace ([0-9a-f]{32}):/m.exec(output)?.[1];
    const sessionId = /\(session ([0-9a-f-]{36})\)/.exec(output)?.[1];
    const reply = /^bot> (.*)$/m.exec(output)?.[1];
    expect(traceId, `a trace line in the output:\n${output}`).toBeDefined();
    expect(reply).toMatch(/In Paris it is 18°C/);

    const spans = await spansOfTrace(traceId!, 8);
    const root = spans.find((span) => span.parent_id === null);
    expect(root?.attributes["url.full"], "the root is the terminal's CLIENT span").toBe(`${appUrl}/api/chat/stream`);
    expect(root?.span_kind).toBe("CHAIN");
    expect(root?.attributes["http.response.status_code"]).toBe(200);
    expect(root?.attributes["input.value"]).toBe(question);
    expect(root?.attributes["output.value"]).toBe(reply);
    const server = spans.find((span) => span.parent_id === root?.context.span_id);
    expect(server?.attributes["http.route"], "the app's SERVER span continues the client's traceparent").toBe("/api/chat/stream");
    const turn = spans.find((span) => span.name === "chat_turn");
    expect(turn?.parent_id).toBe(server?.context.span_id);
    expect(spans.filter((span) => span.parent_id === turn?.context.span_id).map((span) => span.span_kind).sort()).toEqual(["LLM", "LLM", "RETRIEVER", "TOOL"]);
    for (const span of spans) expect(span.attributes["session.id"], `session.id on ${span.name}`).toBe(sessionId);
  });
});

describe("a lesson's finished chatbot, run with npx tsx, in Phoenix", () => {
  it("exports its spans as protobuf to PHOENIX_COLLECTOR_ENDPOINT and prints a link to the trace", async () => {
    const project = `${PROJECT}-lesson`;
    // The lesson talks to its own offline model: no provider variables may leak in from the shell.
    const { OPENAI_BASE_URL: _url, OPENAI_API_KEY: _key, OPENAI_MODEL: _model, ...env } = process.env;
    const output = await runToEnd(
      process.execPath,
      ["--import", "tsx", "solutions/06-errors/chatbot.ts", WEATHER_QUESTION],
      { ...env, PHOENIX_COLLECTOR_ENDPOINT: phoenix!.url, PHOENIX_PROJECT_NAME: project, FORCE_COLOR: "0" },
    );
    expect(output).toContain("In Paris it is 18°C and sunny. In Tokyo it is 22°C and cloudy.");
    const link = new RegExp(`phoenix: (${phoenix!.url}/projects/[^/]+/traces/([0-9a-f]{32}))`).exec(output);
    expect(link, `a trace link in the output:\n${output}`).not.toBeNull();
    expect((await fetch(link![1]!)).status).toBe(200);

    const spans = await poll("the lesson's 5 spans in Phoenix", async () => {
      const response = await fetch(`${phoenix!.url}/v1/projects/${project}/spans?trace_id=${link![2]}&limit=100`);
      const { data } = (await response.json()) as { data: PhoenixSpan[] };
      return data.length >= 5 ? data : undefined;
    });
    expect(spans.map((span) => span.span_kind).sort()).toEqual(["CHAIN", "LLM", "LLM", "TOOL", "TOOL"]);
    for (const llm of spans.filter((span) => span.span_kind === "LLM")) {
      expect(llm.attributes["llm.token_count.total"] ?? (llm.attributes.llm as { token_count?: { total?: number } })?.token_count?.total).toBeGreaterThan(0);
    }
  });
});

describe("the feedback-and-evals lesson's finished chatbot, in Phoenix", () => {
  it("Phoenix's schema for POST /v1/span_annotations is still the one the tests' stand-in checks bodies against", async () => {
    const checkedIn = JSON.parse(await readFile(path.join(repoRoot, "shared/testing/phoenix-stand-in/span-annotations.openapi.json"), "utf8")) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    const live = (await (await fetch(`${phoenix!.url}/openapi.json`)).json()) as { paths: Record<string, { post?: unknown }>; components: { schemas: Record<string, unknown> } };
    expect(live.paths["/v1/span_annotations"]?.post).toEqual((checkedIn.paths["/v1/span_annotations"] as { post: unknown }).post);
    for (const [name, schema] of Object.entries(checkedIn.components.schemas)) expect(live.components.schemas[name], name).toEqual(schema);
  });

  it("its run judges the answer (two EVALUATOR spans under the SERVER span, what was judged in, the verdict out) and votes; Phoenix holds the CODE and LLM verdicts and the user's changed vote, on the SERVER span", async () => {
    const project = `${PROJECT}-judged`;
    const { OPENAI_BASE_URL: _url, OPENAI_API_KEY: _key, OPENAI_MODEL: _model, ...env } = process.env;
    const output = await runToEnd(process.execPath, ["--import", "tsx", "solutions/10-feedback-and-evals/chatbot.ts", WEATHER_QUESTION], {
      ...env,
      PHOENIX_COLLECTOR_ENDPOINT: phoenix!.url,
      PHOENIX_PROJECT_NAME: project,
      FORCE_COLOR: "0",
    });
    expect(output).toContain("judge: names_every_city [CODE] complete (score 1)");
    expect(output).toContain("judge: answers_the_question [LLM] answered (score 1)");
    const judged = /vote: down by workbook-learner: saved on span ([0-9a-f]{16})/.exec(output)?.[1];
    expect(judged, `the changed vote saved:\n${output}`).toBeDefined();
    const traceId = new RegExp(`phoenix: ${phoenix!.url}/projects/[^/]+/traces/([0-9a-f]{32})`).exec(output)?.[1];
    expect(traceId, `a trace link in the output:\n${output}`).toBeDefined();

    const spans = await poll("the judged trace's spans in Phoenix, EVALUATOR spans included", async () => {
      const response = await fetch(`${phoenix!.url}/v1/projects/${project}/spans?trace_id=${traceId}&limit=100`);
      const { data } = (await response.json()) as { data: PhoenixSpan[] };
      return data.filter((span) => span.span_kind === "EVALUATOR").length >= 2 ? data : undefined;
    });
    const server = spans.find((span) => span.context.span_id === judged);
    expect(server?.name).toBe("POST /chat");
    expect(server?.parent_id, "the SERVER span is under the CLIENT span").not.toBeNull();
    for (const name of ["names_every_city", "answers_the_question"]) {
      const evaluator = spans.find((span) => span.name === name);
      expect(evaluator?.span_kind, name).toBe("EVALUATOR");
      expect(evaluator?.parent_id, name).toBe(judged);
      expect(JSON.parse(String(evaluator?.attributes["input.value"]))).toEqual({ question: WEATHER_QUESTION, reply: "In Paris it is 18°C and sunny. In Tokyo it is 22°C and cloudy." });
      expect(JSON.parse(String(evaluator?.attributes["output.value"]))).toMatchObject({ score: 1 });
    }

    interface StoredAnnotation {
      name: string;
      annotator_kind: string;
      span_id: string;
      identifier: string;
      result: { label: string | null; score: number | null; explanation: string | null };
    }
    const annotations = await poll("the three annotations of the SERVER span", async () => {
      const response = await fetch(`${phoenix!.url}/v1/projects/${project}/span_annotations?span_ids=${judged}`);
      const { data } = (await response.json()) as { data: StoredAnnotation[] };
      return data.length >= 3 ? data : undefined;
    });
    const byName = Object.fromEntries(annotations.map((annotation) => [annotation.name, annotation]));
    expect(annotations).toHaveLength(3);
    expect(byName.names_every_city).toMatchObject({ annotator_kind: "CODE", span_id: judged, result: { label: "complete", score: 1 } });
    expect(byName.answers_the_question).toMatchObject({ annotator_kind: "LLM", span_id: judged, result: { label: "answered", score: 1 } });
    // The run voted up, then down, as the same user: Phoenix kept one vote, the changed one.
    expect(byName.user_feedback).toMatchObject({ annotator_kind: "HUMAN", span_id: judged, identifier: "workbook-learner", result: { label: "down", score: 0 } });
  });
});

describe("the retrieval lesson's finished chatbot, run with npx tsx, in Phoenix", () => {
  it("Phoenix has the RETRIEVER span's documents (ids, texts, scores best first, metadata), the EMBEDDING span's text and vector, and the LLM span's prompt template", async () => {
    const project = `${PROJECT}-retrieval`;
    const question = "When is the best season to visit Paris, Cairo or New York?";
    const { OPENAI_BASE_URL: _url, OPENAI_API_KEY: _key, OPENAI_MODEL: _model, OPENAI_EMBEDDING_MODEL: _embedding, ...env } = process.env;
    const output = await runToEnd(
      process.execPath,
      ["--import", "tsx", "solutions/12-retrieval/chatbot.ts", question],
      { ...env, PHOENIX_COLLECTOR_ENDPOINT: phoenix!.url, PHOENIX_PROJECT_NAME: project, FORCE_COLOR: "0" },
    );
    expect(output).toMatch(/\[paris-seasons\].*\[cairo-seasons\].*\[new-york-seasons\]/);
    const traceId = new RegExp(`phoenix: ${phoenix!.url}/projects/[^/]+/traces/([0-9a-f]{32})`).exec(output)?.[1];
    expect(traceId, `a trace link in the output:\n${output}`).toBeDefined();

    // CLIENT, SERVER, chat_turn, RETRIEVER, EMBEDDING, LLM
    const spans = await poll("the lesson's 6 spans in Phoenix", async () => {
      const response = await fetch(`${phoenix!.url}/v1/projects/${project}/spans?trace_id=${traceId}&limit=100`);
      const { data } = (await response.json()) as { data: PhoenixSpan[] };
      return data.length >= 6 ? data : undefined;
    });
    const byKind = (kind: string) => spans.filter((span) => span.span_kind === kind);
    const [retriever] = byKind("RETRIEVER");
    const [embedding] = byKind("EMBEDDING");
    const turn = spans.find((span) => span.name === "chat_turn");
    expect(retriever?.parent_id).toBe(turn?.context.span_id);
    expect(embedding?.name).toBe("CreateEmbeddings");
    expect(embedding?.parent_id).toBe(retriever?.context.span_id);

    // Phoenix gives the attributes back flattened, and the metadata's JSON text parsed into keys of its own.
    const documents = indexedItems(retriever!.attributes, "retrieval.documents.", ".document.");
    expect(documents.map((document) => document.id), `the RETRIEVER span's attributes in Phoenix: ${JSON.stringify(retriever!.attributes).slice(0, 1500)}`).toEqual(["paris-seasons", "cairo-seasons", "new-york-seasons"]);
    const scores = documents.map((document) => document.score as number);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(documents[0]!.content).toMatch(/^Paris is mild/);
    expect(documents[0]).toMatchObject({ "metadata.city": "Paris", "metadata.topic": "seasons" });

    const [embedded] = indexedItems(embedding!.attributes, "embedding.embeddings.", ".embedding.");
    expect(embedded?.text, `the EMBEDDING span's attributes in Phoenix: ${JSON.stringify(embedding!.attributes).slice(0, 600)}`).toBe(question);
    expect(embedded?.vector).toHaveLength(512);

    const [llm] = byKind("LLM");
    expect(llm!.attributes["llm.prompt_template.template"], `the LLM span's attributes in Phoenix: ${Object.keys(llm!.attributes).join(", ")}`).toMatch(/\{documents\}/);
    expect(llm!.attributes["llm.prompt_template.version"]).toBe("city-guide-1");
  });
});

/** A flattened list as Phoenix's REST API gives it back: `<prefix><i><infix><field>` keys, one object of fields per index. */
function indexedItems(attributes: Record<string, unknown>, prefix: string, infix: string): Array<Record<string, unknown>> {
  const items: Array<Record<string, unknown>> = [];
  for (const [key, value] of Object.entries(attributes)) {
    const match = new RegExp(`^${prefix.replace(/\./g, "\\.")}(\\d+)${infix.replace(/\./g, "\\.")}(.+)$`).exec(key);
    if (match) (items[Number(match[1])] ??= {})[match[2]!] = value;
  }
  return items;
}

describe("when things go wrong", () => {
  it("a bad request gets its 4xx with the reason, and the server keeps serving", async () => {
    const unknownRole = await postChat('{"messages":[{"role":"wizard","content":"hi"}]}');
    expect(unknownRole.status).toBe(400);
    expect(((await unknownRole.json()) as ErrorResponse).error).toContain('messages[0].role must be one of: "user", "assistant"');
    const notJson = await postChat("{this is not json");
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as ErrorResponse).error).toContain("not valid JSON");
    const tooBig = await postChat(JSON.stringify({ messages: [{ role: "user", content: "x".repeat(2_000_000) }] }));
    expect(tooBig.status).toBe(413);
    const streamedUnknownRole = await postChat('{"messages":[{"role":"wizard","content":"hi"}]}', "/api/chat/stream");
    expect(streamedUnknownRole.status, "the streamed route refuses before any stream").toBe(400);
    expect(((await streamedUnknownRole.json()) as ErrorResponse).error).toContain("messages[0].role must be one of");

    const stillThere = await postChat(JSON.stringify({ messages: [{ role: "user", content: "hello" }] }));
    expect(stillThere.status).toBe(200);
  });

  it("a model failure shows a 502 in the page, and an ERROR LLM span with its exception in Phoenix", async () => {
    await page.locator("#input").fill("Hello [[fault:http-500]]");
    const answered = page.waitForResponse(isChatStream);
    await page.locator("#input").press("Enter");
    const response = await answered;
    expect(response.status()).toBe(502);
    const { traceId, error } = (await response.json()) as ErrorResponse;
    await expect.poll(() => page.locator("#error").innerText()).toContain("Error 502: The model service had an error (HTTP 500)");
    expect(await page.locator("#input").inputValue(), "the question is given back to resend").toBe("Hello [[fault:http-500]]");

    const spans = await spansOfTrace(traceId!, 3);
    const llm = spans.find((span) => span.span_kind === "LLM");
    expect(llm?.status_code).toBe("ERROR");
    const exception = llm?.events.find((event) => event.name === "exception");
    expect(exception?.attributes["exception.type"]).toBe("ModelApiError");
    expect(String(exception?.attributes["exception.message"])).toContain("HTTP 500");
    const root = spans.find((span) => span.parent_id === null);
    expect(root?.status_code).toBe("ERROR");
    expect(root?.attributes["input.value"]).toBe("Hello [[fault:http-500]]");
    expect(root?.attributes["output.value"], "the failed turn reads as what the user was told").toBe(error);
  });

  it("an answer cut off mid-stream: the page shows the error event's text with the trace link, and Phoenix the ERROR LLM span with what arrived", async () => {
    const { response, error, pieces } = await askInPage("Hello! [[fault:stream-abort]]");
    expect(response.status(), "the stream had begun: its 200 was sent").toBe(200);
    expect(pieces.length).toBeGreaterThan(0);
    expect(error?.error).toBe("The connection to the model was cut off before its answer was complete. Please try again.");
    await expect.poll(() => page.locator("#error").innerText()).toContain(error!.error);
    expect(await page.locator("#error .trace-link").getAttribute("href")).toBe(`/api/traces/${error!.traceId}`);
    expect(await page.locator("#input").inputValue(), "the question is given back to resend").toBe("Hello! [[fault:stream-abort]]");

    const spans = await spansOfTrace(error!.traceId!, 3);
    const llm = spans.find((span) => span.span_kind === "LLM");
    expect(llm?.status_code).toBe("ERROR");
    expect(llm?.events.find((event) => event.name === "exception")?.attributes["exception.type"]).toBe("ModelConnectionCutError");
    expect(llm?.attributes["output.value"], "the part that arrived is kept").toBe(pieces.join(""));
    const root = spans.find((span) => span.parent_id === null);
    expect(root?.status_code).toBe("ERROR");
    expect(root?.attributes["output.value"]).toBe(error!.error);
  });

  it("a provider's error event mid-stream (a gateway whose upstream failed): the page says the provider cut the answer off, in its words, with the trace link; Phoenix has the LLM span as ERROR with the ModelStreamError in those words, and what arrived", async () => {
    const question = "Hello! [[fault:stream-error]]";
    const answersBefore = await page.locator(".message.assistant").count();
    const { response, error, pieces } = await askInPage(question);
    expect(response.status(), "the stream had begun: its 200 was sent").toBe(200);
    expect(pieces.length).toBeGreaterThan(0);
    expect(error?.error).toMatch(/^The model's provider cut the answer off; please try again\. It said: litellm\.APIConnectionError: .*Connection error\./);
    await expect.poll(() => page.locator("#error").innerText()).toContain(error!.error);
    expect(await page.locator("#error .trace-link").getAttribute("href")).toBe(`/api/traces/${error!.traceId}`);
    expect(await page.locator("#input").inputValue(), "the question is given back to resend").toBe(question);
    await expect.poll(() => page.locator(".message.assistant").count(), { message: "the cut answer is taken back out of the conversation" }).toBe(answersBefore);

    const spans = await spansOfTrace(error!.traceId!, 3);
    const llm = spans.find((span) => span.span_kind === "LLM");
    expect(llm?.status_code).toBe("ERROR");
    expect(llm?.status_message).toMatch(/^The model's provider ended the stream with an error: litellm\.APIConnectionError: /);
    const exception = llm?.events.find((event) => event.name === "exception");
    expect(exception?.attributes[ATTR_EXCEPTION_TYPE]).toBe("ModelStreamError");
    expect(String(exception?.attributes[ATTR_EXCEPTION_MESSAGE]), "the provider's own words").toMatch(/^The model's provider ended the stream with an error: litellm\.APIConnectionError: .*Connection error\./);
    expect(llm?.attributes[SemanticConventions.OUTPUT_VALUE], "the part that arrived is kept").toBe(pieces.join(""));
    const turn = spans.find((span) => span.name === "chat_turn");
    expect(turn?.status_code).toBe("ERROR");
    expect(turn?.attributes[SemanticConventions.OUTPUT_VALUE], "the turn reads as what the user was told").toBe(error!.error);
    const root = spans.find((span) => span.parent_id === null);
    expect(root?.status_code).toBe("ERROR");
    expect(root?.attributes[ATTR_ERROR_TYPE]).toBe("ModelStreamError");
    expect(root?.attributes[SemanticConventions.INPUT_VALUE]).toBe(question);
    expect(root?.attributes[SemanticConventions.OUTPUT_VALUE]).toBe(error!.error);
  });

  it("with Phoenix stopped mid-run, the app still answers, and warns once", async () => {
    await phoenix!.stop();
    for (const question of ["calculate 6 * 7", "What's the weather in London?"]) {
      // Each answer to its end before the next question: the page takes no question while one
      // streams (its 200 comes with the first piece, long before the answer is done).
      const { response } = await askInPage(question);
      expect(response.status()).toBe(200);
      await page.locator("#busy").waitFor({ state: "hidden" });
    }
    await expect.poll(() => page.locator(".message.assistant").last().innerText()).toContain("In London it is 14°C");
    await waitFor("the app's warning about Phoenix", async () => appOutput.includes("Could not send spans"), 15_000, () => appOutput);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // more failed batches: still one warning
    expect(appOutput.match(/Could not send spans/g)).toHaveLength(1);
    expect((await fetch(`${appUrl}/healthz`)).status).toBe(200);
  });

  it("with Phoenix stopped, an answer's trace link opens a page that says its trace is not in Phoenix, and why, instead of leading there", async () => {
    const link = page.locator(".message.assistant").last().locator(".trace-link");
    const [tab] = await Promise.all([browser!.waitForEvent("page"), link.click()]);
    try {
      await tab.waitForLoadState();
      expect(await tab.title()).toBe("Trace not recorded");
      expect(await tab.locator("p").first().innerText()).toMatch(/^This answer's trace is not in Phoenix: its spans could not be sent \(.+\)\. .*npm run phoenix/);
    } finally {
      await tab.close();
    }
  });
});

/** Phoenix stores spans in the background: poll until the trace has `count` spans. */
async function spansOfTrace(traceId: string, count: number): Promise<PhoenixSpan[]> {
  return poll(`${count} spans of trace ${traceId} in Phoenix`, async () => {
    const response = await fetch(`${phoenix!.url}/v1/projects/${PROJECT}/spans?trace_id=${traceId}&limit=100`);
    if (!response.ok) return undefined;
    const { data } = (await response.json()) as { data: PhoenixSpan[] };
    return data.length >= count ? data : undefined;
  });
}

interface PhoenixIOValue {
  value: string;
  mimeType: "text" | "json";
}

interface PhoenixSession {
  numTraces: number;
  firstInput: PhoenixIOValue | null;
  lastOutput: PhoenixIOValue | null;
  traces: { edges: Array<{ node: { traceId: string; rootSpan: { input: PhoenixIOValue | null; output: PhoenixIOValue | null } | null } }> };
}

/** A session as Phoenix's Sessions view has it (its /graphql: ProjectSession); undefined while Phoenix has none by that id. */
async function sessionInPhoenix(sessionId: string): Promise<PhoenixSession | undefined> {
  const query = `query SessionTurns($sessionId: String!) {
    getProjectSessionById(sessionId: $sessionId) {
      numTraces
      firstInput { value mimeType }
      lastOutput { value mimeType }
      traces(first: 10) { edges { node { traceId rootSpan { input { value mimeType } output { value mimeType } } } } }
    }
  }`;
  const response = await fetch(`${phoenix!.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables: { sessionId } }),
  });
  const { data, errors } = (await response.json()) as { data?: { getProjectSessionById: PhoenixSession | null }; errors?: Array<{ message: string }> };
  // A query Phoenix does not understand (its schema changed) is an error that says why, not "no session yet".
  if (errors?.length) throw new Error(`Phoenix's GraphQL refused the session query: ${errors.map((each) => each.message).join("; ")}`);
  return data?.getProjectSessionById ?? undefined;
}

/** "2026-01-01T10:00:00.123456+00:00" (Phoenix leaves out a zero fraction) -> microseconds */
function microseconds(timestamp: string): number {
  const fraction = /\.(\d+)/.exec(timestamp)?.[1] ?? "0";
  return Date.parse(timestamp.replace(/\.\d+/, "")) * 1000 + Number(fraction.padEnd(6, "0").slice(0, 6));
}

async function poll<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const result = await attempt().catch((error: unknown) => void (lastError = error));
    if (result !== undefined) return result;
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (the last attempt failed: ${lastError.message})` : "";
      throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}${why}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, context: () => string): Promise<void> {
  await poll(what, async () => ((await check()) ? true : undefined), timeoutMs).catch((error: Error) => {
    throw new Error(`${error.message}\n--- output so far ---\n${context().slice(-3000)}`);
  });
}

/** Runs a command in the repository to its end; resolves to its output, rejects with it on a non-zero exit. */
function runToEnd(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code}:\n${output}`));
    });
  });
}

function postChat(body: string, path = "/api/chat"): Promise<Response> {
  return fetch(`${appUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });
}

/** The page's chat requests: POST /api/chat/stream. */
function isChatStream(response: PageResponse): boolean {
  return response.url().endsWith("/api/chat/stream");
}

/**
 * Asks in the page (typed, then Enter); resolves with the response and what its stream carried,
 * as the page received it: each piece of text, and the done (or error) event's content.
 */
async function askInPage(question: string): Promise<{ response: PageResponse; pieces: string[]; answer?: ChatResponse; error?: ErrorResponse }> {
  const streamsBefore = await page.evaluate(() => (window as unknown as { chatStreams: unknown[] }).chatStreams.length);
  await page.locator("#input").fill(question);
  const answered = page.waitForResponse(isChatStream);
  await page.locator("#input").press("Enter");
  const response = await answered;
  const body = await page.waitForFunction(
    (index) => {
      const stream = (window as unknown as { chatStreams: Array<{ text: string; done: boolean }> }).chatStreams[index];
      return stream?.done ? stream.text : undefined;
    },
    streamsBefore,
    { timeout: 30_000 },
  );
  const events = ((await body.jsonValue()) as string)
    .split("\n\n")
    .filter((block) => block.startsWith("event:"))
    .map((block) => {
      const [eventLine, dataLine] = block.split("\n");
      return { event: eventLine!.slice("event: ".length), data: JSON.parse(dataLine!.slice("data: ".length)) } as ChatStreamEvent;
    });
  const pieces = events.flatMap((event) => (event.event === "delta" ? [event.data.text] : []));
  const last = events.at(-1);
  return { response, pieces, answer: last?.event === "done" ? last.data : undefined, error: last?.event === "error" ? last.data : undefined };
}

/** `npm run chat` against the app, with `input` piped in and its spans sent to this Phoenix; resolves to its output. */
function runChatClient(input: string): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, APP_URL: appUrl, PHOENIX_COLLECTOR_ENDPOINT: phoenix!.url, PHOENIX_PROJECT_NAME: PROJECT };
  for (const name of ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER"]) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "solutions/app/cli/chat.ts"], { cwd: repoRoot, env, stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`npm run chat exited with ${code}:\n${output}`));
    });
    child.stdin.end(input);
  });
}
