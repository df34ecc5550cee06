// One tool call from the model: find the tool it names, run it with the model's arguments, and
// give the result back as JSON for the model to read. A failing tool does not end the turn: the
// model is told what went wrong, and can say so. Lesson 5 traces it as a TOOL span, linked to the
// model's call by its id; lesson 6 records a tool that fails; lesson 7, the turn's session.
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
import { contextAttributes } from "./context-attributes.ts";
import { errorMessage } from "./failure-replies.ts";

const tracer = trace.getTracer("workbook-chatbot");

export async function runTool(toolCall: ToolCall): Promise<string> {
  const tool = findTool(toolCall.function.name);
  return tracer.startActiveSpan(
    toolCall.function.name,
    {
      attributes: {
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.TOOL,
        [TOOL_NAME]: toolCall.function.name,
        // tool.id ties this span to the tool_call.id in the LLM span that asked for it.
        [TOOL_ID]: toolCall.id,
        // What the tool is, when the model named a tool we have (an unknown name fails below).
        ...(tool ? { [TOOL_DESCRIPTION]: tool.description, [TOOL_PARAMETERS]: JSON.stringify(tool.parameters) } : {}),
        [INPUT_VALUE]: toolCall.function.arguments,
        [INPUT_MIME_TYPE]: MimeType.JSON,
        ...contextAttributes(),
      },
    },
    async (span) => {
      try {
        if (!tool) throw new Error(`Unknown tool: ${toolCall.function.name}`);
        const result = JSON.stringify(await tool.run(JSON.parse(toolCall.function.arguments) as Record<string, unknown>));
        span.setAttributes({ [OUTPUT_VALUE]: result, [OUTPUT_MIME_TYPE]: MimeType.JSON });
        span.setStatus({ code: SpanStatusCode.OK });
        return result;
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        const failure = JSON.stringify({ error: errorMessage(error) });
        span.setAttributes({ [OUTPUT_VALUE]: failure, [OUTPUT_MIME_TYPE]: MimeType.JSON });
        return failure;
      } finally {
        span.end();
      }
    },
  );
}
