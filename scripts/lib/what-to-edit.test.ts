import { afterEach, describe, expect, it } from "vitest";
import { checkWhatToEdit } from "./what-to-edit.ts";
import { fixtureWorkbook, type FixtureWorkbook } from "./test-support/fixture-workbook.ts";

let workbook: FixtureWorkbook | undefined;
afterEach(() => workbook?.remove());
/** Lesson 9 edits tracing.ts, chat-client.ts and chat-server.ts. */
function check(readme: string): string[] {
  workbook = fixtureWorkbook([{ slug: "09-http-boundary", files: ["tracing.ts", "chat-client.ts", "chat-server.ts"] }], { "lessons/09-http-boundary/README.md": readme });
  return checkWhatToEdit(workbook.lessons[0]!, workbook.root);
}

describe('a lesson README\'s "What to edit"', () => {
  it("passes when it names every file the lesson edits, in backticks, plain or as a path", () => {
    expect(check("# L9\n\n## What to edit\n\n1. `tracing.ts`: the propagators.\n2. chat-client.ts: the CLIENT span.\n3. `lessons/09-http-boundary/chat-server.ts`.\n\n## Hints\n")).toEqual([]);
  });

  it("names the files it leaves out; a file named only elsewhere in the README does not count", () => {
    expect(check("# L9\n\n## What to edit\n\n`tracing.ts` and the server, `chat-server.ts`.\n\n## Don't touch\n\n`chat-client.ts`\n")).toEqual([
      'lessons/09-http-boundary/README.md: "What to edit" does not name chat-client.ts, which the lesson asks to edit (its "files" in lessons/lessons.json)',
    ]);
  });

  it("does not take a longer name for the file (chat-server.ts is not server.ts)", () => {
    workbook = fixtureWorkbook([{ slug: "09-http-boundary", files: ["server.ts"] }], { "lessons/09-http-boundary/README.md": "## What to edit\n\n`chat-server.ts`, `server.tsx`\n" });
    expect(checkWhatToEdit(workbook.lessons[0]!, workbook.root)).toEqual([expect.stringContaining("does not name server.ts")]);
  });

  it("is a section the README must have", () => {
    expect(check("# L9\n\n## Hints\n")).toEqual(['lessons/09-http-boundary/README.md has no "## What to edit" section naming the files to edit (tracing.ts, chat-client.ts, chat-server.ts)']);
  });
});
