// The plain subcommands on a lesson of several modules (a fixture lesson: two files it edits,
// greeting.ts and farewell.ts, and one it carries, names.ts), piped as a script would run them.
// Whatever a command does, it does to every file concerned and names each one.
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../shared/lessons/catalog.ts";
import { copyWorkbook, type RepoCopy } from "../lib/repo-copy.ts";
import { runWorkbook } from "./test-support/cli.ts";
import { addFixtureLesson, saveFixture, type FixtureLesson } from "./test-support/fixture-lesson.ts";

let copy: RepoCopy;
let fixture: FixtureLesson;
let n: string;
const file = (name: string) => path.join(fixture.dir, name);
const read = (name: string) => readFileSync(file(name), "utf8");
const at = (name: string) => `lessons/${fixture.lesson.slug}/${name}`;

beforeAll(() => {
  copy = copyWorkbook();
  fixture = addFixtureLesson(copy.root);
  n = String(fixture.lesson.number);
});
afterAll(() => copy?.remove());

describe("a lesson of several files, from the plain commands", { timeout: 120_000 }, () => {
  it("check fails on the starter naming both files to edit, and passes once both are solved", async () => {
    const starter = await runWorkbook(copy.root, ["check", n]);
    expect(starter.code).toBe(1);
    expect(starter.stdout).toContain("First failing check: greets the learner by name");
    expect(starter.stdout).toContain(`Edit: ${at("greeting.ts")}, ${at("farewell.ts")}`);
    saveFixture(fixture, { "greeting.ts": fixture.solution["greeting.ts"]! });
    expect((await runWorkbook(copy.root, ["check", n])).stdout).toContain("First failing check: says goodbye by name");
    saveFixture(fixture, fixture.solution);
    const solved = await runWorkbook(copy.root, ["check", n]);
    expect(solved.code).toBe(0);
    expect(solved.stdout).toContain(`Compare with the solution: solutions/${fixture.lesson.slug}/greeting.ts, solutions/${fixture.lesson.slug}/farewell.ts`);
  });

  it("a done lesson that fails again says it was done, which file changed since, and what fails", async () => {
    saveFixture(fixture, { "farewell.ts": fixture.starter["farewell.ts"]! });
    const broken = await runWorkbook(copy.root, ["check", n]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`Lesson ${n}: Fixture was done, and fails now since ${at("farewell.ts")} changed: "says goodbye by name". It counts as done again once it passes.`);
    // Not done any more, so the next failure is a plain one.
    expect((await runWorkbook(copy.root, ["check", n])).stdout).not.toContain("was done");
  });

  it("diff shows each file that differs under its name, the files to edit first, a carried module too, the rest in one line", async () => {
    saveFixture(fixture, { "greeting.ts": fixture.solution["greeting.ts"]!, "farewell.ts": fixture.starter["farewell.ts"]!, "names.ts": `${fixture.solution["names.ts"]}// a slip\n` });
    const result = await runWorkbook(copy.root, ["diff", n]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${at("farewell.ts")} against solutions/${fixture.lesson.slug}/farewell.ts:`);
    expect(result.stdout).toContain(`${at("names.ts")} against solutions/${fixture.lesson.slug}/names.ts (a file this lesson does not ask you to edit):`);
    expect(result.stdout.indexOf("farewell.ts against")).toBeLessThan(result.stdout.indexOf("names.ts against"));
    expect(result.stdout).toContain(`The same as the solution (whitespace aside): ${at("greeting.ts")}.`);
    expect(result.stdout).toContain("-// a slip");
  });

  it("reset backs up every file it resets and says where; a carried module that differs is named with the reset of it alone", async () => {
    const work = { "greeting.ts": `${fixture.starter["greeting.ts"]}// my greeting\n`, "farewell.ts": `${fixture.starter["farewell.ts"]}// my farewell\n` };
    saveFixture(fixture, work);
    const result = await runWorkbook(copy.root, ["reset", n, "--yes"]);
    expect(result.code).toBe(0);
    const [, backedUp, backupDir] = /Backed up (.+) to (\S+)\//.exec(result.stdout) ?? [];
    expect(backedUp).toBe(`${at("greeting.ts")}, ${at("farewell.ts")}`);
    expect(readFileSync(path.join(copy.root, backupDir!, "greeting.ts"), "utf8")).toBe(work["greeting.ts"]);
    expect(readFileSync(path.join(copy.root, backupDir!, "farewell.ts"), "utf8")).toBe(work["farewell.ts"]);
    expect(result.stdout).toContain(`Restored the starter: ${at("greeting.ts")}, ${at("farewell.ts")}`);
    expect(result.stdout).toContain(`${at("names.ts")} differs from the starter too, and was left as it is (reset it alone with: npm run workbook -- reset ${n} names.ts)`);
    expect(read("greeting.ts")).toBe(fixture.starter["greeting.ts"]);
    expect(read("farewell.ts")).toBe(fixture.starter["farewell.ts"]);
    expect(read("names.ts")).toContain("// a slip");

    const backups = await runWorkbook(copy.root, ["reset", n, "--backups"]);
    expect(backups.stdout).toMatch(/greeting\.ts, farewell\.ts \([\d,]+ bytes\)/);
    expect(backups.stdout).toContain("first change from the starter: greeting.ts line");
    const restored = await runWorkbook(copy.root, ["reset", n, "--restore", path.basename(backupDir!)]);
    expect(restored.code).toBe(0);
    expect(read("greeting.ts")).toBe(work["greeting.ts"]);
    expect(read("farewell.ts")).toBe(work["farewell.ts"]);
  });

  it("reset <n> <file> resets that file alone, backing up that one; a file the lesson does not have is refused, naming its files", async () => {
    const result = await runWorkbook(copy.root, ["reset", n, "names.ts", "--yes"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`Backed up ${at("names.ts").replace(/[./]/g, "\\$&")} to \\S+/`));
    expect(result.stdout).toContain(`Restored the starter: ${at("names.ts")}`);
    expect(result.stdout).not.toContain("differs from the starter too");
    expect(read("names.ts")).toBe(fixture.starter["names.ts"]);
    // The other files kept the learner's work.
    expect(read("greeting.ts")).toContain("// my greeting");

    const unknown = await runWorkbook(copy.root, ["reset", n, "chatbot.ts", "--yes"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`${at("chatbot.ts")} is not a file of lesson ${n}. Name one of its files: greeting.ts, farewell.ts, names.ts`);
    const noYes = await runWorkbook(copy.root, ["reset", n, "farewell.ts"]);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toContain(`npm run workbook -- reset ${n} farewell.ts --yes`);
  });

  it("a deleted carried module is named by check and run, and reset brings it back with the files to edit", async () => {
    rmSync(file("names.ts"));
    const check = await runWorkbook(copy.root, ["check", n]);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`cannot be checked: ${at("names.ts")} is missing.`);
    const run = await runWorkbook(copy.root, ["run", n]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${at("names.ts")} is missing.`);
    const reset = await runWorkbook(copy.root, ["reset", n, "--yes"]);
    expect(reset.stdout).toContain(`Restored the starter: ${at("greeting.ts")}, ${at("farewell.ts")}, ${at("names.ts")}`);
    expect(existsSync(file("names.ts"))).toBe(true);
  });

  it("solution prints each file the lesson edits under its path, in reading order", async () => {
    const result = await runWorkbook(copy.root, ["solution", n]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`the 2 files it edits, in reading order: solutions/${fixture.lesson.slug}/greeting.ts, solutions/${fixture.lesson.slug}/farewell.ts`);
    const greeting = result.stdout.indexOf(`// solutions/${fixture.lesson.slug}/greeting.ts`);
    const farewell = result.stdout.indexOf(`// solutions/${fixture.lesson.slug}/farewell.ts`);
    expect(greeting).toBeGreaterThan(-1);
    expect(farewell).toBeGreaterThan(greeting);
    expect(result.stdout).toContain("return `Goodbye, ${LEARNER}!`;");
  });

  it("hint <n> <k> shows hint k again (what a cut hint on the watch screen points at); a hint that is not there is refused", async () => {
    expect((await runWorkbook(copy.root, ["hint", n])).stdout).toContain("Hint 1 of 2");
    expect((await runWorkbook(copy.root, ["hint", n])).stdout).toContain("Hint 2 of 2");
    const again = await runWorkbook(copy.root, ["hint", n, "1"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Hint 1 of 2");
    expect(again.stdout).toContain("Use the name from names.ts.");
    const none = await runWorkbook(copy.root, ["hint", n, "3"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`Lesson ${n} has hints 1 to 2, so there is no hint 3.`);
  });

  it("left the real lessons alone: the fixture lives in the copy only", () => {
    expect(existsSync(path.join(copy.root, "lessons", fixture.lesson.slug))).toBe(true);
    expect(existsSync(path.join(projectRoot, "lessons", fixture.lesson.slug))).toBe(false);
  });
});
