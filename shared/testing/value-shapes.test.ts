import { describe, expect, it } from "vitest";
import { droppedValueMistake, jsonInJsonMistake, shapeMistake } from "./value-shapes.ts";

describe("a wrong value is named from its shape", () => {
  it("a number sent as text", () => {
    expect(shapeMistake("llm.token_count.prompt", 228, "228")).toMatch(/holds the number as text \("228"\): set the number itself, 228/);
    expect(shapeMistake("llm.token_count.prompt", 228, "229")).toBeUndefined();
    expect(shapeMistake("llm.token_count.prompt", 0, "")).toBeUndefined();
  });

  it("a list as JSON text, and a list joined into one string (which is no JSON)", () => {
    expect(shapeMistake("tag.tags", ["workbook", "lesson-7"], '["workbook","lesson-7"]')).toMatch(/the list as JSON text/);
    expect(shapeMistake("tag.tags", ["workbook", "lesson-7"], "workbook,lesson-7")).toMatch(/the list joined into one string/);
    expect(shapeMistake("tag.tags", ["workbook", "lesson-7"], "workbook, lesson-7")).toMatch(/joined into one string/);
    expect(shapeMistake("tag.tags", ["workbook", "lesson-7"], "workbook")).toBeUndefined();
  });

  it("JSON text inside JSON text", () => {
    const metadata = JSON.stringify({ channel: "tests", turn: 1 });
    expect(shapeMistake("metadata", metadata, JSON.stringify(metadata))).toMatch(/JSON text inside JSON text/);
    expect(jsonInJsonMistake("metadata", JSON.stringify(metadata))).toMatch(/JSON text inside JSON text/);
    expect(jsonInJsonMistake("metadata", metadata)).toBeUndefined();
    expect(jsonInJsonMistake("metadata", JSON.stringify("plain text"))).toBeUndefined();
  });

  it("a piece of the expected text: the last piece (overwritten) or the first ones (set too early)", () => {
    expect(shapeMistake("output.value", "It is sunny.", "sunny.")).toMatch(/only the last piece/);
    expect(shapeMistake("output.value", "It is sunny.", "It is ")).toMatch(/only the first pieces/);
    expect(shapeMistake("output.value", "It is sunny.", "It was rainy.")).toBeUndefined();
  });

  it("a value OpenTelemetry dropped is named as set, not as missing", () => {
    expect(droppedValueMistake("metadata")).toMatch(/"metadata" was set, but to a value OpenTelemetry drops/);
  });
});
