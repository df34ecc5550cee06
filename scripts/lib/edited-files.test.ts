import { afterEach, describe, expect, it } from "vitest";
import { checkEditedFiles, FIRST_TODO_BY, MAX_LINES } from "./edited-files.ts";
import { fixtureWorkbook, type FixtureWorkbook } from "./test-support/fixture-workbook.ts";

const code = (count: number) => Array.from({ length: count }, (_, index) => `const line${index} = ${index};`).join("\n");
const file = (...parts: string[]) => `${parts.join("\n")}\n`;

let workbook: FixtureWorkbook | undefined;
afterEach(() => workbook?.remove());
/** Lesson 3 edits model-call.ts, then tool-call.ts, in that order. */
function check(modelCall: string, toolCall = file("// TODO 3: trace the tool")): string[] {
  workbook = fixtureWorkbook([{ slug: "03-tools", files: ["model-call.ts", "tool-call.ts"] }], {
    "lessons/03-tools/model-call.ts": modelCall,
    "lessons/03-tools/tool-call.ts": toolCall,
  });
  return checkEditedFiles(workbook.lessons[0]!, workbook.root);
}

describe("the files a lesson asks the learner to edit", () => {
  it("pass when short, with the first TODO near the top and the TODOs numbered across the files in lessons.json's order", () => {
    expect(check(file("// TODO 1: wrap the call", code(10), "  // TODO 2: record the answer"))).toEqual([]);
  });

  it(`have at most ${MAX_LINES} lines`, () => {
    expect(check(file("// TODO 1: a", "// TODO 2: b", code(MAX_LINES - 2)))).toEqual([]);
    expect(check(file("// TODO 1: a", "// TODO 2: b", code(MAX_LINES - 1)))).toEqual([
      `lessons/03-tools/model-call.ts has ${MAX_LINES + 1} lines; a file the learner edits has at most ${MAX_LINES} (move what the lesson does not teach into a module of its own)`,
    ]);
  });

  it(`have their first TODO within the first ${FIRST_TODO_BY} lines`, () => {
    expect(check(file(code(FIRST_TODO_BY - 1), "// TODO 1: a", "// TODO 2: b"))).toEqual([]);
    expect(check(file(code(FIRST_TODO_BY), "// TODO 1: a", "// TODO 2: b"))).toEqual([
      `lessons/03-tools/model-call.ts: its first TODO is on line ${FIRST_TODO_BY + 1}; it must come within the first ${FIRST_TODO_BY} lines (the code the lesson teaches goes near the top)`,
    ]);
  });

  it("name a TODO out of reading order, across files too", () => {
    expect(check(file("// TODO 1: a", "// TODO 3: c", "// TODO 2: b"), file("// TODO 4: d"))).toEqual([
      "lessons/03-tools/model-call.ts:2: TODO 3 where TODO 2 comes next (numbered in reading order across model-call.ts, tool-call.ts, as lessons.json lists them)",
      "lessons/03-tools/model-call.ts:3: TODO 2 where TODO 4 comes next (numbered in reading order across model-call.ts, tool-call.ts, as lessons.json lists them)",
    ]);
    expect(check(file("// TODO 1: a", "// TODO 2: b"), file("// TODO 1: the second file starts over"))).toEqual([
      "lessons/03-tools/tool-call.ts:1: TODO 1 where TODO 3 comes next (numbered in reading order across model-call.ts, tool-call.ts, as lessons.json lists them)",
    ]);
  });

  it("name a gap once, and a TODO without its number", () => {
    expect(check(file("// TODO 1: a", "// TODO 3: c"), file("// TODO 4: d"))).toEqual([
      "lessons/03-tools/model-call.ts:2: TODO 3 where TODO 2 comes next (numbered in reading order across model-call.ts, tool-call.ts, as lessons.json lists them)",
    ]);
    expect(check(file("// TODO 1: a", "// TODO: b"))).toEqual([
      'lessons/03-tools/model-call.ts:2: a TODO without its number; write "TODO 2:" (numbered in reading order across model-call.ts, tool-call.ts)',
    ]);
  });

  it("do not count the word TODOs in prose as a TODO", () => {
    expect(check(file("// The TODOs below are yours.", "// TODO 1: a", "// TODO 2: b"))).toEqual([]);
  });
});
