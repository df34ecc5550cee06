// POST /v1/chat/completions, step by step:
//   read the body (413 if too large) -> validate (400 naming the field) -> read the markers
//   ([[fault:...]], [[stream:...]], [[usage:...]]) -> pick a fault (the queue first, then a
//   marker) -> compose the reply -> answer as one JSON object or as a stream.

import type { IncomingMessage, ServerResponse } from "node:http";
import { buildCompletion, completionMeta } from "./completion.ts";
import {
  DEFAULT_SLOW_MS,
  dropConnection,
  rateLimitError,
  sendMalformed,
  serverError,
  upstreamError,
  upstreamStreamError,
  type Fault,
  type FaultQueue,
} from "./faults.ts";
import { pause, readBody, sendJson } from "./http.ts";
import { wholeAnswerDelayMs, type ProviderLatency } from "./latency.ts";
import { takeMarkers } from "./markers.ts";
import { composeReply } from "./replies.ts";
import { buildChunks, writeEventStream, type StreamOptions } from "./sse.ts";
import type { StreamStyle } from "./stream-style.ts";
import { usageFor, type UsageExtras } from "./token-count.ts";
import { parseChatRequest } from "./validate.ts";

export interface ChatContext {
  faults: FaultQueue;
  streamChunkDelayMs: number;
  /** a real provider's pace (latency.ts); undefined: answer at once */
  latency?: ProviderLatency;
  /** the server's stream style (a [[stream:...]] marker changes it for one turn) */
  streamStyle: StreamStyle;
  /** the server's usage extras (a [[usage:...]] marker changes them for one turn) */
  usage: UsageExtras;
  /** aborts when the client disconnects or the server closes */
  signal: AbortSignal;
}

/** Errors are thrown as ApiError; the server turns them into error responses. */
export async function handleChatCompletion(
  req: IncomingMessage,
  res: ServerResponse,
  { faults, streamChunkDelayMs, latency, streamStyle: serverStyle, usage: serverUsage, signal }: ChatContext,
): Promise<void> {
  const marked = parseChatRequest(await readBody(req));
  const { request, fault: markerFault, streamStyle, usage: usageExtras } = takeMarkers(marked, {
    streamStyle: serverStyle,
    usage: serverUsage,
  });

  // Only requests that pass validation take an entry from the queue.
  const queued = faults.take();
  const fault: Fault | undefined = queued === undefined ? markerFault : queued === "none" ? undefined : queued;

  let cut: StreamOptions["cut"];
  switch (fault?.kind) {
    case "http-429":
      throw rateLimitError();
    case "http-500":
      throw serverError();
    case "malformed":
      return sendMalformed(res);
    case "slow":
      if (!(await pause(fault.ms ?? DEFAULT_SLOW_MS, signal))) return; // nobody is waiting any more
      break;
    case "stream-abort":
      if (!request.stream) return dropConnection(res);
      cut = { afterChunks: 3 }; // the first three chunks
      break;
    case "stream-error":
      if (!request.stream) throw upstreamError();
      cut = { afterChunks: 3, errorEvent: upstreamStreamError() };
      break;
  }

  const reply = composeReply(request);
  const meta = completionMeta(request);

  if (request.stream) {
    // The usage-extras stream style adds token details and cost to the streamed usage.
    const extras = streamStyle.usageExtras ? { details: true, cost: true } : usageExtras;
    const usage = usageFor(request, reply.message, extras);
    const chunks = buildChunks(meta, reply, usage, request.stream_options?.include_usage === true, streamStyle);
    const pace = latency ? { delayMs: latency.chunkMs, firstDelayMs: latency.firstTokenMs } : { delayMs: streamChunkDelayMs };
    await writeEventStream(res, chunks, { ...pace, signal, cut });
  } else {
    const usage = usageFor(request, reply.message, usageExtras);
    if (latency) {
      // At a provider's pace, the whole answer comes when its stream would have ended.
      const chunks = buildChunks(meta, reply, usage, false, streamStyle).length;
      if (!(await pause(wholeAnswerDelayMs(latency, chunks), signal))) return; // nobody is waiting any more
    }
    sendJson(res, 200, buildCompletion(meta, reply, usage));
  }
}
