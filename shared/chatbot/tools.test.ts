import { describe, expect, it } from "vitest";
import { calculate, evaluateArithmetic, findTool, getWeather, toolDefinitions } from "./tools.ts";

describe("the chatbot's tools", () => {
  it("get_weather answers from the fixed table, whatever the case", async () => {
    expect(await getWeather.run({ city: "paris" })).toEqual({ city: "Paris", temperature_c: 18, conditions: "sunny" });
  });

  it("get_weather rejects an unknown city, naming the known ones", async () => {
    await expect(getWeather.run({ city: "Atlantis" })).rejects.toThrow(/Unknown city: Atlantis\. Known cities: Paris/);
    await expect(getWeather.run({})).rejects.toThrow(/needs a "city"/);
  });

  it("calculate follows operator precedence, powers and parentheses", async () => {
    expect(await calculate.run({ expression: "(12 + 3) * 7 - 2 ^ 3" })).toEqual({ expression: "(12 + 3) * 7 - 2 ^ 3", result: 97 });
    expect(evaluateArithmetic("-4 + 10 % 3")).toBe(-3);
    expect(evaluateArithmetic("0.1 + 0.2")).toBe(0.3);
  });

  it("calculate rejects bad input with a reason, and never evaluates code", () => {
    expect(() => evaluateArithmetic("2 + banana")).toThrow(/unexpected "b"/);
    expect(() => evaluateArithmetic("1 / 0")).toThrow(/division by zero/);
    expect(() => evaluateArithmetic("(1 + 2")).toThrow(/closing parenthesis/);
    expect(() => evaluateArithmetic("process.exit()")).toThrow(/Cannot calculate/);
    expect(() => evaluateArithmetic("")).toThrow(/empty/);
  });

  it("are offered to the model as function definitions", () => {
    expect(toolDefinitions().map((tool) => tool.function.name)).toEqual(["get_weather", "calculate"]);
    expect(findTool("calculate")).toBe(calculate);
    expect(findTool("nope")).toBeUndefined();
  });
});
