// `npm run chat`: the chatbot in the terminal, talking to the running app (`npm run app`).
// It keeps the conversation and a session id, like the web page; /new starts over, /quit leaves.
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline/promises";
import { stdin, stdout } from "node:process";
import type { ChatRequest, ChatResponse, ConversationMessage, ErrorResponse } from "../api.ts";

const appUrl = (process.env.APP_URL || `http://127.0.0.1:${process.env.APP_PORT || 8000}`).replace(/\/+$/, "");

let sessionId = randomUUID();
let messages: ConversationMessage[] = [];

const terminal = createInterface({ input: stdin, output: stdout, prompt: "you> " });
console.log(`Chatting with ${appUrl} (session ${sessionId}). /new starts over, /quit or Ctrl-D leaves.`);
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
    try {
      const answer = await chat(request);
      messages.push(answer.message);
      console.log(`bot> ${answer.message.content}`);
      console.log(`     trace ${answer.traceId}: ${appUrl}/api/traces/${answer.traceId}`);
    } catch (error) {
      messages.pop(); // unanswered: not part of the conversation
      console.log(`!!   ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  terminal.prompt();
}
terminal.close();

async function chat(request: ChatRequest): Promise<ChatResponse> {
  let response: Response;
  try {
    response = await fetch(`${appUrl}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
    });
  } catch {
    throw new Error(`The app is not reachable at ${appUrl}. Start it with \`npm run app\` (or set APP_URL).`);
  }
  const body = (await response.json().catch(() => ({}))) as ChatResponse | ErrorResponse;
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${(body as ErrorResponse).error ?? response.statusText}`);
  return body as ChatResponse;
}
