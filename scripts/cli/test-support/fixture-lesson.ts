// A lesson made for the CLI's tests, added to a repo copy: several modules, two of them edited
// (with TODOs) and one carried, a starter that fails and a solution that passes, committed so
// that reset finds its starter in git. Plain functions and plain tests, no OpenTelemetry: it
// checks in a fraction of a real lesson's time, and never changes when the real lessons do.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../../../shared/lessons/catalog.ts";

export interface FixtureLesson {
  lesson: Lesson;
  /** the modules' texts: the starter's, the solution's */
  starter: Record<string, string>;
  solution: Record<string, string>;
  /** the lesson folder's path in the copy */
  dir: string;
}

export const FIXTURE_FILES = ["greeting.ts", "farewell.ts"] as const;
export const FIXTURE_CARRIED = "names.ts";

const names = `// Carried from the previous lesson: the lesson does not ask you to edit it.
export const LEARNER = "Ada";
`;

const starter = {
  "greeting.ts": `import { LEARNER } from "./names.ts";

// TODO 1: greet the learner by name: "Hello, Ada!"
export function greet(): string {
  return "Hello!";
}

export const greeted = LEARNER;
`,
  "farewell.ts": `import { LEARNER } from "./names.ts";

// TODO 2: say goodbye by name: "Goodbye, Ada!"
export function farewell(): string {
  return "Goodbye!";
}

export const left = LEARNER;
`,
};

const solution = {
  "greeting.ts": starter["greeting.ts"].replace("// TODO 1: greet the learner by name: \"Hello, Ada!\"\n", "").replace('return "Hello!";', "return `Hello, ${LEARNER}!`;"),
  "farewell.ts": starter["farewell.ts"].replace("// TODO 2: say goodbye by name: \"Goodbye, Ada!\"\n", "").replace('return "Goodbye!";', "return `Goodbye, ${LEARNER}!`;"),
};

export interface FixtureOptions {
  /** how long the last check takes (to see a failure told before the check ends) */
  slowCheckMs?: number;
  /** how long it takes instead while greeting.ts is the starter's (a check that a newer save must stop) */
  unsolvedCheckMs?: number;
  /**
   * a file the slow check appends a line to once its wait is over: a test can tell, without timing
   * anything, whether a result came before the slow check ended, and whether a stopped check's
   * worker really was stopped (outside the lesson folder, which watch mode watches)
   */
  slowCheckEndedFile?: string;
}

/** The test: a failure the moment it runs, and a last check that takes its time. */
function testFile(number: number, { slowCheckMs = 0, unsolvedCheckMs = slowCheckMs, slowCheckEndedFile }: FixtureOptions): string {
  return `import { appendFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { greet } from "./greeting.ts";
import { farewell } from "./farewell.ts";

describe("lesson ${number}: a greeting and a farewell by name", () => {
  it("greets the learner by name", () => {
    expect(greet()).toBe("Hello, Ada!");
  });
  it("says goodbye by name", () => {
    expect(farewell()).toBe("Goodbye, Ada!");
  });
  it("takes its time", async () => {
    await new Promise((resolve) => setTimeout(resolve, greet() === "Hello!" ? ${unsolvedCheckMs} : ${slowCheckMs}));
    ${slowCheckEndedFile ? `appendFileSync(${JSON.stringify(slowCheckEndedFile)}, "ended\\n");` : ""}
  });
});
`;
}

const readme = (number: number) => `# Lesson ${number}: Fixture

Edit greeting.ts and farewell.ts.

## Hints

### Hint 1

Use the name from names.ts.

### Hint 2

A template string, in both files:

${Array.from({ length: 30 }, (_, index) => `- step ${index + 1} of writing \`Hello, \${LEARNER}!\``).join("\n")}
`;

/** Adds the fixture lesson after the copy's last lesson and commits it; returns it. */
export function addFixtureLesson(root: string, options: FixtureOptions = {}): FixtureLesson {
  const catalogFile = path.join(root, "lessons", "lessons.json");
  const catalog = JSON.parse(readFileSync(catalogFile, "utf8")) as { lessons: Lesson[] };
  const number = Math.max(...catalog.lessons.map((each) => each.number)) + 1;
  const lesson: Lesson = {
    number,
    slug: `${String(number).padStart(2, "0")}-fixture`,
    title: "Fixture",
    files: [...FIXTURE_FILES],
    run: "greeting.ts",
    test: "fixture.test.ts",
    runs: "turn",
    ask: ["Hello!"],
  };
  const dir = path.join(root, "lessons", lesson.slug);
  for (const [folder, texts] of [
    [dir, starter],
    [path.join(root, "solutions", lesson.slug), solution],
  ] as const) {
    mkdirSync(folder, { recursive: true });
    for (const [file, text] of Object.entries(texts)) writeFileSync(path.join(folder, file), text);
    writeFileSync(path.join(folder, FIXTURE_CARRIED), names);
  }
  writeFileSync(path.join(dir, lesson.test), testFile(number, options));
  writeFileSync(path.join(dir, "README.md"), readme(number));
  catalog.lessons.push(lesson);
  writeFileSync(catalogFile, `${JSON.stringify(catalog, null, 2)}\n`);
  const git = (...args: string[]) => execFileSync("git", args, { cwd: root, stdio: "ignore" });
  git("add", "--all");
  git("-c", "user.name=workbook-test", "-c", "user.email=workbook-test@example.invalid", "commit", "--quiet", "--no-verify", "-m", "fixture lesson");
  return { lesson, starter: { ...starter, [FIXTURE_CARRIED]: names }, solution: { ...solution, [FIXTURE_CARRIED]: names }, dir };
}

/** Saves texts into the fixture lesson's folder, by file name. */
export function saveFixture(fixture: FixtureLesson, texts: Record<string, string>): void {
  for (const [file, text] of Object.entries(texts)) writeFileSync(path.join(fixture.dir, file), text);
}
