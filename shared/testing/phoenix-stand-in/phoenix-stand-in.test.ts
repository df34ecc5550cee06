import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startPhoenixStandIn, SPAN_ANNOTATIONS_PATH, type PhoenixStandIn } from "./phoenix-stand-in.ts";

let phoenix: PhoenixStandIn;
beforeAll(async () => {
  phoenix = await startPhoenixStandIn();
});
afterAll(async () => {
  await phoenix?.close();
});
beforeEach(() => {
  phoenix.reset();
  phoenix.refuse(undefined);
});

const post = (body: unknown) =>
  fetch(`${phoenix.url}${SPAN_ANNOTATIONS_PATH}`, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
const vote = (identifier: string | undefined, label: string, score: unknown = label === "up" ? 1 : 0) => ({
  data: [{ span_id: "3556fd5fd732895d", name: "user_feedback", annotator_kind: "HUMAN", result: { label, score }, metadata: {}, ...(identifier === undefined ? {} : { identifier }) }],
});

describe("the Phoenix stand-in", () => {
  it("takes a body Phoenix's schema accepts and keeps one annotation per span, name and identifier, the latest winning (as Phoenix 20 does)", async () => {
    expect((await post(vote("alice", "up"))).status).toBe(200);
    await post(vote("alice", "down"));
    await post(vote("bob", "up"));
    await post(vote(undefined, "up"));
    await post(vote(undefined, "down"));
    expect(phoenix.annotations().map((annotation) => [annotation.identifier, annotation.result?.label])).toEqual([
      ["alice", "down"],
      ["bob", "up"],
      [undefined, "down"],
    ]);
    expect(phoenix.requests.every((request) => request.problems.length === 0)).toBe(true);
  });

  it("answers 422 with Phoenix's detail for a body the schema refuses, and keeps nothing of it", async () => {
    const wrongKind = await post({ data: [{ ...vote("a", "up").data[0], annotator_kind: "human" }] });
    expect(wrongKind.status).toBe(422);
    expect(((await wrongKind.json()) as { detail: Array<{ loc: unknown[] }> }).detail[0]!.loc).toEqual(["body", "data", 0, "annotator_kind"]);
    expect((await post(vote("a", "up", "1"))).status).toBe(422);
    expect(phoenix.requests[1]!.problems[0]!.loc).toEqual(["body", "data", 0, "result", "score"]);
    expect((await post({ data: [{ name: "user_feedback", annotator_kind: "HUMAN" }] })).status).toBe(422);
    expect(phoenix.requests[2]!.problems).toEqual([{ loc: ["body", "data", 0, "span_id"], msg: "Field required" }]);
    expect((await post("not json")).status).toBe(422);
    expect(phoenix.annotations()).toEqual([]);
  });

  it("refuses everything with the status it is told (401: an API key is needed)", async () => {
    phoenix.refuse(401);
    expect((await post(vote("a", "up"))).status).toBe(401);
    expect(phoenix.annotations()).toEqual([]);
  });
});
