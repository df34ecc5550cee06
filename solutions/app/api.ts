// The app's HTTP API as TypeScript types, shared by the server, the web page and the terminal
// client (type-only imports: nothing of the server ends up in the page's bundle).

/** Who wrote a message the client sends. System prompts and tool messages stay on the server. */
export type ConversationRole = "user" | "assistant";

export interface ConversationMessage {
  role: ConversationRole;
  content: string;
}

/** POST /api/chat and POST /api/chat/stream */
export interface ChatRequest {
  /** the whole conversation so far, oldest first; the last message is the user's question */
  messages: ConversationMessage[];
  /**
   * groups the turns of one conversation into a Phoenix session; when absent, the server takes
   * the `session.id` of a W3C `baggage` header (what a traced client sends), or makes one
   */
  sessionId?: string;
}

export interface ChatResponse {
  message: { role: "assistant"; content: string };
  sessionId: string;
  /**
   * the turn's trace: open it with GET /api/traces/{traceId} (redirects to Phoenix; a 404 that
   * says why when the trace's spans did not get there: Phoenix refused them, or was down).
   * Absent when the turn was not recorded (tracing off: OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER=none).
   */
  traceId?: string;
  /** the span that feedback on this answer is attached to; absent with traceId */
  spanId?: string;
}

/**
 * POST /api/chat/stream takes a ChatRequest and answers with server-sent events (text/event-stream),
 * each `event: <name>` and one line `data: <JSON>`:
 * - `delta` with each piece of the answer's text as the model writes it;
 * - then `done` with the whole answer (a ChatResponse: what POST /api/chat would have returned),
 *   or `error` (an ErrorResponse) when the turn fails after the answer began: its 200 was sent
 *   already. A request refused or failed before any text gets the same 4xx/5xx JSON as /api/chat.
 */
export type ChatStreamEvent =
  | { event: "delta"; data: { text: string } }
  | { event: "done"; data: ChatResponse }
  | { event: "error"; data: ErrorResponse };

/** POST /api/feedback: thumbs up (1) or down (0) on one answer */
export interface FeedbackRequest {
  spanId: string;
  score: 0 | 1;
  /**
   * the answer's trace (as POST /api/chat returned it): with it, the app answers 404 at once when
   * that trace's spans never reached Phoenix, instead of sending feedback Phoenix would drop
   */
  traceId?: string;
}

export interface FeedbackResponse {
  ok: true;
}

/** Every 4xx/5xx answer: one sentence that names the problem and, where possible, the fix. */
export interface ErrorResponse {
  error: string;
  /** on a failed chat turn: its trace, to see in Phoenix what went wrong */
  traceId?: string;
}
