// `npm run chat`: the chatbot in the terminal, talking to the running app (`npm run app`).
// It keeps the conversation and a session id, like the web page; /new starts over, /quit leaves.
// The answer is printed as it streams in (POST /api/chat/stream). Each turn is traced as lesson 9
// teaches the client side: a CLIENT span, the root of the turn's trace, whose context goes to the
// app as W3C `traceparent` and whose session id goes as W3C `baggage` (the app's SERVER span
// continues the trace and takes the session from it): cli/ask-app.ts. Spans go to Phoenix (cli/tracing.ts).
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline/promises";
import { stdin, stdout } from "node:process";
import type { ConversationMessage } from "../api.ts";
import { askApp } from "./ask-app.ts";
import { setupClientTracing, type ClientTracing } from "./tracing.ts";

const appUrl = (process.env.APP_URL || `http://127.0.0.1:${process.env.APP_PORT || 8000}`).replace(/\/+$/, "");

let tracing: ClientTracing;
try {
  tracing = setupClientTracing();
} catch (error) {
  // A setting the app would refuse too (an unknown OTEL_EXPORTER_OTLP_PROTOCOL): say which.
  console.error(`npm run chat could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
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
// Input can end while an answer is on its way (piped input, Ctrl-D): the lines already read still
// come, but no prompt follows (Node 24 throws ERR_USE_AFTER_CLOSE on prompt() after close).
let closed = false;
terminal.on("close", () => (closed = true));
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
    pending = new AbortController();
    asked++;
    let printed = false;
    const print = (piece: string) => {
      stdout.write(printed ? piece : `bot> ${piece}`);
      printed = true;
    };
    try {
      const answer = await askApp({ appUrl, conversation: messages, question: text, sessionId, onText: print, signal: pending.signal });
      messages.push(answer.message);
      answered++;
      if (!printed) print(answer.message.content);
      stdout.write("\n");
      if (answer.traceId) console.log(`     trace ${answer.traceId}: ${appUrl}/api/traces/${answer.traceId}`);
    } catch (error) {
      messages.pop(); // unanswered: not part of the conversation
      if (printed) stdout.write("\n");
      if (pending.signal.aborted) break; // Ctrl-C
      console.log(`!!   ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      pending = undefined;
    }
  }
  if (!closed) terminal.prompt();
}
terminal.close();
await tracing.shutdown(); // the last turn's span is on its way to Phoenix
// Piped in (a script, CI): when no question got an answer, say so with the exit code too.
if (!stdin.isTTY && asked > 0 && answered === 0) {
  console.error(`None of the ${asked} question(s) got an answer.`);
  process.exitCode = 1;
}
