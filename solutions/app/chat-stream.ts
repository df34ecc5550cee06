// The client side of POST /api/chat/stream, shared by the web page and the terminal client: posts
// the conversation and reads the server-sent events from the response body as they arrive (a
// ReadableStream reader; EventSource cannot POST). Plain web APIs only: the page's bundle has it.
import type { ChatRequest, ChatResponse, ChatStreamEvent, ErrorResponse } from "./api.ts";

export const CHAT_STREAM_PATH = "/api/chat/stream";

/** The app answered, but not with an answer: a 4xx/5xx, an error event, or a stream cut short. */
export class ChatStreamError extends Error {
  override name = "ChatStreamError";
  constructor(
    /** what the app said (its `{ error }`), or what went wrong with the stream */
    message: string,
    /** the HTTP status: 200 when the stream had begun */
    readonly status: number,
    /** the failed turn's trace, when it was recorded */
    readonly traceId?: string,
  ) {
    super(message);
  }
}

export interface StreamChatOptions {
  /** each piece of the answer's text, as it arrives */
  onText: (text: string) => void;
  /** headers to send besides content-type (the terminal's traceparent and baggage) */
  headers?: Record<string, string>;
  /** aborts the request: the app then stops the turn */
  signal?: AbortSignal;
  /** the HTTP status, as soon as the response's headers have come (the terminal's CLIENT span records it) */
  onStatus?: (status: number) => void;
}

/**
 * Asks `appUrl`'s /api/chat/stream; resolves with the done event's answer. Throws a
 * ChatStreamError when the app answered with an error, and fetch's own error when it could not
 * be reached (or `signal` aborted).
 */
export async function streamChat(appUrl: string, request: ChatRequest, { onText, headers = {}, signal, onStatus }: StreamChatOptions): Promise<ChatResponse> {
  const response = await fetch(`${appUrl}${CHAT_STREAM_PATH}`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify(request),
    signal,
  });
  onStatus?.(response.status);
  if (!response.ok || !response.body) {
    const { error, traceId } = (await response.json().catch(() => ({}))) as Partial<ErrorResponse>;
    throw new ChatStreamError(error ?? response.statusText, response.status, traceId);
  }
  for await (const event of readChatStream(response.body)) {
    if (event.event === "delta") onText(event.data.text);
    else if (event.event === "done") return event.data;
    else throw new ChatStreamError(event.data.error, response.status, event.data.traceId);
  }
  throw new ChatStreamError("The answer was cut off: the connection to the app closed before it was complete.", response.status);
}

/** The events of a text/event-stream body, each as soon as its blank line has arrived. */
export async function* readChatStream(body: ReadableStream<Uint8Array>): AsyncGenerator<ChatStreamEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  let finished = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      // Events are separated by a blank line; the unfinished tail waits for the next read.
      const blocks = buffered.split(/\r?\n\r?\n/);
      buffered = blocks.pop() ?? "";
      for (const block of blocks) {
        const event = parseEvent(block);
        if (event) yield event;
      }
    }
    finished = true;
  } finally {
    // The reader stopped early (an answer in hand, an error): let go of the connection.
    if (!finished) await reader.cancel().catch(() => {});
  }
}

/** "event: delta\ndata: {...}" -> { event: "delta", data: {...} }; comments and unknown events -> undefined */
function parseEvent(block: string): ChatStreamEvent | undefined {
  let name = "message";
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
  }
  if (data.length === 0 || !["delta", "done", "error"].includes(name)) return undefined;
  try {
    return { event: name, data: JSON.parse(data.join("\n")) } as ChatStreamEvent;
  } catch {
    throw new ChatStreamError(`The app sent a "${name}" event that is not JSON: ${data.join(" ").slice(0, 80)}`, 200);
  }
}
