// A chat turn can be cancelled from outside: the client hangs up (a closed tab, Ctrl-C in
// `npm run chat`), or the app is stopping. The model call is then aborted (nobody would read
// the answer, and a paid model bills it) and the spans say why the turn ended.
import type { FastifyReply } from "fastify";

/** Why a turn was cancelled; the LLM and chat_turn spans record it as their exception. */
export class TurnCancelledError extends Error {
  override name = "TurnCancelledError";
}

/** true when the response was closed before it was completely sent: the client hung up. */
export function clientHungUp(reply: FastifyReply): boolean {
  return !reply.raw.writableFinished;
}

/**
 * Aborts when the client closes the connection before the answer is sent.
 * (Not Fastify's request.signal: it fires as soon as the request body has been read.)
 */
export function clientHangUpSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once("close", () => {
    if (clientHungUp(reply)) controller.abort(new TurnCancelledError("The client closed the connection before the answer was ready."));
  });
  return controller.signal;
}
