import { describe, expect, it } from "vitest";
import { mutantsOf } from "./mutants.ts";

const swallowed = (source: string) => mutantsOf("model-call.ts", source).filter((mutant) => mutant.operator === "swallow the error");

describe("the mutants of a module", () => {
  it("swallow an error recorded on the span: the rethrow after recordException and setStatus is removed", () => {
    const source = [
      "try {",
      "  await call();",
      "} catch (error) {",
      "  span.recordException(error as Error);",
      "  span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });",
      "  throw error;",
      "}",
    ].join("\n");
    const [mutant, ...others] = swallowed(source);
    expect(others).toEqual([]);
    expect(mutant!.id).toBe("model-call.ts: swallow the error: throw error;");
    expect(mutant!.line).toBe(6);
    expect(mutant!.text).not.toContain("throw error;");
  });

  it("leave the chatbot's own logic alone: a rethrow under a condition, or another error thrown, is not instrumentation", () => {
    const conditional = "try {\n  return await loop();\n} catch (error) {\n  if (!isModelFailure(error)) throw error;\n  return explain(error);\n}";
    const another = "try {\n  parsed = JSON.parse(body);\n} catch {\n  throw new BadRequest('not JSON');\n}";
    const unrecorded = "try {\n  await call();\n} catch (error) {\n  log(error);\n  throw error;\n}";
    expect(swallowed(conditional)).toEqual([]);
    expect(swallowed(another)).toEqual([]);
    expect(swallowed(unrecorded)).toEqual([]);
  });
});
