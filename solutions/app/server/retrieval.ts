// Retrieval, as lesson 12 teaches it: before the model is asked, the turn finds the city guide's
// documents about the question (the question embedded by the model's embeddings endpoint, the
// documents whose vectors point the most the same way, above a threshold, the best few) and hands
// them to the model in the system prompt, which asks it to cite the ids it uses. Traced: a
// RETRIEVER span for the search, and inside it an EMBEDDING span for the question's vector.
// A copy of lesson 12's solution (retrieval.ts and the template in chatbot.ts), grown up as the
// app's chatbot.ts is: its attributes built only for a span that records them (tracing off, or a
// trace the sampler dropped: nothing built), and the context attributes read straight from the
// context. The drift test holds the two to lesson 12's checks.
// A question the guide does not cover retrieves nothing above the threshold: the prompt says so,
// and the model answers without documents (with its tools) as it did before lesson 12.
import { context, SpanStatusCode, trace, type Attributes } from "@opentelemetry/api";
import { getAttributesFromContext, setPromptTemplate } from "@arizeai/openinference-core";
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
  MimeType,
  OpenInferenceSpanKind,
  RETRIEVAL_DOCUMENTS,
  SemanticConventions,
} from "@arizeai/openinference-semantic-conventions";
import type { ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import type { CallOptions } from "../../../shared/chatbot/model-client.ts";
import type { EmbeddingRequest } from "../../../shared/openai/types.ts";
import { untilAborted } from "../../../shared/async/until-aborted.ts";
import { cosineSimilarity, documentIndex, vectorsInOrder, type GuideDocument } from "../../../shared/retrieval/document-index.ts";
import { errorMessage, oneLine, RetrievalError } from "./model-failure.ts";

const tracer = trace.getTracer("workbook-chatbot-app");

/** At most this many documents go into the prompt. */
export const TOP_K = 3;
/** A document less similar to the question than this is not about it. */
export const MIN_SCORE = 0.25;

/** What the model is told on every turn; without retrieval (APP_RETRIEVAL=off), the whole system prompt. */
export const INSTRUCTIONS = "You are a helpful assistant. Use the tools when they help. Answer in one or two sentences.";

/** The system prompt, as a template: each turn fills {documents} with what retrieval found. */
export const PROMPT_TEMPLATE = [
  INSTRUCTIONS,
  "Answer from the documents below when they hold the answer, and cite the id of each document you use in square brackets, like [paris-seasons].",
  "If none of them holds it, say so.",
  "",
  "Documents:",
  "{documents}",
].join("\n");
/** Which wording of the template a turn used: change it with the wording, and Phoenix tells the answers of each apart. */
export const PROMPT_TEMPLATE_VERSION = "city-guide-1";

export interface RetrievedDocument {
  document: GuideDocument;
  /** the cosine similarity of the document's vector and the question's: higher is closer */
  score: number;
}

/** The system prompt a turn's documents make, and the variables that filled the template. */
export interface RetrievalPrompt {
  systemPrompt: string;
  variables: Record<string, string>;
}

/** The template filled with the documents found ("[id] text" per line, as the template asks the model to cite them). */
export function promptWithDocuments(found: RetrievedDocument[]): RetrievalPrompt {
  const documents = found.length === 0 ? "(no document matched the question)" : found.map(({ document }) => `[${document.id}] ${document.content}`).join("\n");
  const variables = { documents };
  return { systemPrompt: PROMPT_TEMPLATE.replace(/\{(\w+)\}/g, (placeholder, name: string) => variables[name as keyof typeof variables] ?? placeholder), variables };
}

/** Runs the turn's model calls (work) in a context that holds the template: each LLM span records it, as it records the session. */
export function withPromptTemplate<T>(variables: Record<string, string>, work: () => Promise<T>): Promise<T> {
  return context.with(setPromptTemplate(context.active(), { template: PROMPT_TEMPLATE, variables, version: PROMPT_TEMPLATE_VERSION }), work);
}

/** The documents closest to the query, the closest first, traced as a RETRIEVER span. Throws a RetrievalError when the search fails. */
export async function retrieve(model: ModelConnection, query: string, options: CallOptions = {}): Promise<RetrievedDocument[]> {
  return tracer.startActiveSpan("retrieve", async (span) => {
    if (span.isRecording()) {
      span.setAttributes({
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.RETRIEVER,
        // What was searched for: Phoenix shows it above the documents found.
        [INPUT_VALUE]: query,
        [INPUT_MIME_TYPE]: MimeType.TEXT,
        ...getAttributesFromContext(context.active()),
      });
    }
    try {
      const [queryVector] = await embed(model, [query], options);
      // The index is shared by every turn (built once, on the first question): a turn that is
      // cancelled stops waiting for it, and leaves it to be built for the next.
      const index = await untilAborted(documentIndex(model), options.signal);
      const found = index
        .map(({ document, vector }) => ({ document, score: cosineSimilarity(queryVector!, vector) }))
        .filter(({ score }) => score >= MIN_SCORE)
        .sort((a, b) => b.score - a.score)
        .slice(0, TOP_K);
      // The documents as the prompt gets them: best first, so Phoenix lists them in that order.
      if (span.isRecording()) span.setAttributes(documentAttributes(found));
      span.setStatus({ code: SpanStatusCode.OK });
      return found;
    } catch (error) {
      // Cancelled (the client left, the app is stopping): the abort's reason says why, and goes on
      // up as it is. Else the turn tells the user it was the search that failed (and why).
      const failure = options.signal?.aborted ? options.signal.reason : error;
      span.recordException(failure as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: oneLine(errorMessage(failure)) });
      throw options.signal?.aborted ? failure : new RetrievalError(error);
    } finally {
      span.end();
    }
  });
}

/** retrieval.documents.0.document.id = "paris-seasons", ...document.content, .score, .metadata (JSON text). */
function documentAttributes(found: RetrievedDocument[]): Attributes {
  const attributes: Attributes = {};
  found.forEach(({ document, score }, index) => {
    const key = `${RETRIEVAL_DOCUMENTS}.${index}.`;
    attributes[key + DOCUMENT_ID] = document.id;
    attributes[key + DOCUMENT_CONTENT] = document.content;
    attributes[key + DOCUMENT_SCORE] = score;
    // An attribute cannot hold an object: the metadata goes as JSON text.
    attributes[key + DOCUMENT_METADATA] = JSON.stringify(document.metadata);
  });
  return attributes;
}

/** The texts' vectors, in order, from the model's embeddings endpoint, traced as an EMBEDDING span. */
async function embed(model: ModelConnection, texts: string[], options: CallOptions): Promise<number[][]> {
  const request: EmbeddingRequest = { model: model.embeddingModel, input: texts, encoding_format: "float" };
  // Phoenix knows an embedding span by this name: the spec says it MUST be "CreateEmbeddings".
  return tracer.startActiveSpan("CreateEmbeddings", async (span) => {
    if (span.isRecording()) {
      span.setAttributes({
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.EMBEDDING,
        [EMBEDDING_MODEL_NAME]: request.model,
        ...embeddingAttributes(texts, EMBEDDING_TEXT),
        ...getAttributesFromContext(context.active()),
      });
    }
    try {
      const vectors = vectorsInOrder(await model.createEmbeddings(request, options));
      if (span.isRecording()) span.setAttributes(embeddingAttributes(vectors, EMBEDDING_VECTOR));
      span.setStatus({ code: SpanStatusCode.OK });
      return vectors;
    } catch (error) {
      // Cancelled: the abort's reason says why; what fetch made of the abort says less.
      const failure = options.signal?.aborted ? options.signal.reason : error;
      span.recordException(failure as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: oneLine(errorMessage(failure)) });
      throw failure;
    } finally {
      span.end();
    }
  });
}

/** embedding.embeddings.0.embedding.text = "...", or .vector = [0.1, ...]: a list of numbers is an attribute as it is. */
function embeddingAttributes(values: Array<string | number[]>, field: typeof EMBEDDING_TEXT | typeof EMBEDDING_VECTOR): Attributes {
  const attributes: Attributes = {};
  values.forEach((value, index) => {
    attributes[`${EMBEDDING_EMBEDDINGS}.${index}.${field}`] = value;
  });
  return attributes;
}
