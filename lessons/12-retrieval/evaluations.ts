// Evaluations: each answer judged automatically, twice. By code: does the answer name every city
// the question asks about? By a model (LLM-as-judge): does it answer the question at all, or
// refuse, apologise, ask back? Both come from @arizeai/phoenix-evals. Lesson 10 traces each run
// as an EVALUATOR span (what was judged in, the verdict out) and logs each verdict in Phoenix as an
// annotation of the judged span, of kind CODE or LLM, beside the users' votes.
import type { PhoenixClient } from "@arizeai/phoenix-client";
import { addSpanAnnotation } from "@arizeai/phoenix-client/spans";
import { createClassificationEvaluator, createEvaluator, type EvaluationResult } from "@arizeai/phoenix-evals";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import {
  INPUT_MIME_TYPE,
  INPUT_VALUE,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
  SemanticConventions,
} from "@arizeai/openinference-semantic-conventions";
import type { LanguageModel } from "ai";
import { WEATHER_TABLE } from "../../shared/chatbot/tools.ts";
import { contextAttributes } from "./context-attributes.ts";
import { errorMessage } from "./failure-replies.ts";

const tracer = trace.getTracer("workbook-chatbot");

/** What an evaluator judges: one question and the answer it got. */
export type JudgedTurn = { question: string; reply: string };

/** The evaluators as this file uses them: a name, a kind (CODE or LLM), and evaluate(). */
export interface Evaluator {
  name: string;
  kind: "CODE" | "LLM";
  evaluate(turn: JudgedTurn): Promise<EvaluationResult>;
}

/** One evaluator's verdict on one answer; `error` when the evaluator itself failed. */
export interface Verdict extends EvaluationResult {
  evaluator: string;
  kind: "CODE" | "LLM";
  error?: string;
}

/** The code evaluator: every city of the weather table the question names, the answer names too. */
export const namesEveryCity: Evaluator = createEvaluator<JudgedTurn>(
  ({ question, reply }: JudgedTurn) => {
    const asked = Object.keys(WEATHER_TABLE).filter((city) => new RegExp(`\\b${city}\\b`, "i").test(question));
    const missing = asked.filter((city) => !new RegExp(`\\b${city}\\b`, "i").test(reply));
    if (missing.length > 0) return { label: "incomplete", score: 0, explanation: `The answer does not name ${missing.join(", ")}.` };
    return { label: "complete", score: 1, explanation: asked.length > 0 ? `The answer names ${asked.join(", ")}.` : "The question names no city." };
  },
  // The span is this file's own (judge, below): phoenix-evals' telemetry stays off.
  { name: "names_every_city", kind: "CODE", telemetry: { isEnabled: false } },
);

/** The judge's prompt: Phoenix's templates put what to judge between <input> and <output> tags. */
const ANSWERS_TEMPLATE = `You judge a chatbot's answers.
<input>
{{question}}
</input>
<output>
{{reply}}
</output>
Does the output answer the input, or does it refuse, apologise, or ask a question back?`;

/** The LLM-as-judge: a classification by the judge model, "answered" (score 1) or "unanswered" (0). */
export function answersTheQuestion(judge: LanguageModel): Evaluator {
  return createClassificationEvaluator<JudgedTurn>({
    name: "answers_the_question",
    model: judge,
    promptTemplate: ANSWERS_TEMPLATE,
    choices: { answered: 1, unanswered: 0 },
    telemetry: { isEnabled: false },
  });
}

/**
 * Judges one answer with each evaluator, side by side, each run an EVALUATOR span, and logs each
 * verdict on the judged span in Phoenix (when there is one). Never throws: a failing evaluator
 * is a verdict with an error, and what Phoenix refuses goes to `warn`.
 */
export async function judgeAnswer(
  turn: JudgedTurn,
  judgedSpanId: string,
  evaluators: Evaluator[],
  phoenix: PhoenixClient | undefined,
  warn: (failure: unknown) => void,
): Promise<Verdict[]> {
  return Promise.all(
    evaluators.map(async (evaluator) => {
      const verdict = await judge(evaluator, turn);
      if (phoenix && !verdict.error) await logVerdict(phoenix, judgedSpanId, verdict).catch(warn);
      return verdict;
    }),
  );
}

/** One evaluator's run as an EVALUATOR span: what was judged as its input, the verdict as its output. */
async function judge(evaluator: Evaluator, turn: JudgedTurn): Promise<Verdict> {
  return tracer.startActiveSpan(
    evaluator.name,
    {
      attributes: {
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.EVALUATOR,
        [INPUT_VALUE]: JSON.stringify(turn),
        [INPUT_MIME_TYPE]: MimeType.JSON,
        ...contextAttributes(),
      },
    },
    async (span) => {
      try {
        const { label, score, explanation } = await evaluator.evaluate(turn);
        const result = { label, score, explanation };
        span.setAttributes({ [OUTPUT_VALUE]: JSON.stringify(result), [OUTPUT_MIME_TYPE]: MimeType.JSON });
        span.setStatus({ code: SpanStatusCode.OK });
        return { evaluator: evaluator.name, kind: evaluator.kind, ...result };
      } catch (error) {
        // The judge failed (its model is down, say): the span says so, and the chat goes on.
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        return { evaluator: evaluator.name, kind: evaluator.kind, error: errorMessage(error) };
      } finally {
        span.end();
      }
    },
  );
}

/** The verdict as an annotation of the judged span, named after the evaluator, of its kind. */
async function logVerdict(phoenix: PhoenixClient, spanId: string, verdict: Verdict): Promise<void> {
  await addSpanAnnotation({
    client: phoenix,
    spanAnnotation: {
      spanId,
      name: verdict.evaluator,
      annotatorKind: verdict.kind,
      label: verdict.label,
      score: verdict.score,
      explanation: verdict.explanation,
    },
  });
}
