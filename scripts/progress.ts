// `npm test`: the learner's progress. Runs every lesson's tests against lessons/ and says which
// lessons are done, and what to do next. It fails until every lesson is done: that is the point.
import chalk from "chalk";
import { loadCatalog } from "../shared/lessons/catalog.ts";
import { runLessonTests } from "./lib/lesson-tests.ts";

const results = await runLessonTests(loadCatalog(), "lessons");
for (const result of results) {
  const passing = result.tests.filter((test) => test.passed).length;
  const mark = result.passed ? chalk.green("✓ done   ") : chalk.yellow("✗ pending");
  const detail = result.fileError ? chalk.red("cannot be checked (see below)") : chalk.dim(`${passing}/${result.tests.length} checks`);
  console.log(`${mark} ${result.lesson.slug.padEnd(20)} ${result.lesson.title.padEnd(16)} ${detail}`);
}

// A lesson file that does not even load is shown first, wherever it is: it is the one to fix.
for (const broken of results.filter((result) => result.fileError)) {
  console.log(`\n${chalk.red(`lessons/${broken.lesson.slug} cannot be checked:`)}\n${broken.fileError}`);
}

const unfinished = results.filter((result) => !result.passed);
const next = unfinished[0];
if (next) {
  console.log(`\n${unfinished.length} of ${results.length} lessons unfinished: ${unfinished.map((result) => result.lesson.number).join(", ")}.`);
  console.log(`Next: lessons/${next.lesson.slug}/README.md, then edit ${next.lesson.files.map((file) => `lessons/${next.lesson.slug}/${file}`).join(", ")}.`);
  const firstFailure = next.fileError ? undefined : next.tests.find((test) => !test.passed)?.failures[0];
  if (firstFailure) console.log(`\n${chalk.bold("First failing check:")}\n${firstFailure.split("\n").filter((line) => !/^\s+at /.test(line)).join("\n")}`);
  console.log(`\nCheck one lesson: npm run workbook -- check ${next.lesson.number}   Watch mode: npm start`);
  process.exitCode = 1;
} else {
  console.log(chalk.green(`\nAll ${results.length} lessons done. The finished app is in solutions/app.`));
}
