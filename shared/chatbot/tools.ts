// The chatbot's tools: plain functions plus the JSON definitions offered to the model.
// They are deliberately small and deterministic, and they fail loudly on bad input so the
// errors lesson has something real to trace.
import type { ToolDefinition } from "../openai/types.ts";

export interface ChatbotTool {
  name: string;
  description: string;
  /** JSON Schema of the arguments object */
  parameters: Record<string, unknown>;
  /** Runs the tool on its parsed arguments; throws an Error on bad input. */
  run(args: Record<string, unknown>): Promise<unknown>;
}

/** Weather from a fixed table, so answers are the same on every run. */
export const WEATHER_TABLE: Record<string, { temperature_c: number; conditions: string }> = {
  Paris: { temperature_c: 18, conditions: "sunny" },
  Tokyo: { temperature_c: 22, conditions: "cloudy" },
  London: { temperature_c: 14, conditions: "drizzling" },
  "New York": { temperature_c: 20, conditions: "windy" },
  Sydney: { temperature_c: 25, conditions: "clear" },
  Cairo: { temperature_c: 33, conditions: "hot and dry" },
  Reykjavik: { temperature_c: 4, conditions: "snowing" },
  Lima: { temperature_c: 19, conditions: "overcast" },
};

export const getWeather: ChatbotTool = {
  name: "get_weather",
  description: "Get the current weather in a city.",
  parameters: {
    type: "object",
    properties: { city: { type: "string", description: "City name, e.g. Paris" } },
    required: ["city"],
    additionalProperties: false,
  },
  async run(args) {
    const city = args.city;
    if (typeof city !== "string" || city.trim() === "") {
      throw new TypeError('get_weather needs a "city" string argument.');
    }
    const known = Object.keys(WEATHER_TABLE).find((name) => name.toLowerCase() === city.trim().toLowerCase());
    if (!known) {
      throw new Error(`Unknown city: ${city}. Known cities: ${Object.keys(WEATHER_TABLE).join(", ")}.`);
    }
    return { city: known, ...WEATHER_TABLE[known] };
  },
};

export const calculate: ChatbotTool = {
  name: "calculate",
  description: "Evaluate an arithmetic expression with + - * / ^ % and parentheses.",
  parameters: {
    type: "object",
    properties: { expression: { type: "string", description: "e.g. (12 + 3) * 7" } },
    required: ["expression"],
    additionalProperties: false,
  },
  async run(args) {
    const expression = args.expression;
    if (typeof expression !== "string") {
      throw new TypeError('calculate needs an "expression" string argument.');
    }
    return { expression, result: evaluateArithmetic(expression) };
  },
};

export const chatbotTools: ChatbotTool[] = [getWeather, calculate];

/** The tools as the chat-completions API wants them in `tools`. */
export function toolDefinitions(tools: ChatbotTool[] = chatbotTools): ToolDefinition[] {
  return tools.map((tool) => ({
    type: "function",
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
}

export function findTool(name: string, tools: ChatbotTool[] = chatbotTools): ChatbotTool | undefined {
  return tools.find((tool) => tool.name === name);
}

/**
 * A small recursive-descent evaluator: numbers, + - * / % ^, unary minus, parentheses.
 * No `eval`: the expression comes from a model, which comes from a user.
 */
export function evaluateArithmetic(expression: string): number {
  const tokens = expression.match(/\d+(?:\.\d+)?|[-+*/%^()]|\S/g) ?? [];
  let position = 0;
  const peek = () => tokens[position];
  const fail = (why: string): never => {
    throw new Error(`Cannot calculate "${expression}": ${why}.`);
  };

  const parsePrimary = (): number => {
    const token = tokens[position++];
    if (token === undefined) return fail("the expression ends too early");
    if (token === "(") {
      const value = parseSum();
      if (tokens[position++] !== ")") fail("a closing parenthesis is missing");
      return value;
    }
    if (token === "-") return -parsePrimary();
    if (/^\d/.test(token)) return Number(token);
    return fail(`unexpected "${token}"`);
  };
  const parsePower = (): number => {
    const base = parsePrimary();
    if (peek() === "^") {
      position++;
      return base ** parsePower();
    }
    return base;
  };
  const parseProduct = (): number => {
    let value = parsePower();
    while (peek() === "*" || peek() === "/" || peek() === "%") {
      const operator = tokens[position++];
      const right = parsePower();
      if ((operator === "/" || operator === "%") && right === 0) fail("division by zero");
      value = operator === "*" ? value * right : operator === "/" ? value / right : value % right;
    }
    return value;
  };
  const parseSum = (): number => {
    let value = parseProduct();
    while (peek() === "+" || peek() === "-") {
      const operator = tokens[position++];
      const right = parseProduct();
      value = operator === "+" ? value + right : value - right;
    }
    return value;
  };

  if (tokens.length === 0) fail("it is empty");
  const result = parseSum();
  if (position < tokens.length) fail(`unexpected "${tokens[position]}"`);
  if (!Number.isFinite(result)) fail("the result is not a finite number");
  return Math.round(result * 1e9) / 1e9;
}
