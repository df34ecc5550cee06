// Runs the lessons' vitest files against lessons/ (the learner's work) or solutions/, and
// reports per lesson and per test. One vitest process for all the lessons asked for, with the
// JSON reporter, so the result is data rather than terminal output.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { projectRoot, type Lesson } from "../../shared/lessons/catalog.ts";

export interface TestResult {
  /** the describe blocks around the test, outermost first */
  groups: string[];
  title: string;
  passed: boolean;
  /** the failure messages, as vitest reports them */
  failures: string[];
}

export interface LessonResult {
  lesson: Lesson;
  passed: boolean;
  /** a failure of the file itself (syntax error, failing import, failing hook) */
  fileError?: string;
  tests: TestResult[];
}

interface VitestJson {
  testResults: Array<{
    name: string;
    status: string;
    message?: string;
    assertionResults: Array<{ ancestorTitles: string[]; title: string; status: string; failureMessages: string[] }>;
  }>;
}

export async function runLessonTests(
  lessons: Lesson[],
  source: "lessons" | "solutions",
  root = projectRoot,
): Promise<LessonResult[]> {
  const outDir = mkdtempSync(path.join(tmpdir(), "workbook-vitest-"));
  const outFile = path.join(outDir, "results.json");
  const files = lessons.map((lesson) => path.join("lessons", lesson.slug, lesson.test));
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [path.join(root, "node_modules", "vitest", "vitest.mjs"), "run", "--reporter=json", `--outputFile=${outFile}`, ...files],
        {
          cwd: root,
          env: { ...process.env, WORKBOOK_SUITE: "lessons", WORKBOOK_SOURCE: source, FORCE_COLOR: "0" },
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("error", reject);
      // vitest exits 1 when tests fail: that is a result, not an error.
      child.on("close", () => resolve());
      child.on("exit", (code) => {
        if (code !== 0 && code !== 1) reject(new Error(`vitest exited with ${code}: ${stderr.slice(-2000)}`));
      });
    });
    const json = JSON.parse(readFileSync(outFile, "utf8")) as VitestJson;
    return lessons.map((lesson) => toLessonResult(lesson, json, root));
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

function toLessonResult(lesson: Lesson, json: VitestJson, root: string): LessonResult {
  const file = path.join(root, "lessons", lesson.slug, lesson.test);
  const entry = json.testResults.find((result) => path.resolve(result.name) === file);
  if (!entry) {
    const relative = path.relative(root, file);
    const why = existsSync(file)
      ? `vitest did not run ${relative}: is it still included by vitest.config.ts (WORKBOOK_SUITE=lessons)?`
      : `the lesson's test file ${relative} is missing: restore it with git checkout -- ${relative}`;
    return { lesson, passed: false, fileError: why, tests: [] };
  }
  const tests = entry.assertionResults.map((test) => ({
    groups: test.ancestorTitles,
    title: test.title,
    passed: test.status === "passed",
    failures: test.failureMessages.map(stripVTControlCharacters),
  }));
  // A file that fails before its tests run (a syntax error in the lesson, a failing import) has no tests.
  const fileError =
    entry.status === "failed" && tests.length === 0 ? stripVTControlCharacters(entry.message ?? "the test file failed to run") : undefined;
  return { lesson, passed: !fileError && tests.length > 0 && tests.every((test) => test.passed), fileError, tests };
}
