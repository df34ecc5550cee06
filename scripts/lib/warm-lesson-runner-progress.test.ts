// The warm runner while a check is under way: each test's result is told as it ends (watch mode
// shows a failure before the slower checks after it are done), and a check that a newer save
// made pointless is stopped at once, not finished. On a fixture lesson whose last check takes
// 4 s, in a copy of the workbook.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addFixtureLesson, saveFixture, type FixtureLesson } from "../cli/test-support/fixture-lesson.ts";
import { copyWorkbook, type RepoCopy } from "./repo-copy.ts";
import { WarmLessonRunner, type CheckedTest, type LessonCheck } from "./warm-lesson-runner.ts";

const SLOW_CHECK_MS = 4_000;
let copy: RepoCopy;
let fixture: FixtureLesson;
let runner: WarmLessonRunner;
/** The slow check appends a line here once its wait is over: what came before it, came while it ran. */
const markers = mkdtempSync(path.join(os.tmpdir(), "workbook-progress-"));
const slowCheckEndedFile = path.join(markers, "slow-check-ended");
const slowChecksEnded = () => (existsSync(slowCheckEndedFile) ? readFileSync(slowCheckEndedFile, "utf8").split("\n").filter(Boolean).length : 0);

beforeAll(async () => {
  copy = copyWorkbook();
  fixture = addFixtureLesson(copy.root, { slowCheckMs: SLOW_CHECK_MS, slowCheckEndedFile });
  runner = new WarmLessonRunner({ root: copy.root });
  await runner.warmUp();
});
afterAll(async () => {
  await runner?.close();
  copy?.remove();
  rmSync(markers, { recursive: true, force: true });
});

describe("a check under way", { timeout: 60_000 }, () => {
  it("tells each test's result as it ends: the first failure while the slow check after it still runs", async () => {
    saveFixture(fixture, fixture.starter);
    const started = performance.now();
    const heard: Array<{ test: CheckedTest; afterMs: number; slowCheckEnded: boolean }> = [];
    const ended: LessonCheck[] = [];
    const endedBefore = slowChecksEnded();
    const [check] = await runner.check([fixture.lesson], {
      onTestResult: (lesson, test) => {
        expect(lesson.slug).toBe(fixture.lesson.slug);
        heard.push({ test, afterMs: performance.now() - started, slowCheckEnded: slowChecksEnded() > endedBefore });
      },
      onLessonChecked: (lessonCheck) => ended.push(lessonCheck),
    });
    const tookMs = performance.now() - started;
    expect(check!.passed).toBe(false);
    const firstFailure = heard.find(({ test }) => !test.passed);
    expect(firstFailure?.test.title).toBe("greets the learner by name");
    expect(firstFailure!.test.errors[0]?.message).toContain("Hello, Ada!");
    // Told while the 4 s check after it was still running (no timing: the slow check had not
    // written its line yet), not with the check's end.
    expect(firstFailure!.slowCheckEnded, `the first failure was told ${Math.round(firstFailure!.afterMs)} ms into a check of ${Math.round(tookMs)} ms, after the slow check had ended`).toBe(false);
    expect(heard.map(({ test }) => test.title)).toEqual(check!.tests.map((test) => test.title));
    expect(ended.map((each) => each.passed)).toEqual([false]);
  });

  it("cancel() stops it at once (its worker is killed), and the next check's verdict is the saved code's", async () => {
    saveFixture(fixture, fixture.solution);
    const started = performance.now();
    let cancelling: Promise<void> | undefined;
    const checking = runner.check([fixture.lesson], {
      onTestResult: (_lesson, test) => {
        // Both fast checks are in: the slow one has started. A newer save comes now.
        if (test.title === "says goodbye by name") cancelling = runner.cancel();
      },
    });
    const endedBefore = slowChecksEnded();
    const [stopped] = await checking;
    await cancelling;
    expect(cancelling).toBeDefined();
    expect(stopped!.cancelled).toBe(true);
    expect(stopped!.passed).toBe(false);
    // Stopped, not finished: the slow check never ends, however long one waits (its worker is gone).
    expect(slowChecksEnded(), `the cancelled check ran to its end (${Math.round(performance.now() - started)} ms)`).toBe(endedBefore);
    await new Promise((resolve) => setTimeout(resolve, SLOW_CHECK_MS + 500));
    expect(slowChecksEnded(), "the slow check of the cancelled run still ended: its worker was not stopped").toBe(endedBefore);

    saveFixture(fixture, fixture.starter);
    const [next] = await runner.check([fixture.lesson]);
    expect(next!.cancelled).toBeUndefined();
    expect(next!.tests.filter((test) => !test.passed).map((test) => test.title)).toEqual(["greets the learner by name", "says goodbye by name"]);
  });

  it("one check at a time: a second check waits for the first, and cancel() with none under way does nothing", async () => {
    await runner.cancel();
    saveFixture(fixture, fixture.solution);
    const order: string[] = [];
    const first = runner.check([fixture.lesson]).then(([check]) => order.push(`first ${check!.passed}`));
    const second = runner.check([fixture.lesson]).then(([check]) => order.push(`second ${check!.passed}`));
    await Promise.all([first, second]);
    expect(order).toEqual(["first true", "second true"]);
  });
});
