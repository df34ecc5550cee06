import { afterEach, describe, expect, it } from "vitest";
import { checkCarriedModules } from "./carried-modules.ts";
import { fixtureWorkbook, type FixtureWorkbook } from "./test-support/fixture-workbook.ts";

const TRACING = "export function setupTracing() {\n  return 1;\n}\n";
const TRACED_TURN = "export function chatTurn() {\n  return 'traced';\n}\n";
/** Lesson 1 edits tracing.ts; lesson 2 carries it and edits chatbot.ts. */
const twoLessons = [
  { slug: "01-tracer-setup", files: ["tracing.ts"] },
  { slug: "02-first-span", files: ["chatbot.ts"] },
];
const wellFormed: Record<string, string> = {
  "lessons/01-tracer-setup/tracing.ts": "// TODO 1: set it up\n",
  "lessons/01-tracer-setup/chatbot.ts": "export function chatTurn() {}\n",
  "solutions/01-tracer-setup/tracing.ts": TRACING,
  "solutions/01-tracer-setup/chatbot.ts": "export function chatTurn() {}\n",
  "lessons/02-first-span/tracing.ts": TRACING,
  "lessons/02-first-span/chatbot.ts": "// TODO 1: trace the turn\n",
  "lessons/02-first-span/chatbot.test.ts": "the test, not a module",
  "solutions/02-first-span/tracing.ts": TRACING,
  "solutions/02-first-span/chatbot.ts": TRACED_TURN,
};

let workbook: FixtureWorkbook | undefined;
afterEach(() => workbook?.remove());
function check(slug: string, changes: Record<string, string | null> = {}): string[] {
  const files = { ...wellFormed };
  for (const [file, text] of Object.entries(changes)) {
    if (text === null) delete files[file];
    else files[file] = text;
  }
  workbook = fixtureWorkbook(twoLessons, files as Record<string, string>);
  const lesson = workbook.lessons.find((each) => each.slug === slug)!;
  return checkCarriedModules(lesson, workbook.lessons, workbook.root);
}

describe("the modules a lesson does not edit are carried from the previous solution, byte for byte", () => {
  it("passes a lesson whose unlisted modules are the previous solution's, and the first lesson", () => {
    expect(check("02-first-span")).toEqual([]);
    expect(check("01-tracer-setup")).toEqual([]);
  });

  it("names the carried module that differs from the previous solution, and its first differing line", () => {
    expect(check("02-first-span", { "lessons/02-first-span/tracing.ts": TRACING.replace("return 1", "return 2"), "solutions/02-first-span/tracing.ts": TRACING.replace("return 1", "return 2") })).toEqual([
      'lessons/02-first-span/tracing.ts is carried (not in the lesson\'s "files"), but it is not solutions/01-tracer-setup/tracing.ts byte for byte: line 2 is "  return 2;" where the original has "  return 1;"',
    ]);
  });

  it("tells a difference in bytes only (line endings) from a difference in lines", () => {
    const crlf = TRACING.replaceAll("\n", "\r\n");
    expect(check("02-first-span", { "lessons/02-first-span/tracing.ts": crlf, "solutions/02-first-span/tracing.ts": crlf })).toEqual([
      expect.stringMatching(/lessons\/02-first-span\/tracing\.ts is carried .* line 1 is "export function setupTracing\(\) \{\\r"/),
    ]);
    expect(check("02-first-span", { "lessons/02-first-span/tracing.ts": `${TRACING}\n`, "solutions/02-first-span/tracing.ts": `${TRACING}\n` })).toEqual([
      expect.stringContaining('line 4 is "" where the original has (the file ends)'),
    ]);
  });

  it("names a module that is neither edited nor in the previous solution, and a module the lesson dropped", () => {
    const extra = "export const helper = 1;\n";
    expect(check("02-first-span", { "lessons/02-first-span/helper.ts": extra, "solutions/02-first-span/helper.ts": extra })).toEqual([
      'lessons/02-first-span/helper.ts is neither a file the lesson edits (its "files" in lessons/lessons.json) nor carried from solutions/01-tracer-setup/helper.ts, which does not exist',
    ]);
    expect(check("02-first-span", { "lessons/02-first-span/tracing.ts": null, "solutions/02-first-span/tracing.ts": null })).toEqual([
      "solutions/01-tracer-setup/tracing.ts is not carried into lessons/02-first-span: a lesson starts from the whole previous solution",
    ]);
  });

  it("holds the solution to the lesson's modules: the same set, and the unedited ones the same", () => {
    expect(check("02-first-span", { "solutions/02-first-span/tracing.ts": null })).toEqual([
      "solutions/02-first-span/tracing.ts is missing: a solution has the same modules as its lesson (lessons/02-first-span/tracing.ts)",
    ]);
    expect(check("02-first-span", { "solutions/02-first-span/extra.ts": "export {};\n" })).toEqual([
      "solutions/02-first-span/extra.ts has no counterpart lessons/02-first-span/extra.ts: a solution has the same modules as its lesson",
    ]);
    expect(check("01-tracer-setup", { "solutions/01-tracer-setup/chatbot.ts": "export function chatTurn() { return 1; }\n" })).toEqual([
      'solutions/01-tracer-setup/chatbot.ts differs from lessons/01-tracer-setup/chatbot.ts, which the lesson does not edit (not in its "files"): line 1 is "export function chatTurn() { return 1; }" where the original has "export function chatTurn() {}"',
    ]);
  });

  it("lets a file the lesson edits differ from the previous solution and from its own solution", () => {
    expect(check("02-first-span", { "lessons/02-first-span/chatbot.ts": "// TODO 1: something else\n" })).toEqual([]);
  });
});
