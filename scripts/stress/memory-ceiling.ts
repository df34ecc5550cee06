// The app's memory ceiling, as solutions/app/README.md ("Limits and memory") states it: about
// 150 MB for Node, Fastify, esbuild's page build and the offline model, plus twice the span
// queue's byte bound (the queue, and the batch being encoded and sent), plus about 15 MB for
// each chat turn in progress at the largest conversation. With the defaults: about 760 MB.
import { DEFAULT_MAX_CONCURRENT_TURNS, DEFAULT_SPAN_QUEUE_MAX_BYTES } from "../../solutions/app/server/limits.ts";

const BASE_BYTES = 150e6;
const PER_TURN_BYTES = 15e6;

export function memoryCeilingBytes({
  maxQueueBytes = DEFAULT_SPAN_QUEUE_MAX_BYTES,
  maxConcurrentTurns = DEFAULT_MAX_CONCURRENT_TURNS,
}: { maxQueueBytes?: number; maxConcurrentTurns?: number } = {}): number {
  return BASE_BYTES + 2 * maxQueueBytes + PER_TURN_BYTES * maxConcurrentTurns;
}
