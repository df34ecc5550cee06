// The offline model as a judge (LLM-as-judge). An evaluator asks for a classification the way
// @arizeai/phoenix-evals does: a prompt holding what to judge between <input>...</input> and
// <output>...</output> (Phoenix's templates), and response_format json_schema with a `label`
// enum and an `explanation`. The answer is that JSON object, decided by a rule you can
// predict: the output answers the input unless it is empty, says it cannot (can't, could not,
// unable, sorry, don't know, unknown, try again), or asks a question back. The schema's first label means
// "it answers" (Phoenix's templates list the good label first: correct, then incorrect), the
// second "it does not".

import type { ChatCompletionRequest } from "../openai/types.ts";

const NOT_ANSWERING = /\b(?:can't|cannot|can not|could not|couldn't|unable|sorry|don't know|do not know|unknown|try again)\b/i;
const INPUT = /<input>([\s\S]*?)<\/input>/i;
const OUTPUT = /<output>([\s\S]*?)<\/output>/i;

export interface Judgement {
  explanation: string;
  label: string;
}

/** The labels a request asks to choose from (response_format json_schema, property `label` with an enum of two or more), or undefined: not a judge's request. */
export function judgeLabels(request: ChatCompletionRequest): string[] | undefined {
  const format = request.response_format;
  if (format?.type !== "json_schema") return undefined;
  const properties = format.json_schema.schema?.properties as Record<string, { enum?: unknown }> | undefined;
  const labels = properties?.label?.enum;
  if (!Array.isArray(labels) || labels.length < 2 || !labels.every((label) => typeof label === "string")) return undefined;
  return labels as string[];
}

/** The verdict on the prompt's <output> for its <input>: labels[0] when it answers, labels[1] when not. */
export function judge(prompt: string, labels: string[]): Judgement {
  const [answers, doesNot] = labels as [string, string];
  const input = INPUT.exec(prompt)?.[1]?.trim();
  const output = OUTPUT.exec(prompt)?.[1]?.trim();
  if (output === undefined) return { explanation: "The prompt holds no <output>...</output> to judge.", label: doesNot };
  if (output === "") return { explanation: "The output is empty: it answers nothing.", label: doesNot };
  const refusal = NOT_ANSWERING.exec(output)?.[0];
  if (refusal) return { explanation: `The output does not answer: it says "${refusal}".`, label: doesNot };
  if (output.endsWith("?")) return { explanation: "The output asks a question back instead of answering.", label: doesNot };
  return { explanation: input ? "The output answers the input." : "The output answers (the prompt holds no <input>).", label: answers };
}

/** The judge's reply text for a judge's request (JSON of its schema), or undefined for any other request. */
export function judgeReply(request: ChatCompletionRequest): string | undefined {
  const labels = judgeLabels(request);
  if (!labels) return undefined;
  const prompt = request.messages
    .filter((message) => message.role === "user" || message.role === "system")
    .map((message) => message.content ?? "")
    .join("\n");
  return JSON.stringify(judge(prompt, labels));
}
