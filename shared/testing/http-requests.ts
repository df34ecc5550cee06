// HTTP from the tests' side of lesson 9 and later: requests sent straight to the learner's chat
// server (as any caller could send them: with or without traceparent and baggage, malformed,
// cut off), and a stand-in server that records what the learner's client sent.
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ChatAnswer {
  status: number;
  /** the parsed JSON body ({"reply": ...} or {"error": ...}), or the text when it is not JSON */
  body: { reply?: string; error?: string } | string;
}

/** POSTs `body` (a string as it is, anything else as JSON) to the server's /chat with exactly these headers. */
/**
 * How long a test waits for the chat server's answer: the offline model answers in milliseconds, so
 * a server that never answers (no response.end) fails in seconds, not at the test's own time limit.
 */
export const ANSWER_TIMEOUT_MS = 5_000;

export async function postChat(serverUrl: string, body: unknown, headers: Record<string, string> = {}): Promise<ChatAnswer> {
  const response = await fetch(new URL("/chat", serverUrl), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as ChatAnswer["body"] };
  } catch {
    return { status: response.status, body: text };
  }
}

/**
 * A caller that hangs up mid-request: it announces a body of 100 bytes, sends 10, waits until
 * `started()` says the server is at work on it (or `patienceMs` has passed: a server that never
 * says so is not waited for longer), then closes the connection.
 */
export async function hangUpMidRequest(serverUrl: string, started: () => boolean, headers: Record<string, string> = {}, patienceMs?: number): Promise<void> {
  const url = new URL("/chat", serverUrl);
  const request = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json", "content-length": "100", ...headers } });
  request.on("error", () => {}); // the hang-up is the point
  request.write('{"question"');
  await waitFor(started, patienceMs);
  request.destroy();
}

export interface RecordingServer {
  url: string;
  /** the headers of each request it received, in order */
  requests: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** Stands in for the chat server: records each request's headers and answers {"reply": reply}. */
export async function startRecordingServer(reply: string): Promise<RecordingServer> {
  const requests: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    requests.push(request.headers);
    request.resume();
    request.on("end", () => response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ reply })));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The URL of a port on 127.0.0.1 that nothing listens on (it did a moment ago). */
export async function unreachableServerUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** Waits until the condition holds, or a generous while has passed (the check that follows then says what is missing). */
export async function waitFor(condition: () => boolean, patienceMs = 2_000): Promise<void> {
  for (const deadline = Date.now() + patienceMs; !condition() && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
