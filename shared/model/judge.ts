// The offline model as a judge (LLM-as-judge). An evaluator asks for a classification the way
// @arizeai/phoenix-evals does: a prompt holding what to judge between <input>...</input> and
// <output>...</output> (Phoenix's templates), and response_format json_schema with a `label`
// enum and an `explanation`. The answer is that JSON object, decided by a rule you can
// predict: the output answers the input unless it is empty, says it cannot (can't, could not,
// unable, sorry, don't know, unknown, try again), or asks a question back. Which label means "it
// answers" and which "it does not" is read from the labels' names, whatever their order: a pair
// such as answered / unanswered, correct / incorrect, relevant / not_relevant (the one is the other
// with a negating prefix), else words that say so (yes / no, pass / fail, good / bad). Only when
// the names say nothing does the order decide: the first label is the good one (Phoenix's
// templates list it first).

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

/** A label's name, compared: lower case, separators dropped ("Not_Relevant" is "notrelevant"). */
const plain = (label: string) => label.toLowerCase().replace(/[\s_-]+/g, "");
/** What turns a good label into its opposite: unanswered, incorrect, not_relevant, non-factual... */
const NEGATING_PREFIXES = ["un", "in", "im", "ir", "il", "dis", "non", "not", "no"];
/** Labels that say "it does not", and "it does", on their own. */
const SAYS_NO = new Set(["no", "false", "wrong", "bad", "fail", "failed", "failure", "refused", "refusal", "hallucinated", "unrelated", "negative", "reject", "rejected", "0"]);
const SAYS_YES = new Set(["yes", "true", "right", "good", "pass", "passed", "success", "ok", "factual", "positive", "accept", "accepted", "1"]);

/** Which of the labels means "it answers" and which "it does not", by their names (see the top of the file); by their order when the names say nothing. */
export function labelMeanings(labels: string[]): { answers: string; doesNot: string } {
  for (const negative of labels) {
    const positive = labels.find((label) => label !== negative && NEGATING_PREFIXES.some((prefix) => plain(negative) === prefix + plain(label)));
    if (positive) return { answers: positive, doesNot: negative };
  }
  const yes = labels.find((label) => SAYS_YES.has(plain(label)));
  const no = labels.find((label) => SAYS_NO.has(plain(label)));
  if (yes && no) return { answers: yes, doesNot: no };
  if (no) return { answers: labels.find((label) => label !== no)!, doesNot: no };
  if (yes) return { answers: yes, doesNot: labels.find((label) => label !== yes)! };
  return { answers: labels[0]!, doesNot: labels[1]! };
}

/** The verdict on the prompt's <output> for its <input>: the label that means "it answers" when it does, the one that means "it does not" when not. */
export function judge(prompt: string, labels: string[]): Judgement {
  const { answers, doesNot } = labelMeanings(labels);
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
