// `npm run chat`: the chatbot in the terminal, talking to the running app (`npm run app`).
// It keeps the conversation and a session id, like the web page; /new starts over, /quit leaves.
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline/promises";
import { stdin, stdout } from "node:process";
import type { ChatRequest, ChatResponse, ConversationMessage, ErrorResponse } from "../api.ts";

const appUrl = (process.env.APP_URL || `http://127.0.0.1:${process.env.APP_PORT || 8000}`).replace(/\/+$/, "");

let sessionId = randomUUID();
let messages: ConversationMessage[] = [];
/** the answer on its way, if any: Ctrl-C cancels it */
let pending: AbortController | undefined;
let asked = 0;
let answered = 0;

const terminal = createInterface({ input: stdin, output: stdout, prompt: "you> " });
// Ctrl-C (in a terminal, readline gets it as a key): stop waiting for the answer and leave.
// Without this handler readline only closes itself, and a pending answer keeps the process alive.
terminal.on("SIGINT", () => {
  pending?.abort();
  terminal.close();
  stdout.write("\n");
});
console.log(`Chatting with ${appUrl} (session ${sessionId}). /new starts over, /quit, Ctrl-D or Ctrl-C leaves.`);
terminal.prompt();

// Reading lines as an async iterator queues the ones typed (or piped in) while an answer is on its way.
for await (const line of terminal) {
  const text = line.trim();
  if (text === "/quit" || text === "/exit") break;
  if (text === "/new") {
    sessionId = randomUUID();
    messages = [];
    console.log(`New conversation (session ${sessionId}).`);
  } else if (text !== "") {
    if (!stdin.isTTY) console.log(text); // echo piped input, so the transcript reads like a chat
    messages.push({ role: "user", content: text });
    const request: ChatRequest = { messages, sessionId };
    pending = new AbortController();
    asked++;
    try {
      const answer = await chat(request, pending.signal);
      messages.push(answer.message);
      answered++;
      console.log(`bot> ${answer.message.content}`);
      console.log(`     trace ${answer.traceId}: ${appUrl}/api/traces/${answer.traceId}`);
    } catch (error) {
      messages.pop(); // unanswered: not part of the conversation
      if (pending.signal.aborted) break; // Ctrl-C
      console.log(`!!   ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      pending = undefined;
    }
  }
  terminal.prompt();
}
terminal.close();
// Piped in (a script, CI): when no question got an answer, say so with the exit code too.
if (!stdin.isTTY && asked > 0 && answered === 0) {
  console.error(`None of the ${asked} question(s) got an answer.`);
  process.exitCode = 1;
}

async function chat(request: ChatRequest, signal: AbortSignal): Promise<ChatResponse> {
  let response: Response;
  try {
    response = await fetch(`${appUrl}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new Error(`The app is not reachable at ${appUrl}. Start it with \`npm run app\` (or set APP_URL).`);
  }
  const body = (await response.json().catch(() => ({}))) as ChatResponse | ErrorResponse;
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${(body as ErrorResponse).error ?? response.statusText}`);
  return body as ChatResponse;
}
