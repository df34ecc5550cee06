// Retrieval: the documents of the city guide that can answer a question. The question is embedded
// (the model's embeddings endpoint turns it into a vector), and the documents whose vectors point
// the most the same way (cosine similarity) are retrieved: the best few, above a threshold. Lesson
// 12 traces it: a RETRIEVER span for the search, and inside it an EMBEDDING span for the vector.
import { SpanStatusCode, trace, type Attributes } from "@opentelemetry/api";
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
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import type { EmbeddingRequest } from "../../shared/openai/types.ts";
import { cosineSimilarity, documentIndex, type GuideDocument } from "../../shared/retrieval/document-index.ts";
import { contextAttributes } from "./context-attributes.ts";
import { errorMessage } from "./failure-replies.ts";

const tracer = trace.getTracer("workbook-chatbot");

/** At most this many documents go into the prompt. */
export const TOP_K = 3;
/** A document less similar to the question than this is not about it. */
export const MIN_SCORE = 0.25;

export interface RetrievedDocument {
  document: GuideDocument;
  /** the cosine similarity of the document's vector and the question's: higher is closer */
  score: number;
}

/** The documents closest to the query, the closest first. */
export async function retrieve(model: ModelConnection, query: string): Promise<RetrievedDocument[]> {
  // TODO 1: trace the search as a RETRIEVER span "retrieve" (the query as its input, text/plain; ...contextAttributes()), ended in finally; on a failure, the exception, ERROR with the error's message, and rethrow.
  const [queryVector] = await embed(model, [query]);
  const index = await documentIndex(model);
  const found = index
    .map(({ document, vector }) => ({ document, score: cosineSimilarity(queryVector!, vector) }))
    .filter(({ score }) => score >= MIN_SCORE)
    .sort((a, b) => b.score - a.score)
    .slice(0, TOP_K);
  // TODO 2: record the documents found on the RETRIEVER span, best first: retrieval.documents.<i>.document.id, .content, .score and .metadata (JSON text); then OK.
  return found;
}

/** The texts' vectors, in order, from the model's embeddings endpoint. */
export async function embed(model: ModelConnection, texts: string[]): Promise<number[][]> {
  const request: EmbeddingRequest = { model: model.embeddingModel, input: texts, encoding_format: "float" };
  // TODO 3: trace the request as an EMBEDDING span named "CreateEmbeddings": embedding.model_name, each text as embedding.embeddings.<i>.embedding.text, and ...contextAttributes().
  const response = await model.createEmbeddings(request);
  // Each vector says which text it is for (index); the list is not promised to be in order.
  const vectors = [...response.data].sort((a, b) => a.index - b.index).map((item) => item.embedding as number[]);
  // TODO 4: each vector as embedding.embeddings.<i>.embedding.vector (the list of numbers itself), then OK; on a failure, the exception, ERROR with the error's message, and rethrow; end it in finally.
  return vectors;
}
