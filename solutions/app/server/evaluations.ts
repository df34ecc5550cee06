// Evaluations, as lesson 10 teaches them: each answer judged twice once it has been sent. By code:
// does the answer name every city the question asks about? By a model (LLM-as-judge, the app's own
// model connection): does it answer the question, or refuse, apologise, ask back? Each run is an
// EVALUATOR span under the answer's SERVER span (what was judged in, the verdict out), and each
// verdict a span annotation of kind CODE or LLM on that SERVER span, the span feedback goes to.
// The evaluators copy lesson 10's (course-drift.test.ts holds them to its checks). What the app
// adds for production: a bound on the judgings at once (one more is skipped, counted, said once),
// Phoenix down or refusing said once per cause, a judge that hangs given up on, and settled() for
// the graceful stop.
import { createClient, type PhoenixClient } from "@arizeai/phoenix-client";
import { addSpanAnnotation } from "@arizeai/phoenix-client/spans";
import { createClassificationEvaluator, createEvaluator, type EvaluationResult } from "@arizeai/phoenix-evals";
import { getAttributesFromContext } from "@arizeai/openinference-core";
import {
  INPUT_MIME_TYPE,
  INPUT_VALUE,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
  SemanticConventions,
} from "@arizeai/openinference-semantic-conventions";
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import type { LanguageModel } from "ai";
import { WEATHER_TABLE } from "../../../shared/chatbot/tools.ts";
import { whyPhoenixFailed } from "../../../shared/phoenix/annotation-failure.ts";
import { phoenixHeaders, type PhoenixConnection } from "./phoenix-feedback.ts";

const tracer = trace.getTracer("workbook-chatbot-app");

/** How long a verdict's request to Phoenix may take (as a vote's, phoenix-feedback.ts). */
const PHOENIX_TIMEOUT_MS = 5000;

/** What an evaluator judges: one question and the answer it got. */
export type JudgedTurn = { question: string; reply: string };

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

export interface EvaluationsOptions {
  /** the LLM-as-judge's model: the app's own (model.languageModel()) */
  judge: LanguageModel;
  /** where the verdicts go: the Phoenix feedback goes to (its URL and headers) */
  phoenix: PhoenixConnection;
  /** judgings at once (APP_MAX_CONCURRENT_JUDGINGS); an answer beyond it is not judged */
  maxConcurrent: number;
  /** how long an evaluator may take before its verdict is an error (the model call's timeout) */
  timeoutMs: number;
  /** where a failure to log verdicts and the first skipped answer are said, each cause once */
  warn: (message: string) => void;
  /** the evaluators; default lesson 10's two */
  evaluators?: Evaluator[];
}

export interface Evaluations {
  /**
   * Starts judging an answer, in the active context (the SERVER span active: the EVALUATOR spans
   * are its children), without waiting: false when it was skipped (too many under way).
   */
  judge(turn: JudgedTurn, judgedSpanId: string): boolean;
  /** resolves once every judging under way has ended (the graceful stop waits for it, bounded) */
  settled(): Promise<void>;
  /** judgings under way, and answers not judged because too many were */
  counts(): { underWay: number; skipped: number };
}

export function createEvaluations({ judge, phoenix, maxConcurrent, timeoutMs, warn, evaluators }: EvaluationsOptions): Evaluations {
  const judges = evaluators ?? [namesEveryCity, answersTheQuestion(judge)];
  // Phoenix's REST API with the app's URL and headers (never read again from the environment),
  // each request given up after a few seconds: a hanging Phoenix must not hold judgings forever.
  const client = createClient({
    options: { baseUrl: phoenix.url, headers: phoenixHeaders(phoenix), fetch: (request) => fetch(request, { signal: AbortSignal.timeout(PHOENIX_TIMEOUT_MS) }) },
    getEnvironmentOptions: () => ({}),
  });
  const underWay = new Set<Promise<void>>();
  let skipped = 0;
  const told = new Set<string>();
  const tellOnce = (message: string) => {
    if (told.has(message)) return;
    told.add(message);
    warn(message);
  };

  return {
    judge(turn, judgedSpanId) {
      if (underWay.size >= maxConcurrent) {
        skipped += 1;
        tellOnce(
          `Evaluations: ${maxConcurrent} answers are being judged already (APP_MAX_CONCURRENT_JUDGINGS), so later ones go unjudged ` +
            "until they finish (GET /healthz counts them). Said once.",
        );
        return false;
      }
      // judgeAnswer never throws: a failing evaluator is a verdict with an error, a refused one a warning.
      const judging = judgeAnswer(turn, judgedSpanId, judges, client, timeoutMs, (failure) =>
        tellOnce(whyPhoenixFailed(failure, phoenix.url, "the verdicts", phoenixHeaders(phoenix))),
      ).then(
        () => void underWay.delete(judging),
        () => void underWay.delete(judging),
      );
      underWay.add(judging);
      return true;
    },
    async settled() {
      while (underWay.size > 0) await Promise.allSettled([...underWay]);
    },
    counts: () => ({ underWay: underWay.size, skipped }),
  };
}

/** Each evaluator on one answer, side by side, each verdict logged on the judged span. Never throws. */
async function judgeAnswer(
  turn: JudgedTurn,
  judgedSpanId: string,
  evaluators: Evaluator[],
  phoenix: PhoenixClient,
  timeoutMs: number,
  warn: (failure: unknown) => void,
): Promise<Verdict[]> {
  return Promise.all(
    evaluators.map(async (evaluator) => {
      const verdict = await runEvaluator(evaluator, turn, timeoutMs);
      if (!verdict.error) await logVerdict(phoenix, judgedSpanId, verdict).catch(warn);
      return verdict;
    }),
  );
}

/** One evaluator's run as an EVALUATOR span: what was judged as its input, the verdict as its output. */
function runEvaluator(evaluator: Evaluator, turn: JudgedTurn, timeoutMs: number): Promise<Verdict> {
  return tracer.startActiveSpan(
    evaluator.name,
    {
      attributes: {
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.EVALUATOR,
        [INPUT_VALUE]: JSON.stringify(turn),
        [INPUT_MIME_TYPE]: MimeType.JSON,
        // session.id, as on every span of the turn.
        ...getAttributesFromContext(context.active()),
      },
    },
    async (span) => {
      try {
        const { label, score, explanation } = await withinTime(evaluator.evaluate(turn), timeoutMs, evaluator.name);
        const result = { label, score, explanation };
        span.setAttributes({ [OUTPUT_VALUE]: JSON.stringify(result), [OUTPUT_MIME_TYPE]: MimeType.JSON });
        span.setStatus({ code: SpanStatusCode.OK });
        return { evaluator: evaluator.name, kind: evaluator.kind, ...result };
      } catch (error) {
        // The judge failed (its model down or too slow): the span says so, and the chat goes on.
        const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
        span.recordException(error instanceof Error ? error : new Error(message));
        span.setStatus({ code: SpanStatusCode.ERROR, message });
        return { evaluator: evaluator.name, kind: evaluator.kind, error: message };
      } finally {
        span.end();
      }
    },
  );
}

/** The evaluation, or an error once `ms` have passed (phoenix-evals takes no abort signal). */
function withinTime<T>(work: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`The evaluator ${name} took longer than ${ms} ms (MODEL_TIMEOUT_MS).`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
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
