import { describe, expect, it } from "vitest";
import { expectedRows, uncheckedKeys } from "./readme-expectations.ts";

const README = `# Lesson

## Expected spans

| Span | Key | Value |
| --- | --- | --- |
| LLM | \`llm.tools.0.tool.json_schema\`, \`llm.tools.1.tool.json_schema\` | JSON |
| LLM | \`...tool_calls.0.tool_call.function.name\` / \`.function.arguments\` | names |
| TOOL | status, event \`exception\` | ERROR |
| every span | ended | |
| next LLM | \`llm.input_messages.3.message.content\` (role \`tool\`) | the error |
| TOOL | the result, somehow | |
| CHAIN | \`metadata\` (JSON), role \`tool\` | the metadata |
| LLM | \`First Token Stream Event\`, \`Not An event\` | one event |

## Hints
`;

describe("the Expected spans table of a lesson README", () => {
  const rows = expectedRows(README);

  it("reads the keys of each row from its Key column: backticked keys, key endings, OpenInference keys without a dot, span event names, and the words status, exception, ended", () => {
    expect(rows.map((row) => row.keys)).toEqual([
      ["llm.tools.0.tool.json_schema", "llm.tools.1.tool.json_schema"],
      [".tool_calls.0.tool_call.function.name", ".function.arguments"],
      ["status", "exception"],
      ["ended"],
      ["llm.input_messages.3.message.content"],
      [],
      ["metadata"],
      ["First Token Stream Event"],
    ]);
  });

  it("names the keys no check asserted; a key ending matches any checked key that ends so", () => {
    const checked = ["llm.tools.0.tool.json_schema", "llm.output_messages.0.message.tool_calls.0.tool_call.function.name", "status"];
    expect(uncheckedKeys(rows[0]!, checked)).toEqual(["llm.tools.1.tool.json_schema"]);
    expect(uncheckedKeys(rows[1]!, checked)).toEqual([".function.arguments"]);
    expect(uncheckedKeys(rows[2]!, checked)).toEqual(["exception"]);
  });

  it("finds no rows in a README without the section", () => {
    expect(expectedRows("# Lesson\n\n## Hints\n")).toEqual([]);
  });
});
