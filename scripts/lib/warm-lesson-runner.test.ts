// The warm runner serves every check of a watch-mode session from one vitest, and since
// prewarmed-forks.ts each check runs in a worker forked ahead of time with the OpenTelemetry
// packages preloaded. A verdict must still depend on the lesson file as saved and nothing
// else: these checks all go through ONE runner, on a copy of the workbook.
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lessonFile, lessonNamed, loadCatalog, type Lesson } from "../../shared/lessons/catalog.ts";
import { copyWorkbook, type RepoCopy } from "./repo-copy.ts";
import { WarmLessonRunner, type LessonCheck } from "./warm-lesson-runner.ts";

let copy: RepoCopy;
let runner: WarmLessonRunner;
let lessons: Lesson[];

beforeAll(() => {
  copy = copyWorkbook();
  lessons = loadCatalog(copy.root);
  runner = new WarmLessonRunner({ root: copy.root, checkTimeoutMs: 6_000 });
});
afterAll(async () => {
  await runner?.close();
  copy?.remove();
});

/** A lesson's files as the learner edits them, by file name. */
type Texts = Record<string, string>;
const lesson = (name: string) => lessonNamed(name, lessons);
const readTexts = (name: string, source: "lessons" | "solutions"): Texts =>
  Object.fromEntries(lesson(name).files.map((file) => [file, readFileSync(lessonFile(lesson(name), source, file, copy.root), "utf8")]));
const starterTexts = (name: string) => readTexts(name, "lessons");
const solutionTexts = (name: string) => readTexts(name, "solutions");
/** The solution with `extra` appended to the first file the lesson edits. */
const solutionWith = (name: string, extra: string): Texts => {
  const texts = solutionTexts(name);
  const first = lesson(name).files[0]!;
  return { ...texts, [first]: `${texts[first]}\n${extra}\n` };
};
const save = (name: string, texts: Texts) => {
  for (const [file, text] of Object.entries(texts)) writeFileSync(lessonFile(lesson(name), "lessons", file, copy.root), text);
};
const check = async (name: string): Promise<LessonCheck> => (await runner.check([lesson(name)]))[0]!;
const failedTitles = (result: LessonCheck) => result.tests.filter((test) => !test.passed).map((test) => test.title);

describe("one warm runner, many saves", { timeout: 120_000 }, () => {
  for (const name of ["first-span", "tracer-setup", "errors"]) {
    it(`${name}: the starter fails, the solution passes, the starter fails again`, async () => {
      const starter = starterTexts(name);
      const before = await check(name);
      expect(before.passed).toBe(false);
      expect(failedTitles(before).length).toBeGreaterThan(0);

      save(name, solutionTexts(name));
      const solved = await check(name);
      expect(solved.fileErrors).toEqual([]);
      expect(failedTitles(solved)).toEqual([]);
      expect(solved.passed).toBe(true);

      save(name, starter);
      const again = await check(name);
      expect(again.passed).toBe(false);
      expect(failedTitles(again)).toEqual(failedTitles(before));
    });
  }

  it("a syntax error fails with the file's error, and the fixed file passes", async () => {
    const starter = starterTexts("first-span");
    save("first-span", solutionWith("first-span", "export function broken( {"));
    const broken = await check("first-span");
    expect(broken.passed).toBe(false);
    expect(broken.fileErrors.length).toBeGreaterThan(0);

    save("first-span", solutionTexts("first-span"));
    expect((await check("first-span")).passed).toBe(true);
    save("first-span", starter);
  });

  it("an edit to the lesson folder's tracing.ts (imported by chatbot.ts) is seen by the next check", async () => {
    const starter = starterTexts("first-span");
    const tracingFile = lessonFile(lesson("first-span"), "lessons", "tracing.ts", copy.root);
    const tracing = readFileSync(tracingFile, "utf8");
    save("first-span", solutionTexts("first-span"));
    expect((await check("first-span")).passed).toBe(true);
    writeFileSync(tracingFile, `${tracing}\nthrow new Error("a broken tracing.ts");\n`);
    const broken = await check("first-span");
    expect(broken.passed).toBe(false);
    expect(broken.fileErrors.map((error) => error.message).join("\n")).toContain("a broken tracing.ts");
    writeFileSync(tracingFile, tracing);
    expect((await check("first-span")).passed).toBe(true);
    save("first-span", starter);
  });

  it("each check starts in a fresh process: globals set by one check are gone in the next", async () => {
    const starter = starterTexts("first-span");
    const marker = [
      `if ("WORKBOOK_WORKER_PRELOAD" in process.env) throw new Error("the preload list is visible to the lesson");`,
      `if ((globalThis as Record<string, unknown>).__earlierCheck) throw new Error("a global from an earlier check leaked into this one");`,
      `(globalThis as Record<string, unknown>).__earlierCheck = true;`,
    ].join("\n");
    save("first-span", solutionWith("first-span", marker));
    expect((await check("first-span")).passed).toBe(true);
    expect((await check("first-span")).passed).toBe(true);
    save("first-span", starter);
  });

  it("a check that never finishes times out, and the next check still gets the right verdict", async () => {
    const starter = starterTexts("first-span");
    save("first-span", solutionWith("first-span", "while (Date.now() > 0) {}"));
    const hung = await check("first-span");
    expect(hung.passed).toBe(false);
    expect(hung.timedOutAfterMs).toBe(6_000);

    save("first-span", solutionTexts("first-span"));
    expect((await check("first-span")).passed).toBe(true);
    save("first-span", starter);
    expect((await check("first-span")).passed).toBe(false);
  });

  it("ran the checks in pre-forked workers (all but the first, and the first after the timeout)", () => {
    // 19 checks above: 9 + 2 + 3 + 2 + 3. The first and the one after the timeout must fork on
    // demand; every other one runs in a pre-forked worker when the machine keeps up (17 + 2 on a
    // quiet machine). On a loaded shared machine a check can start before the spare is up and fork
    // its own: slower, never another verdict. How often that happens is npm run bench's business.
    const { prewarmed, forkedOnDemand } = runner.prewarmStats;
    expect(prewarmed + forkedOnDemand).toBe(19);
    expect(forkedOnDemand).toBeGreaterThanOrEqual(2);
    expect(prewarmed).toBeGreaterThanOrEqual(14);
  });
});
