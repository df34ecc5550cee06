import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectModel, type ModelConnection } from "../chatbot/connect-model.ts";
import { embedText } from "../model/embedding-vectors.ts";
import { startOfflineModel, type OfflineModel } from "../model/offline-model.ts";
import { CITY_GUIDE } from "./city-guide.ts";
import { cosineSimilarity, documentIndex } from "./document-index.ts";

let offline: OfflineModel;
let model: ModelConnection;
beforeAll(async () => {
  offline = await startOfflineModel();
  model = await connectModel({ env: {}, offlineModel: offline });
});
afterAll(() => offline.close());

describe("the city guide", () => {
  it("has 20 to 50 short documents with unique ids, each about one of the weather tool's cities", async () => {
    const { WEATHER_TABLE } = await import("../chatbot/tools.ts");
    expect(CITY_GUIDE.length).toBeGreaterThanOrEqual(20);
    expect(CITY_GUIDE.length).toBeLessThanOrEqual(50);
    expect(new Set(CITY_GUIDE.map((document) => document.id)).size).toBe(CITY_GUIDE.length);
    for (const document of CITY_GUIDE) {
      expect(document.id).toMatch(/^[a-z0-9-]+$/);
      expect(Object.keys(WEATHER_TABLE)).toContain(document.metadata.city);
      expect(document.content.length).toBeLessThan(240);
    }
  });
});

describe("the document index", () => {
  it("embeds every document once per connection, in one request, with the connection's embedding model", async () => {
    const before = offline.embeddingRequestCount();
    const index = await documentIndex(model);
    await documentIndex(model);
    expect(offline.embeddingRequestCount()).toBe(before + 1);
    expect(index.map((entry) => entry.document)).toEqual(CITY_GUIDE);
    expect(index[0]!.vector).toEqual(embedText(CITY_GUIDE[0]!.content));
  });

  it("tries again after a failed attempt instead of keeping the failure", async () => {
    const fresh = await connectModel({ env: {}, offlineModel: offline });
    offline.injectEmbeddingFaults("http-500");
    await expect(documentIndex(fresh)).rejects.toMatchObject({ status: 500 });
    await expect(documentIndex(fresh)).resolves.toHaveLength(CITY_GUIDE.length);
  });
});

describe("cosineSimilarity", () => {
  it("is 1 for the same direction, 0 for none in common, -1 for opposite; refuses vectors of different lengths", () => {
    expect(cosineSimilarity([1, 2], [2, 4])).toBeCloseTo(1);
    expect(cosineSimilarity([1, 0], [0, 3])).toBe(0);
    expect(cosineSimilarity([1, 1], [-1, -1])).toBeCloseTo(-1);
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
    expect(() => cosineSimilarity([1], [1, 2])).toThrow(/same embedding model/);
  });
});
