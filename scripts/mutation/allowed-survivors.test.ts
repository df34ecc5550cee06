import { describe, expect, it } from "vitest";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { checkAllowList, judgeSurvivors, type AllowedSurvivor } from "./allowed-survivors.ts";
import type { Mutant } from "./mutants.ts";

const lesson = (number: number, slug: string, files: string[]): Lesson => ({ number, slug, title: slug, files, run: "chatbot.ts", runs: "turn", ask: ["Hello"], test: "chatbot.test.ts" });
const catalog = [lesson(3, "03-llm-attributes", ["model-call.ts"]), lesson(4, "04-messages", ["model-call.ts", "message-attributes.ts"])];
const modules: Record<string, string[]> = { "03-llm-attributes": ["chatbot.ts", "model-call.ts"], "04-messages": ["chatbot.ts", "message-attributes.ts", "model-call.ts"] };
const modulesOf = (each: Lesson) => modules[each.slug]!;
const mutant = (id: string): Mutant => ({ id, file: id.split(": ")[0]!, operator: id.split(": ")[1]!, line: 1, text: "" });

const MODEL_NAME = "model-call.ts: remove attribute: [LLM_MODEL_NAME]: request.model";
const ROOT_TURN = "chatbot.ts: start in the root context: tracer.startActiveSpan(";
const entry = (mutant: string, lessons: string[]): AllowedSurvivor => ({ lessons, mutant, why: "a value set twice" });

describe("the list of mutants allowed to survive", () => {
  it("takes lessons by name or slug, and mutants of any module the lessons have, edited or carried", () => {
    expect(checkAllowList([entry(MODEL_NAME, ["llm-attributes", "04-messages"]), entry(ROOT_TURN, ["llm-attributes"])], catalog, modulesOf)).toEqual([]);
  });

  it("refuses an entry without a reason, an unknown lesson, and a module the lesson does not have", () => {
    expect(checkAllowList([{ ...entry(MODEL_NAME, ["llm-attributes"]), why: " " }], catalog, modulesOf)).toEqual([`the entry for "${MODEL_NAME}" gives no reason`]);
    expect(checkAllowList([entry(MODEL_NAME, ["sessions"])], catalog, modulesOf)).toEqual([`the entry for "${MODEL_NAME}" names the lesson "sessions", which lessons/lessons.json does not have`]);
    expect(checkAllowList([entry("message-attributes.ts: remove attribute: [MESSAGE_ROLE]", ["llm-attributes"])], catalog, modulesOf)).toEqual([
      `the entry for "message-attributes.ts: remove attribute: [MESSAGE_ROLE]" names message-attributes.ts, which is not a module of 03-llm-attributes's solution: key it by the module that holds the code now`,
    ]);
  });

  it("explains the survivors it lists for the lesson, and only for that lesson", () => {
    const survivors = [mutant(MODEL_NAME), mutant(ROOT_TURN)];
    const verdict = judgeSurvivors(catalog[1]!, survivors, survivors, [entry(MODEL_NAME, ["messages"]), entry(ROOT_TURN, ["llm-attributes"])]);
    expect(verdict.explained.map((each) => each.id)).toEqual([MODEL_NAME]);
    expect(verdict.unexplained.map((each) => each.id)).toEqual([ROOT_TURN]);
    expect(verdict.stale).toEqual([]);
  });

  it("calls an entry stale when its mutant is killed, gone, or moved to another module, and says where it went", () => {
    const moved = "chatbot.ts: remove attribute: [LLM_MODEL_NAME]: request.model";
    const entries = [entry(moved, ["messages"]), entry(ROOT_TURN, ["messages"]), entry("chatbot.ts: remove call: span.end()", ["messages"])];
    const verdict = judgeSurvivors(catalog[1]!, [mutant(MODEL_NAME), mutant(ROOT_TURN)], [mutant(MODEL_NAME)], entries);
    expect(verdict.stale).toEqual([
      `allowed-survivors.json lists "${moved}" for 04-messages; the same mutant now survives in model-call.ts: key the entry "${MODEL_NAME}"`,
      `allowed-survivors.json lists "${ROOT_TURN}" for 04-messages, which the tests now kill: take 04-messages out of the entry`,
      `allowed-survivors.json lists "chatbot.ts: remove call: span.end()" for 04-messages, which no longer exists: take 04-messages out of the entry`,
    ]);
    expect(verdict.unexplained.map((each) => each.id)).toEqual([MODEL_NAME]);
  });
});
