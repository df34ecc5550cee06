// Markers: instructions to the offline model written into a user message, so that a lesson
// (or you, in the chat) can ask for a behaviour without touching the server:
//
//   [[fault:http-500]]   fail this turn (faults.ts)
//   [[stream:litellm]]   stream like another provider (stream-style.ts)
//   [[usage:details]]    add token details / cost to usage (token-count.ts)
//
// Markers are removed from every user message (with the spaces before them) before the
// model reads the text. Only those of the last user message count, the first of each kind;
// so they apply to every request of that turn: retries, and the follow-up request after
// tool calls. A marker naming something unknown is a 400.
//
// The scan is linear: it never searches for the closing "]]" again from each "[[".

import type { ChatCompletionRequest } from "../openai/types.ts";
import { invalidRequest } from "./errors.ts";
import { parseFault, type Fault } from "./faults.ts";
import { applyStreamVariants, type StreamStyle } from "./stream-style.ts";
import { applyUsageVariants, type UsageExtras } from "./token-count.ts";

export const MARKER_KINDS = ["fault", "stream", "usage"] as const;
export type MarkerKind = (typeof MARKER_KINDS)[number];

/**
 * `text` without its markers, and the text inside the first marker of each kind.
 * A marker is "[[kind:" + anything but "]" + "]]", like /\s*\[\[kind:([^\]]*)\]\]/g.
 */
export function stripMarkers(text: string): { text: string; found: Partial<Record<MarkerKind, string>> } {
  const found: Partial<Record<MarkerKind, string>> = {};
  let kept = "";
  let copiedUpTo = 0; // text before this index is already in `kept` (or was a marker)
  let searchFrom = 0;
  let close = -1; // the first "]" at or after the content of the marker being read

  for (;;) {
    const open = text.indexOf("[[", searchFrom);
    if (open === -1) break;
    const kind = MARKER_KINDS.find((name) => text.startsWith(`${name}:`, open + 2));
    if (!kind) {
      searchFrom = open + 1;
      continue;
    }
    const contentStart = open + 2 + kind.length + 1;
    // Starts only grow, so a "]" found for an earlier marker is still the first one after
    // this marker's content when it lies past that content's start.
    if (close < contentStart) close = text.indexOf("]", contentStart);
    if (close === -1) break; // no "]" anywhere further: no more markers
    if (text.charAt(close + 1) !== "]") {
      searchFrom = open + 1;
      continue;
    }
    found[kind] ??= text.slice(contentStart, close);
    kept += text.slice(copiedUpTo, open).trimEnd(); // the spaces before a marker go with it
    copiedUpTo = close + 2;
    searchFrom = copiedUpTo;
  }

  if (copiedUpTo === 0) return { text, found };
  kept += text.slice(copiedUpTo);
  return { text: kept.trim(), found };
}

/** What the markers of the last user message ask for, on top of the server's options. */
export interface MarkedRequest {
  request: ChatCompletionRequest;
  fault: Fault | undefined;
  streamStyle: StreamStyle;
  usage: UsageExtras;
}

export function takeMarkers(
  request: ChatCompletionRequest,
  defaults: { streamStyle: StreamStyle; usage: UsageExtras },
): MarkedRequest {
  const lastUser = request.messages.findLastIndex((message) => message.role === "user");
  let found: Partial<Record<MarkerKind, string>> = {};

  const messages = request.messages.map((message, i) => {
    if (message.role !== "user" || message.content === null || !message.content.includes("[[")) return message;
    const stripped = stripMarkers(message.content);
    if (i === lastUser) found = stripped.found;
    return stripped.text === message.content ? message : { ...message, content: stripped.text };
  });

  const param = `messages[${lastUser}].content`;
  const read = <T>(parse: () => T): T => {
    try {
      return parse();
    } catch (error) {
      throw invalidRequest((error as Error).message, param, "invalid_value");
    }
  };

  return {
    request: { ...request, messages },
    fault: found.fault === undefined ? undefined : read(() => parseFault(found.fault!)),
    streamStyle:
      found.stream === undefined ? defaults.streamStyle : read(() => applyStreamVariants(defaults.streamStyle, found.stream!)),
    usage: found.usage === undefined ? defaults.usage : read(() => applyUsageVariants(defaults.usage, found.usage!)),
  };
}
