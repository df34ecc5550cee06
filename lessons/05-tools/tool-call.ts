// One tool call from the model: find the tool it names, run it with the model's arguments, and
// give the result back as JSON for the model to read. A failing tool does not end the turn: the
// model is told what went wrong, and can say so. Lesson 5 traces it as a TOOL span, linked to the
// model's call by its id.
import { SpanStatusCode, trace } from "@opentelemetry/api";
import {
  INPUT_MIME_TYPE,
  INPUT_VALUE,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
  SemanticConventions,
  TOOL_DESCRIPTION,
  TOOL_ID,
  TOOL_NAME,
  TOOL_PARAMETERS,
} from "@arizeai/openinference-semantic-conventions";
import { findTool } from "../../shared/chatbot/tools.ts";
import type { ToolCall } from "../../shared/openai/types.ts";
import { errorMessage } from "./failure-replies.ts";

const tracer = trace.getTracer("workbook-chatbot");

export async function runTool(toolCall: ToolCall): Promise<string> {
  const tool = findTool(toolCall.function.name);
  // TODO 5: wrap this in tracer.startActiveSpan(toolCall.function.name, { attributes }, async (span) => { ... }), ending it in `finally`.
  // TODO 6: start it with: kind TOOL, TOOL_NAME, TOOL_ID = toolCall.id (links it to the model's call), TOOL_DESCRIPTION and
  //         TOOL_PARAMETERS (JSON of tool.parameters) when the tool is known, INPUT_VALUE = the arguments, INPUT_MIME_TYPE = MimeType.JSON.
  try {
    if (!tool) throw new Error(`Unknown tool: ${toolCall.function.name}`);
    const result = JSON.stringify(await tool.run(JSON.parse(toolCall.function.arguments) as Record<string, unknown>));
    // TODO 7: record the result: OUTPUT_VALUE = result, OUTPUT_MIME_TYPE = MimeType.JSON; status OK.
    return result;
  } catch (error) {
    return JSON.stringify({ error: errorMessage(error) });
  }
}
