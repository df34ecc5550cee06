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

/** The documents closest to the query, the closest first, traced as a RETRIEVER span. */
export async function retrieve(model: ModelConnection, query: string): Promise<RetrievedDocument[]> {
  return tracer.startActiveSpan(
    "retrieve",
    {
      attributes: {
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.RETRIEVER,
        // What was searched for: Phoenix shows it above the documents found.
        [INPUT_VALUE]: query,
        [INPUT_MIME_TYPE]: MimeType.TEXT,
        ...contextAttributes(),
      },
    },
    async (span) => {
      try {
        const [queryVector] = await embed(model, [query]);
        const index = await documentIndex(model);
        const found = index
          .map(({ document, vector }) => ({ document, score: cosineSimilarity(queryVector!, vector) }))
          .filter(({ score }) => score >= MIN_SCORE)
          .sort((a, b) => b.score - a.score)
          .slice(0, TOP_K);
        // The documents as the prompt gets them: best first, so Phoenix lists them in that order.
        span.setAttributes(documentAttributes(found));
        span.setStatus({ code: SpanStatusCode.OK });
        return found;
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        throw error;
      } finally {
        span.end();
      }
    },
  );
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
export async function embed(model: ModelConnection, texts: string[]): Promise<number[][]> {
  const request: EmbeddingRequest = { model: model.embeddingModel, input: texts, encoding_format: "float" };
  // Phoenix knows an embedding span by this name: the spec says it MUST be "CreateEmbeddings".
  return tracer.startActiveSpan(
    "CreateEmbeddings",
    {
      attributes: {
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.EMBEDDING,
        [EMBEDDING_MODEL_NAME]: request.model,
        ...embeddingAttributes(texts, EMBEDDING_TEXT),
        ...contextAttributes(),
      },
    },
    async (span) => {
      try {
        const response = await model.createEmbeddings(request);
        // Each vector says which text it is for (index); the list is not promised to be in order.
        const vectors = [...response.data].sort((a, b) => a.index - b.index).map((item) => item.embedding as number[]);
        span.setAttributes(embeddingAttributes(vectors, EMBEDDING_VECTOR));
        span.setStatus({ code: SpanStatusCode.OK });
        return vectors;
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** embedding.embeddings.0.embedding.text = "...", or .vector = [0.1, ...]: a list of numbers is an attribute as it is. */
function embeddingAttributes(values: Array<string | number[]>, field: typeof EMBEDDING_TEXT | typeof EMBEDDING_VECTOR): Attributes {
  const attributes: Attributes = {};
  values.forEach((value, index) => {
    attributes[`${EMBEDDING_EMBEDDINGS}.${index}.${field}`] = value;
  });
  return attributes;
}
