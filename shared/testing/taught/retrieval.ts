// What the retrieval lesson taught, checked on any later lesson's trace: the chat turn first
// retrieves, in a RETRIEVER span under the turn (the question as its input, the documents found as
// retrieval.documents.N.document.id|content|score|metadata, best first), which embeds the question in
// an EMBEDDING span named CreateEmbeddings (the model, the text, the vector as a list of numbers);
// each LLM span of the turn has the retrieved documents in its prompt and records the prompt's
// template, its variables (JSON) and its version; the answer cites the documents it used.
import {
  DOCUMENT_CONTENT,
  DOCUMENT_ID,
  DOCUMENT_METADATA,
  DOCUMENT_SCORE,
  EMBEDDING_EMBEDDINGS,
  EMBEDDING_MODEL_NAME,
  EMBEDDING_TEXT,
  EMBEDDING_VECTOR,
  INPUT_MIME_TYPE,
  INPUT_VALUE,
  LLM_INPUT_MESSAGES,
  MESSAGE_CONTENT,
  MimeType,
  OpenInferenceSpanKind,
  PROMPT_TEMPLATE_TEMPLATE,
  PROMPT_TEMPLATE_VARIABLES,
  PROMPT_TEMPLATE_VERSION,
  RETRIEVAL_DOCUMENTS,
  SemanticConventions,
} from "@arizeai/openinference-semantic-conventions";
import { hrTimeToMicroseconds } from "@opentelemetry/core";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { ModelConnection } from "../../chatbot/connect-model.ts";
import { CITY_GUIDE, type GuideDocument } from "../../retrieval/city-guide.ts";
import { cosineSimilarity } from "../../retrieval/document-index.ts";
import { recordChecked } from "../checked-keys.ts";
import { describeSpan, expectations, type SpanChecks } from "../span-checks.ts";
import type { RecordedCall } from "./llm-spans.ts";

const KIND = SemanticConventions.OPENINFERENCE_SPAN_KIND;
/** The name the OpenInference spec gives every embedding span. */
export const EMBEDDING_SPAN_NAME = "CreateEmbeddings";
/** How close a recorded score must be to the cosine similarity the check computes (float rounding). */
const SCORE_TOLERANCE = 1e-6;

/** What the search should find, computed here from the model's own vectors of the question and of every document. */
export interface ExpectedRetrieval {
  question: string;
  embeddingModel: string;
  /** the question's vector, as the embeddings endpoint gives it */
  vector: number[];
  /** the documents above the threshold, best first, at most top k */
  found: Array<{ document: GuideDocument; score: number }>;
}

/** The retrieval as the lesson's search should do it: the model's vectors, cosine similarity, the best `topK` of at least `minScore`. */
export async function expectedRetrieval(model: ModelConnection, question: string, { topK, minScore }: { topK: number; minScore: number }): Promise<ExpectedRetrieval> {
  const [asked, corpus] = await Promise.all([
    model.createEmbeddings({ model: model.embeddingModel, input: [question] }),
    model.createEmbeddings({ model: model.embeddingModel, input: CITY_GUIDE.map((document) => document.content) }),
  ]);
  const vector = asked.data[0]!.embedding as number[];
  const found = CITY_GUIDE.map((document, index) => ({ document, score: cosineSimilarity(vector, corpus.data.find((item) => item.index === index)!.embedding as number[]) }))
    .filter(({ score }) => score >= minScore)
    .sort((a, b) => b.score - a.score)
    .slice(0, topK);
  return { question, embeddingModel: model.embeddingModel, vector, found };
}

export interface RetrievalSpans {
  retriever: ReadableSpan;
  embedding: ReadableSpan;
}

/** The RETRIEVER span under the chat turn and the EMBEDDING span of the question, with everything they record. */
export function checkRetrieval(lessonChecks: SpanChecks, chain: ReadableSpan, expected: ExpectedRetrieval, { failed = false } = {}): RetrievalSpans {
  const checks = lessonChecks.taughtIn("retrieval");
  const retriever = checks.one({ kind: OpenInferenceSpanKind.RETRIEVER }, "RETRIEVER span for the search", {
    hint: 1,
    mistake: checks.all({ kind: OpenInferenceSpanKind.RETRIEVER }).length > 1 ? "retrieve once per turn, and give only the search's span the kind RETRIEVER." : undefined,
  });
  checks.childOf(retriever, chain, { hint: 1 });
  checks.attribute(retriever, INPUT_VALUE, expected.question, { hint: 1, usualMistake: "the RETRIEVER span's input is the query it searched for: the user's question, as text." });
  checks.attribute(retriever, INPUT_MIME_TYPE, MimeType.TEXT, { hint: 1 });
  // In the order of the lesson's TODOs: the search, its documents, then the embedding inside it.
  if (failed) {
    checks.status(retriever, "ERROR", { hint: 1, usualMistake: "the search failed (its embedding did): record the exception on the RETRIEVER span too, set ERROR, and rethrow." });
    checks.exceptionEvent(retriever, undefined, { hint: 1 });
    checkFailureMessage(checks, retriever, 1);
  } else {
    checkDocuments(checks, retriever, expected);
    checks.status(retriever, "OK", { hint: 2, usualMistake: "set OK once the documents are recorded (finding none is no failure)." });
  }
  return { retriever, embedding: checkEmbeddingSpan(checks, chain, retriever, expected, failed) };
}

function checkEmbeddingSpan(checks: SpanChecks, chain: ReadableSpan, retriever: ReadableSpan, expected: ExpectedRetrieval, failed: boolean): ReadableSpan {
  const embedding = checks.one({ kind: OpenInferenceSpanKind.EMBEDDING }, "EMBEDDING span for the question's vector", { hint: 3 });
  recordChecked("name");
  checks.that(embedding.name === EMBEDDING_SPAN_NAME, {
    headline: `The EMBEDDING span is named "${embedding.name}".`,
    expected: `"${EMBEDDING_SPAN_NAME}"`,
    got: `"${embedding.name}"`,
    mistake: `the OpenInference spec says an embedding span MUST be named "${EMBEDDING_SPAN_NAME}", whatever the model or the library: tools that read traces find embeddings by that name. Pass it as the first argument of tracer.startActiveSpan.`,
    hint: 3,
  });
  // The search embeds its query: inside the RETRIEVER span (or, embedded before the search, under
  // the turn). Under the turn but during the search is the context lost: started outside the
  // RETRIEVER span's context.
  const parent = embedding.parentSpanContext?.spanId;
  const before = (a: ReadableSpan, b: ReadableSpan) => hrTimeToMicroseconds(a.endTime) <= hrTimeToMicroseconds(b.startTime);
  if (parent !== chain.spanContext().spanId || !before(embedding, retriever)) {
    checks.childOf(embedding, retriever, {
      hint: 3,
      mistake:
        parent === chain.spanContext().spanId
          ? "the EMBEDDING span ran during the RETRIEVER span but is its sibling: it was started outside the RETRIEVER span's context. Start the RETRIEVER span with startActiveSpan (or run the search in context.with(trace.setSpan(context.active(), span), ...)) so that the embedding inside it is its child."
          : undefined,
    });
  }
  checks.attribute(embedding, EMBEDDING_MODEL_NAME, expected.embeddingModel, { hint: 3 });
  checks.flattened(embedding, EMBEDDING_EMBEDDINGS, `${EMBEDDING_EMBEDDINGS}.0.${EMBEDDING_TEXT}, ${EMBEDDING_EMBEDDINGS}.0.${EMBEDDING_VECTOR}`, { hint: 3 });
  const first = `${EMBEDDING_EMBEDDINGS}.0.`;
  checks.attribute(embedding, first + EMBEDDING_TEXT, expected.question, { hint: 3 });
  checks.noAttribute(embedding, `${EMBEDDING_EMBEDDINGS}.1.${EMBEDDING_TEXT}`, "one text was embedded, the question.", { hint: 3 });
  if (failed) {
    checks.status(embedding, "ERROR", { hint: 4, usualMistake: "the embeddings request failed: record the exception, set ERROR, and rethrow." });
    checks.exceptionEvent(embedding, /ModelApiError|500/, { hint: 4 });
    checkFailureMessage(checks, embedding, 4);
    checks.noAttribute(embedding, first + EMBEDDING_VECTOR, "the request failed: there is no vector.", { hint: 4 });
    return embedding;
  }
  const vector = embedding.attributes[first + EMBEDDING_VECTOR];
  checks.attribute(embedding, first + EMBEDDING_VECTOR, expected.vector, {
    hint: 4,
    usualMistake: `record each vector of the response under its text's index, ${EMBEDDING_EMBEDDINGS}.<i>.${EMBEDDING_VECTOR}: the list of numbers itself (an attribute may be an array of numbers).`,
    mistake:
      typeof vector === "string" && !vector.trim().startsWith("[")
        ? 'the vector is recorded as the text the API sent for encoding_format "base64": decode it into numbers (or ask for "float"). Phoenix reads a vector as a list of numbers.'
        : undefined,
  });
  checks.status(embedding, "OK", { hint: 4 });
  return embedding;
}

/** An ERROR status says what failed, in the error's words: here the embeddings endpoint's HTTP 500. */
function checkFailureMessage(checks: SpanChecks, span: ReadableSpan, hint: number): void {
  checks.that(/500/.test(span.status.message ?? ""), {
    headline: `The ERROR status of ${describeSpan(span)} does not say what failed.`,
    expected: "span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) }): the embeddings endpoint answered HTTP 500",
    got: span.status.message ? JSON.stringify(span.status.message) : "an ERROR status without a message",
    hint,
  });
}

/** The documents found, in the order searched (best first), each with what the corpus and the scores say. */
function checkDocuments(checks: SpanChecks, retriever: ReadableSpan, expected: ExpectedRetrieval): void {
  checks.flattened(retriever, RETRIEVAL_DOCUMENTS, `${RETRIEVAL_DOCUMENTS}.0.${DOCUMENT_ID}, ${RETRIEVAL_DOCUMENTS}.0.${DOCUMENT_SCORE}, ...`, { hint: 2 });
  const key = (index: number, field: string) => `${RETRIEVAL_DOCUMENTS}.${index}.${field}`;
  const recorded: Array<{ id: unknown; score: unknown }> = [];
  for (let index = 0; retriever.attributes[key(index, DOCUMENT_ID)] !== undefined || retriever.attributes[key(index, DOCUMENT_SCORE)] !== undefined; index++) {
    recorded.push({ id: retriever.attributes[key(index, DOCUMENT_ID)], score: retriever.attributes[key(index, DOCUMENT_SCORE)] });
  }
  const wanted = expected.found;
  const show = (list: Array<{ id: unknown; score: unknown }>) => (list.length === 0 ? "none" : list.map(({ id, score }) => `${String(id)} (${typeof score === "number" ? score.toFixed(3) : String(score)})`).join(", "));
  const wantedList = wanted.map(({ document, score }) => ({ id: document.id, score }));
  const sameSet = recorded.length === wanted.length && wanted.every(({ document }) => recorded.some(({ id }) => id === document.id));
  const near = (a: unknown, b: number) => typeof a === "number" && Math.abs(a - b) <= SCORE_TOLERANCE;
  if (sameSet && recorded.some(({ id }, index) => id !== wanted[index]!.document.id)) {
    const distances = recorded.every(({ id, score }) => near(score, 1 - wanted.find(({ document }) => document.id === id)!.score));
    checks.fail({
      headline: "The RETRIEVER span lists the right documents in the wrong order.",
      expected: `best first: ${show(wantedList)}`,
      got: show(recorded),
      mistake: distances
        ? "each score is 1 minus the cosine similarity: a cosine distance, where lower is closer (what many vector stores return). OpenInference's document.score is a relevance, higher is better: record the similarity, and list the documents highest score first."
        : "the documents are recorded in another order than the search ranked them: record them as the prompt gets them, the highest score first (sort by score, descending, before recording).",
      hint: 2,
    });
  }
  if (recorded.length === 0 && wanted.length > 0) {
    checks.fail({
      headline: `The RETRIEVER span records no document, though the search found ${wanted.length}.`,
      expected: `${key(0, DOCUMENT_ID)} = "${wanted[0]!.document.id}", ...: ${show(wantedList)}`,
      got: "no retrieval.documents keys",
      mistake: `set the documents found on the RETRIEVER span: for each, ${RETRIEVAL_DOCUMENTS}.<index>.${DOCUMENT_ID}, .${DOCUMENT_CONTENT}, .${DOCUMENT_SCORE} and .${DOCUMENT_METADATA}, with the constants of @arizeai/openinference-semantic-conventions.`,
      hint: 2,
    });
  }
  wanted.forEach(({ document, score }, index) => {
    checks.attribute(retriever, key(index, DOCUMENT_ID), document.id, { hint: 2 });
    checks.attribute(retriever, key(index, DOCUMENT_CONTENT), document.content, { hint: 2 });
    const got = retriever.attributes[key(index, DOCUMENT_SCORE)];
    checks.attribute(retriever, key(index, DOCUMENT_SCORE), expectations.matching(`${score} (the cosine similarity of the question's vector and the document's, a number)`, (value) => near(value, score)), {
      hint: 2,
      mistake: near(got, 1 - score) ? "the score is 1 minus the cosine similarity: a cosine distance, where lower is closer. OpenInference's document.score is a relevance, higher is better: record the similarity itself." : undefined,
    });
    checks.attribute(retriever, key(index, DOCUMENT_METADATA), expectations.json(`the document's metadata, JSON.stringify(metadata): ${JSON.stringify(document.metadata)}`, (parsed) => JSON.stringify(parsed) === JSON.stringify(document.metadata)), {
      hint: 2,
      mistake: retriever.attributes[key(index, DOCUMENT_METADATA)] === "[object Object]" ? 'the metadata became the text "[object Object]": String() of an object. JSON.stringify(metadata) keeps its fields.' : undefined,
    });
  });
  checks.noAttribute(retriever, key(wanted.length, DOCUMENT_ID), `the search found ${wanted.length === 0 ? "no document above the threshold" : `${wanted.length} document(s)`}: ${show(wantedList)}.`, { hint: 2 });
}

/** Each LLM span of the turn has the retrieved documents in its prompt, and says which template, variables and version made it. */
export function checkPromptFromTemplate(lessonChecks: SpanChecks, calls: RecordedCall[], expected: ExpectedRetrieval): void {
  const checks = lessonChecks.taughtIn("retrieval");
  for (const { span, request } of calls) {
    const prompt = request.messages.map((message) => message.content ?? "");
    for (const { document } of expected.found) {
      checks.that(prompt.some((content) => content.includes(document.content) && content.includes(document.id)), {
        headline: `The prompt of ${describeSpan(span)} does not hold the retrieved document "${document.id}".`,
        expected: `a message with [${document.id}] and its text`,
        got: `${LLM_INPUT_MESSAGES}.0.${MESSAGE_CONTENT}: ${JSON.stringify(prompt[0]?.slice(0, 160))}`,
        mistake: "the documents the search returned must go into the prompt the model gets: fill the template's {documents} with them.",
        hint: 5,
      });
    }
    checks.attribute(span, PROMPT_TEMPLATE_TEMPLATE, expectations.anyString, { hint: 5, usualMistake: "each LLM span records the template its prompt was made from: put it in the turn's context (setPromptTemplate) around the agent loop, as the session is (lesson 7), or set it on the LLM span." });
    checks.attribute(span, PROMPT_TEMPLATE_VARIABLES, expectations.json("an object of the template's variables, JSON.stringify({ documents: ... })", (parsed) => typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)), {
      hint: 5,
      mistake: span.attributes[PROMPT_TEMPLATE_VARIABLES] === "[object Object]" ? 'the variables became the text "[object Object]": String() of an object. JSON.stringify(variables) keeps them (setPromptTemplate does it for you).' : undefined,
    });
    checks.attribute(span, PROMPT_TEMPLATE_VERSION, expectations.anyString, { hint: 5 });
    const template = String(span.attributes[PROMPT_TEMPLATE_TEMPLATE]);
    const variables = JSON.parse(String(span.attributes[PROMPT_TEMPLATE_VARIABLES])) as Record<string, unknown>;
    const filled = template.replace(/\{(\w+)\}/g, (placeholder, name: string) => (variables[name] === undefined ? placeholder : String(variables[name])));
    checks.that(!expected.found.some(({ document }) => template.includes(document.content)), {
      headline: `The template recorded on ${describeSpan(span)} already holds the documents.`,
      expected: "the template with its placeholder ({documents}), and the documents in the variables",
      got: `${PROMPT_TEMPLATE_TEMPLATE}: ${JSON.stringify(template.slice(0, 160))}`,
      mistake: "the prompt after filling is recorded as the template: record the template itself, so that Phoenix can group the turns that used it, and the values that filled it as the variables.",
      hint: 5,
    });
    checks.that(prompt.includes(filled), {
      headline: `The template and variables recorded on ${describeSpan(span)} do not make its prompt.`,
      expected: "a message of the prompt equal to the template with each {name} replaced by its variable",
      got: `filled in: ${JSON.stringify(filled.slice(0, 160))}`,
      mistake: "record the template the prompt was made from and the very variables that filled it.",
      hint: 5,
    });
  }
}

/** The answer names the documents it used, by the ids the prompt gave them, and no other; with none found, it says so. */
export function checkAnswerCites(lessonChecks: SpanChecks, reply: string, expected: ExpectedRetrieval): void {
  const checks = lessonChecks.taughtIn("retrieval");
  const ids = new Set(expected.found.map(({ document }) => document.id));
  const cited = [...reply.matchAll(/\[([a-z0-9-]+)\]/g)].map((match) => match[1]!);
  if (ids.size === 0) {
    checks.that(cited.length === 0 && /none of the documents|no document/i.test(reply), {
      headline: "Nothing matched the question, and the answer does not say so.",
      expected: "an answer saying that none of the documents covers it, citing none",
      got: JSON.stringify(reply),
      mistake: "the prompt should tell the model that no document matched: fill {documents} with a line saying so when the search finds nothing.",
      hint: 5,
    });
    return;
  }
  checks.that(cited.length > 0 && cited.every((id) => ids.has(id)), {
    headline: "The answer does not cite the retrieved documents it used.",
    expected: `an answer citing some of ${[...ids].map((id) => `[${id}]`).join(", ")}, and no other`,
    got: JSON.stringify(reply),
    mistake: cited.length > 0 ? "the answer cites ids the search did not return: the prompt lists other documents than those recorded." : "the model was not given the documents with their ids: fill the template's {documents} with one \"[id] text\" line per document.",
    hint: 5,
  });
}

/** The retrieval runs before the model is asked: the RETRIEVER span ends before the first LLM span starts. */
export function checkRetrievedFirst(lessonChecks: SpanChecks, chain: ReadableSpan, { retriever }: RetrievalSpans): void {
  const checks = lessonChecks.taughtIn("retrieval");
  const llms = checks.childrenOf(chain).filter((span) => span.attributes[KIND] === OpenInferenceSpanKind.LLM);
  if (llms.length === 0) return;
  // On the performance clock: a span's start time is the wall clock to the millisecond, too coarse to order two spans by.
  const retrieved = checks.onPerformanceClock(retriever, retriever.endTime);
  const asked = llms.map((span) => ({ span, at: checks.onPerformanceClock(span, span.startTime) })).sort((a, b) => (a.at ?? 0) - (b.at ?? 0))[0]!;
  if (retrieved === undefined || asked.at === undefined) return;
  checks.that(retrieved <= asked.at, {
    headline: "The chat turn asks the model before its retrieval is done.",
    expected: "under the chat turn: RETRIEVER (with the EMBEDDING inside), ended, then LLM, ...",
    got: `${describeSpan(retriever)} still running when ${describeSpan(asked.span)} started`,
    mistake: "retrieve first and await it: the documents found go into the prompt of every model call of the turn.",
    hint: 1,
  });
}
