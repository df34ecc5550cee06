// Turning one tool result (always a string on the wire) into one sentence of the answer.

type JsonObject = Record<string, unknown>;

export function describeToolResult(toolName: string, content: string): string {
  const result = parseObject(content);

  // Tools report failure as {"error": "..."}; the model passes the reason on.
  if (result && "error" in result) {
    const reason = typeof result.error === "string" ? result.error : JSON.stringify(result.error);
    return sentence(`The ${toolName} tool failed: ${reason}`);
  }

  if (
    toolName === "get_weather" &&
    typeof result?.city === "string" &&
    typeof result.temperature_c === "number" &&
    typeof result.conditions === "string"
  ) {
    return `In ${result.city} it is ${result.temperature_c}°C and ${result.conditions}.`;
  }

  if (
    toolName === "calculate" &&
    typeof result?.expression === "string" &&
    (typeof result.result === "number" || typeof result.result === "string")
  ) {
    return `${result.expression} = ${result.result}.`;
  }

  const text = content.trim();
  if (text === "") return `The ${toolName} tool returned nothing.`;
  return sentence(`The ${toolName} tool returned: ${text}`);
}

/** The JSON object in `text`, or undefined when it holds anything else. */
function parseObject(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as JsonObject;
  } catch {
    // not JSON: described as plain text
  }
  return undefined;
}

/** Ends `text` with a full stop unless it already ends a sentence. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
