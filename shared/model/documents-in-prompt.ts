// Retrieved documents in a prompt, as the chatbot's template writes them into its system message:
//
//   Documents:
//   [paris-seasons] Paris is mild: spring and early autumn are the best seasons to visit, ...
//   [cairo-seasons] Cairo is hot and dry; ...
//
// one per line, each its id in square brackets and its text. The offline model answers from them
// and cites the ids it used, as a real model does when the prompt asks it to.

import type { ChatMessage } from "../openai/types.ts";

export interface PromptDocument {
  id: string;
  text: string;
}

const SECTION = /^documents:\s*$/i;
const DOCUMENT_LINE = /^\[([^\]\s]+)\]\s+(\S.*)$/;

/**
 * The documents of the last system (or developer) message that has a "Documents:" line: the lines
 * after it that look like "[id] text", in order. Undefined when no message has that line (the
 * prompt is not one with retrieved documents); an empty list when the section holds none.
 */
export function documentsInPrompt(messages: ChatMessage[]): PromptDocument[] | undefined {
  const instructions = messages.filter((message) => (message.role === "system" || message.role === "developer") && message.content !== null);
  for (const message of instructions.reverse()) {
    const lines = message.content!.split(/\r?\n/);
    const start = lines.findIndex((line) => SECTION.test(line.trim()));
    if (start === -1) continue;
    const documents: PromptDocument[] = [];
    for (const line of lines.slice(start + 1)) {
      const match = DOCUMENT_LINE.exec(line.trim());
      if (match) documents.push({ id: match[1]!, text: match[2]!.trim() });
    }
    return documents;
  }
  return undefined;
}
