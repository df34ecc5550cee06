// The vector store the chatbot searches: the city guide's documents with their vectors. A real app
// keeps these in a vector database, embedded once when the documents are written; here they are
// embedded once per model connection, on the first search, in one request to the same embedding
// model that embeds the questions (vectors of two models cannot be compared). That request is the
// store's own work, not the chat turn's: it is not traced.
import type { ModelConnection } from "../chatbot/connect-model.ts";
import type { EmbeddingResponse } from "../openai/types.ts";
import { CITY_GUIDE, type GuideDocument } from "./city-guide.ts";

export type { GuideDocument } from "./city-guide.ts";

export interface IndexedDocument {
  document: GuideDocument;
  vector: number[];
}

const indexes = new WeakMap<ModelConnection, Promise<IndexedDocument[]>>();

/** The documents and their vectors, embedded with the connection's embedding model. */
export function documentIndex(model: ModelConnection): Promise<IndexedDocument[]> {
  let index = indexes.get(model);
  if (!index) {
    index = embedDocuments(model);
    // A failed attempt is not kept: the next search tries again.
    index.catch(() => indexes.delete(model));
    indexes.set(model, index);
  }
  return index;
}

async function embedDocuments(model: ModelConnection): Promise<IndexedDocument[]> {
  const vectors = vectorsInOrder(await model.createEmbeddings({ model: model.embeddingModel, input: CITY_GUIDE.map((document) => document.content), encoding_format: "float" }));
  return CITY_GUIDE.map((document, index) => ({ document, vector: vectors[index]! }));
}

/** The vectors of an embeddings response in the order of the texts sent: each says which text it is for (index), and the list is not promised to be in order. */
export function vectorsInOrder(response: EmbeddingResponse): number[][] {
  return [...response.data].sort((a, b) => a.index - b.index).map((item) => item.embedding as number[]);
}

/** How alike two vectors are: the cosine of the angle between them, 1 (same direction) to -1 (opposite). */
export function cosineSimilarity(a: number[], b: number[]): number {
  if (a.length !== b.length) throw new Error(`Vectors of different lengths (${a.length} and ${b.length}) cannot be compared: were they made by the same embedding model?`);
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}
