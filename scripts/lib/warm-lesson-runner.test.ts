// The warm runner serves every check of a watch-mode session from one vitest, and since
// prewarmed-forks.ts each check runs in a worker forked ahead of time with the OpenTelemetry
// packages preloaded. A verdict must still depend on the lesson file as saved and nothing
// else: these checks all go through ONE runner, on a copy of the workbook.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findLesson, loadCatalog, type Lesson } from "../../shared/lessons/catalog.ts";
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

const lesson = (number: string) => findLesson(lessons, number)!;
const lessonFile = (number: string) => path.join(copy.root, "lessons", lesson(number).slug, lesson(number).files[0]!);
const solutionText = (number: string) => readFileSync(path.join(copy.root, "solutions", lesson(number).slug, lesson(number).files[0]!), "utf8");
const save = (number: string, text: string) => writeFileSync(lessonFile(number), text);
const check = async (number: string): Promise<LessonCheck> => (await runner.check([lesson(number)]))[0]!;
const failedTitles = (result: LessonCheck) => result.tests.filter((test) => !test.passed).map((test) => test.title);

describe("one warm runner, many saves", { timeout: 120_000 }, () => {
  for (const number of ["2", "1", "6"]) {
    it(`lesson ${number}: the starter fails, the solution passes, the starter fails again`, async () => {
      const starter = readFileSync(lessonFile(number), "utf8");
      const before = await check(number);
      expect(before.passed).toBe(false);
      expect(failedTitles(before).length).toBeGreaterThan(0);

      save(number, solutionText(number));
      const solved = await check(number);
      expect(solved.fileErrors).toEqual([]);
      expect(failedTitles(solved)).toEqual([]);
      expect(solved.passed).toBe(true);

      save(number, starter);
      const again = await check(number);
      expect(again.passed).toBe(false);
      expect(failedTitles(again)).toEqual(failedTitles(before));
    });
  }

  it("a syntax error fails with the file's error, and the fixed file passes", async () => {
    const starter = readFileSync(lessonFile("2"), "utf8");
    save("2", `${solutionText("2")}\nexport function broken( {\n`);
    const broken = await check("2");
    expect(broken.passed).toBe(false);
    expect(broken.fileErrors.length).toBeGreaterThan(0);

    save("2", solutionText("2"));
    expect((await check("2")).passed).toBe(true);
    save("2", starter);
  });

  it("an edit to the lesson folder's tracing.ts (imported by chatbot.ts) is seen by the next check", async () => {
    const starter = readFileSync(lessonFile("2"), "utf8");
    const tracingFile = path.join(copy.root, "lessons", lesson("2").slug, "tracing.ts");
    const tracing = readFileSync(tracingFile, "utf8");
    save("2", solutionText("2"));
    expect((await check("2")).passed).toBe(true);
    writeFileSync(tracingFile, `${tracing}\nthrow new Error("a broken tracing.ts");\n`);
    const broken = await check("2");
    expect(broken.passed).toBe(false);
    expect(broken.fileErrors.map((error) => error.message).join("\n")).toContain("a broken tracing.ts");
    writeFileSync(tracingFile, tracing);
    expect((await check("2")).passed).toBe(true);
    save("2", starter);
  });

  it("each check starts in a fresh process: globals set by one check are gone in the next", async () => {
    const starter = readFileSync(lessonFile("2"), "utf8");
    const marker = [
      `if ("WORKBOOK_WORKER_PRELOAD" in process.env) throw new Error("the preload list is visible to the lesson");`,
      `if ((globalThis as Record<string, unknown>).__earlierCheck) throw new Error("a global from an earlier check leaked into this one");`,
      `(globalThis as Record<string, unknown>).__earlierCheck = true;`,
    ].join("\n");
    save("2", `${solutionText("2")}\n${marker}\n`);
    expect((await check("2")).passed).toBe(true);
    expect((await check("2")).passed).toBe(true);
    save("2", starter);
  });

  it("a check that never finishes times out, and the next check still gets the right verdict", async () => {
    const starter = readFileSync(lessonFile("2"), "utf8");
    save("2", `${solutionText("2")}\nwhile (Date.now() > 0) {}\n`);
    const hung = await check("2");
    expect(hung.passed).toBe(false);
    expect(hung.timedOutAfterMs).toBe(6_000);

    save("2", solutionText("2"));
    expect((await check("2")).passed).toBe(true);
    save("2", starter);
    expect((await check("2")).passed).toBe(false);
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
