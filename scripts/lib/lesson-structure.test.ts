import { afterEach, describe, expect, it } from "vitest";
import { checkLessonStructure } from "./lesson-structure.ts";
import { fixtureWorkbook, type FixtureWorkbook } from "./test-support/fixture-workbook.ts";

const README = "# Lesson 2\n\n## Hints\n\n### Hint 1: the idea\n\nA span.\n\n### Hint 2: the API\n\nstartActiveSpan.\n";
const wellFormed: Record<string, string> = {
  "lessons/02-first-span/README.md": README,
  "lessons/02-first-span/chatbot.ts": "// TODO 1: trace the turn\n",
  "lessons/02-first-span/chatbot.test.ts": "",
  "solutions/02-first-span/chatbot.ts": "export {};\n",
};

let workbook: FixtureWorkbook | undefined;
afterEach(() => workbook?.remove());
function check(changes: Record<string, string | null> = {}): string[] {
  const files: Record<string, string> = { ...wellFormed };
  for (const [file, text] of Object.entries(changes)) {
    if (text === null) delete files[file];
    else files[file] = text;
  }
  workbook = fixtureWorkbook([{ slug: "02-first-span", files: ["chatbot.ts"] }], files);
  return checkLessonStructure(workbook.lessons[0]!, workbook.root);
}

describe("a lesson's shape", () => {
  it("passes a README with two hints, a TODO in the file to edit, the test, and a solution without TODOs", () => {
    expect(check()).toEqual([]);
  });

  it("names what is missing or left over", () => {
    expect(check({ "lessons/02-first-span/README.md": "# Lesson 2\n\n## Hints\n\n### Hint 1: only one\n\nx\n" })).toEqual(['lessons/02-first-span/README.md has 1 hint(s) under "## Hints"; at least 2 are needed']);
    expect(check({ "lessons/02-first-span/chatbot.ts": "export {};\n" })).toEqual(["lessons/02-first-span/chatbot.ts has no TODO marker"]);
    expect(check({ "solutions/02-first-span/chatbot.ts": "// TODO 1: trace the turn\n" })).toEqual(["solutions/02-first-span/chatbot.ts still has a TODO"]);
    expect(check({ "lessons/02-first-span/chatbot.test.ts": null })).toEqual(["the test file lessons/02-first-span/chatbot.test.ts is missing"]);
  });
});
