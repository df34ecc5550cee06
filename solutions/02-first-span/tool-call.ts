// One tool call from the model: find the tool it names, run it with the model's arguments, and
// give the result back as JSON for the model to read. A failing tool does not end the turn: the
// model is told what went wrong, and can say so. Lesson 5 traces it as a TOOL span.
import { findTool } from "../../shared/chatbot/tools.ts";
import type { ToolCall } from "../../shared/openai/types.ts";
import { errorMessage } from "./failure-replies.ts";

export async function runTool(toolCall: ToolCall): Promise<string> {
  const tool = findTool(toolCall.function.name);
  try {
    if (!tool) throw new Error(`Unknown tool: ${toolCall.function.name}`);
    return JSON.stringify(await tool.run(JSON.parse(toolCall.function.arguments) as Record<string, unknown>));
  } catch (error) {
    return JSON.stringify({ error: errorMessage(error) });
  }
}
