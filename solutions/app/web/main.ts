// The chat page (the Streamlit role of the seed), in plain TypeScript: esbuild bundles it when
// the server starts. The conversation lives in the browser (localStorage, so it survives a
// reload); each send posts all of it to /api/chat/stream, which runs the tools and traces the
// turn, and the answer is shown as its pieces arrive (chat-stream.ts reads the events).
// The page sends no `traceparent`: it records no spans, and a server span whose parent was never
// exported would show in Phoenix under a missing root. The server span is the trace's root.
import type { ChatRequest, ConversationMessage, ErrorResponse, FeedbackRequest } from "../api.ts";
import { ChatStreamError, streamChat } from "../chat-stream.ts";

interface ShownMessage extends ConversationMessage {
  /** on answers: the turn's trace and the span that feedback goes to */
  traceId?: string;
  spanId?: string;
  feedback?: 0 | 1;
}

interface Conversation {
  sessionId: string;
  messages: ShownMessage[];
}

const STORAGE_KEY = "workbook-chatbot.conversation";
// Feather icons (MIT): drawn, not emoji, so they show on systems without an emoji font.
const THUMBS_UP =
  '<svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M14 9V5a3 3 0 0 0-3-3l-4 9v11h11.28a2 2 0 0 0 2-1.7l1.38-9a2 2 0 0 0-2-2.3zM7 22H4a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2h3"/></svg>';
const THUMBS_DOWN =
  '<svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M10 15v4a3 3 0 0 0 3 3l4-9V2H5.72a2 2 0 0 0-2 1.7l-1.38 9a2 2 0 0 0 2 2.3zm7-13h2.67A2.31 2.31 0 0 1 22 4v7a2.31 2.31 0 0 1-2.33 2H17"/></svg>';

const messagesList = element<HTMLOListElement>("messages");
const emptyHint = element<HTMLParagraphElement>("empty");
const busy = element<HTMLDivElement>("busy");
const errorBox = element<HTMLDivElement>("error");
const form = element<HTMLFormElement>("composer");
const input = element<HTMLTextAreaElement>("input");
const sendButton = element<HTMLButtonElement>("send");
const newConversationButton = element<HTMLButtonElement>("new-conversation");
const sessionLabel = element<HTMLSpanElement>("session");

let conversation = loadConversation();
/** each message's element, so an answer that is streaming in can grow without a new render */
const renderedMessages = new WeakMap<ShownMessage, HTMLLIElement>();
render();

form.addEventListener("submit", (event) => {
  event.preventDefault();
  void send();
});
// Enter sends; Shift+Enter starts a new line (and Enter while composing accented text does nothing).
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    void send();
  }
});
newConversationButton.addEventListener("click", () => {
  conversation = { sessionId: crypto.randomUUID(), messages: [] };
  saveConversation();
  showError(undefined);
  render();
  input.focus();
});

async function send(): Promise<void> {
  const text = input.value.trim();
  if (text === "" || !busy.hidden) return;
  // The answer belongs to the conversation it was asked in, whatever `conversation` is by then.
  const asked = conversation;
  asked.messages.push({ role: "user", content: text });
  input.value = "";
  showError(undefined);
  setBusy(true);
  render();

  const request: ChatRequest = {
    messages: asked.messages.map(({ role, content }) => ({ role, content })),
    sessionId: asked.sessionId,
  };
  // The answer grows in place as its pieces arrive; the done event then gives its ids.
  const answer: ShownMessage = { role: "assistant", content: "" };
  let shown = false;
  const onText = (piece: string) => {
    answer.content += piece;
    const element = renderedMessages.get(answer);
    if (element) element.textContent = answer.content;
    else {
      asked.messages.push(answer);
      shown = true;
      render();
    }
    busy.scrollIntoView({ block: "end" });
  };
  try {
    const done = await streamChat("", request, { onText });
    // The reply to keep is the done event's (the pieces are the text as the model wrote it).
    Object.assign(answer, { content: done.message.content, traceId: done.traceId, spanId: done.spanId });
    if (!shown) asked.messages.push(answer);
  } catch (error) {
    // Take the unanswered question (and any part of the answer) back out of the conversation,
    // and give the question back to edit or resend.
    if (shown) asked.messages.pop();
    asked.messages.pop();
    input.value = text;
    showError(chatErrorText(error, shown), error instanceof ChatStreamError ? error.traceId : undefined);
  } finally {
    setBusy(false);
    saveConversation();
    render();
    input.focus();
  }
}

async function sendFeedback(message: ShownMessage, score: 0 | 1, status: HTMLElement): Promise<void> {
  if (!message.spanId) return;
  status.textContent = "sending...";
  try {
    const feedback: FeedbackRequest = { spanId: message.spanId, score, ...(message.traceId ? { traceId: message.traceId } : {}) };
    await postJson("/api/feedback", feedback);
    message.feedback = score;
    saveConversation();
    render();
  } catch (error) {
    status.textContent = error instanceof Error ? error.message : String(error);
  }
}

/** What the user reads when a turn got no answer: the app's own explanation where it gave one. */
function chatErrorText(error: unknown, answerBegun: boolean): string {
  if (error instanceof ChatStreamError) return error.status >= 400 ? `Error ${error.status}: ${error.message}` : error.message;
  return answerBegun
    ? "The connection to the app was lost in the middle of the answer. Is `npm run app` still running?"
    : "The app's server is not reachable. Is `npm run app` still running?";
}

/** POSTs JSON (feedback); throws with the server's own explanation on a 4xx/5xx. */
async function postJson<T>(url: string, body: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  } catch {
    throw new Error("The app's server is not reachable. Is `npm run app` still running?");
  }
  const payload = (await response.json().catch(() => ({}))) as T | ErrorResponse;
  if (!response.ok) throw new Error(`Error ${response.status}: ${(payload as ErrorResponse).error ?? response.statusText}`);
  return payload as T;
}

function render(): void {
  sessionLabel.textContent = `session ${conversation.sessionId.slice(0, 8)}`;
  emptyHint.hidden = conversation.messages.length > 0;
  messagesList.replaceChildren(...conversation.messages.map(renderMessage));
  busy.scrollIntoView({ block: "end" });
}

function renderMessage(message: ShownMessage): HTMLLIElement {
  const item = document.createElement("li");
  renderedMessages.set(message, item);
  item.className = `message ${message.role}`;
  item.textContent = message.content;
  if (message.role === "assistant" && message.traceId && message.spanId) {
    const actions = document.createElement("div");
    actions.className = "actions";
    const status = document.createElement("span");
    status.className = "feedback-status";
    if (message.feedback !== undefined) status.textContent = "Thanks for the feedback.";
    actions.append(
      feedbackButton(message, 1, THUMBS_UP, "Good answer", status),
      feedbackButton(message, 0, THUMBS_DOWN, "Bad answer", status),
      status,
      traceLink(message.traceId),
    );
    item.append(actions);
  }
  return item;
}

function feedbackButton(message: ShownMessage, score: 0 | 1, icon: string, title: string, status: HTMLElement): HTMLButtonElement {
  const button = document.createElement("button");
  button.type = "button";
  button.className = score === 1 ? "feedback-up" : "feedback-down";
  button.innerHTML = icon; // a constant above, never user text
  button.title = title;
  button.setAttribute("aria-label", title);
  button.setAttribute("aria-pressed", String(message.feedback === score));
  button.addEventListener("click", () => void sendFeedback(message, score, status));
  return button;
}

function traceLink(traceId: string): HTMLAnchorElement {
  const link = document.createElement("a");
  // The server sends the spans to Phoenix, then redirects to the trace there (or, when Phoenix
  // refused them or was down, answers with a page that says so).
  link.href = `/api/traces/${traceId}`;
  link.target = "_blank";
  link.rel = "noopener";
  link.className = "trace-link";
  link.textContent = "view trace";
  return link;
}

function setBusy(isBusy: boolean): void {
  busy.hidden = !isBusy;
  sendButton.disabled = isBusy;
  // A new conversation waits for the answer in progress: it belongs to the current one.
  newConversationButton.disabled = isBusy;
}

function showError(message: string | undefined, traceId?: string): void {
  errorBox.hidden = message === undefined;
  errorBox.textContent = message ?? "";
  if (traceId) errorBox.append(" ", traceLink(traceId));
}

function loadConversation(): Conversation {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null") as Conversation | null;
    if (saved && typeof saved.sessionId === "string" && Array.isArray(saved.messages)) return saved;
  } catch {
    // A damaged entry: start over.
  }
  return { sessionId: crypto.randomUUID(), messages: [] };
}

function saveConversation(): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(conversation));
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`The page has no #${id}: index.html and main.ts disagree.`);
  return found as T;
}
