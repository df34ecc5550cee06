// The workbook CLI's feedback loop, for `npm run bench`, measured on a throwaway copy of the repo.
//   save-to-verdict: a lesson file is saved (alternately the starter and the solution), and the
//     time until watch mode's pipeline (fs.watch, debounce, warm vitest re-run) has the verdict;
//   start-up: `npm start` in a real terminal (tmux) until the first screen is drawn.
// Medians, since a shared 2-core machine has outliers.
// BENCH_COMPARE=1 first measures the same saves without pre-forked test workers (a ratio
// within one run); BENCH_SAVES and BENCH_STARTS (0 skips start-up) change the counts.
import { execFileSync, spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadCatalog, findLesson } from "../../shared/lessons/catalog.ts";
import { watchLessonFiles } from "../cli/lesson-watcher.ts";
import { copyWorkbook } from "../lib/repo-copy.ts";
import { WarmLessonRunner } from "../lib/warm-lesson-runner.ts";
import { median } from "./statistics.ts";

const SAVES = Number(process.env.BENCH_SAVES) || 12;
// BENCH_STARTS=0 skips the start-up part.
const STARTS = process.env.BENCH_STARTS === undefined ? 5 : Number(process.env.BENCH_STARTS) || 0;

const ms = (value: number) => `${Math.round(value)} ms`;

async function saveToVerdict(root: string, prewarm = true): Promise<{ times: number[]; prewarmed: number }> {
  const lessons = loadCatalog(root);
  const lesson = findLesson(lessons, "2")!;
  const file = path.join(root, "lessons", lesson.slug, lesson.files[0]!);
  const texts = [readFileSync(path.join(root, "solutions", lesson.slug, lesson.files[0]!), "utf8"), readFileSync(file, "utf8")];
  const runner = new WarmLessonRunner({ root, prewarm });
  await runner.check([lesson]); // warm-up, as watch mode does at start
  const times: number[] = [];
  let waiting: ((passed: boolean) => void) | undefined;
  const stop = watchLessonFiles(root, lesson, {
    onChangeSeen: () => undefined,
    onChange: () => {
      void runner.check([lesson]).then(([check]) => waiting?.(check!.passed));
    },
    onWatchSilent: () => undefined,
  });
  try {
    for (let save = 0; save < SAVES; save++) {
      const expectPass = save % 2 === 0;
      const verdict = new Promise<boolean>((resolve) => (waiting = resolve));
      const started = performance.now();
      writeFileSync(file, texts[save % 2]!);
      const passed = await verdict;
      times.push(performance.now() - started);
      if (passed !== expectPass) throw new Error(`save ${save}: expected ${expectPass ? "a pass" : "a failure"}, got the opposite`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  } finally {
    stop();
    await runner.close();
  }
  return { times, prewarmed: runner.prewarmStats.prewarmed };
}

async function startUp(root: string, command: string): Promise<number[]> {
  const socket = `workbook-bench-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  const times: number[] = [];
  try {
    for (let run = 0; run < STARTS; run++) {
      const started = performance.now();
      tmux("new-session", "-d", "-s", "bench", "-x", "160", "-y", "50", "-c", root, command);
      for (;;) {
        if (tmux("capture-pane", "-p", "-t", "bench").includes("lessons done")) break;
        if (performance.now() - started > 30_000) throw new Error(`${command} drew no screen within 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      times.push(performance.now() - started);
      tmux("send-keys", "-t", "bench", "q");
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      spawnSync("tmux", ["-L", socket, "kill-session", "-t", "bench"], { stdio: "ignore" });
    }
  } finally {
    spawnSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" });
  }
  return times;
}

export async function benchCli(): Promise<void> {
  const copy = copyWorkbook();
  try {
    console.log(`workbook CLI bench (copy of the repo in ${copy.root}; ${process.version}; ${availableParallelism()} cores)\n`);
    if (process.env.BENCH_COMPARE) {
      // The same saves without pre-forked workers (vitest's plain forks pool), for a ratio within one run.
      const plain = await saveToVerdict(copy.root, false);
      console.log(`save-to-verdict without pre-forked workers (BENCH_COMPARE): median ${ms(median(plain.times))} (min ${ms(Math.min(...plain.times))}, max ${ms(Math.max(...plain.times))})`);
    }
    const { times: saves, prewarmed } = await saveToVerdict(copy.root);
    console.log(`save-to-verdict, lesson 2, ${saves.length} saves: median ${ms(median(saves))} (min ${ms(Math.min(...saves))}, max ${ms(Math.max(...saves))}); target <= 300 ms`);
    console.log(`  checks run in a pre-forked worker: ${prewarmed} of ${saves.length + 1} (the first forks its own)`);
    if (STARTS === 0) {
      console.log("start-up: skipped (BENCH_STARTS=0)");
    } else if (spawnSync("tmux", ["-V"]).status !== 0) {
      console.log("start-up: skipped, tmux is not installed (apt-get install -y tmux)");
    } else {
      const npmStart = await startUp(copy.root, "npm start");
      console.log(`npm start to first screen, ${npmStart.length} starts: median ${ms(median(npmStart))} (min ${ms(Math.min(...npmStart))}, max ${ms(Math.max(...npmStart))}); target <= 1 s`);
      const direct = await startUp(copy.root, "node node_modules/tsx/dist/cli.mjs scripts/workbook.ts");
      console.log(`  of which without npm (tsx scripts/workbook.ts): median ${ms(median(direct))}`);
    }
  } finally {
    copy.remove();
  }
}
