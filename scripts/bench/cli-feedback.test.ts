// How the CLI bench reads a verdict off each program's terminal output: watch mode's screens as
// watch-screen.ts draws them, plain vitest's end of run as vitest prints it. A misreading would
// time the wrong moment, or wait for a verdict that already came.
import { describe, expect, it } from "vitest";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { fitScreen } from "../cli/screen.ts";
import { watchScreen, type WatchView } from "../cli/watch-screen.ts";
import { feedbackTable, readPlainVitest, readWatchMode, statusLines } from "./cli-feedback.ts";
import { CLEAR_SCREEN } from "./terminal-process.ts";

const lesson: Lesson = { number: 2, slug: "02-first-span", title: "The first span", files: ["chatbot.ts"], run: "chatbot.ts", test: "chatbot.test.ts", runs: "turn", ask: ["Hello!"] };
const failing = { passed: false, report: "✗ Lesson 2: The first span: 1 of 3 checks pass." };
const passing = { passed: true, report: "✓ Lesson 2: The first span: all 3 checks pass." };

/** One drawing of watch mode's screen, as it reaches the terminal (line ends as a terminal writes them). */
function drawn(changes: Partial<WatchView>): string {
  const view: WatchView = {
    root: "/workbook",
    lessons: [lesson],
    lesson,
    progress: { version: 1, current: lesson.slug, done: [], hintsShown: {} },
    hints: { hints: ["Start a span."] },
    manual: false,
    status: "idle",
    pendingSave: false,
    columns: 120,
    ...changes,
  };
  return `${CLEAR_SCREEN}${fitScreen(watchScreen(view), 40, 120)}`.replace(/\n/g, "\r\n");
}

describe("the CLI bench's reading of the terminals", () => {
  it("reads watch mode's status line from each complete drawing", () => {
    const output = drawn({ verdict: failing }) + drawn({ verdict: failing, status: "checking" }) + drawn({ verdict: passing });
    expect(statusLines(output)).toEqual(["✗ not passing yet   Lesson 2: The first span", "checking...   Lesson 2: The first span", "✓ passing   Lesson 2: The first span"]);
    // A drawing not written to its last line yet is not read: its status line may be cut.
    const half = drawn({ verdict: passing });
    expect(statusLines(half.slice(0, half.indexOf("keys:")))).toEqual([]);
  });

  it("takes a verdict only after the save's check started: a drawing of the old verdict is not it", () => {
    expect(readWatchMode(drawn({ verdict: passing }))).toEqual({ failing: false });
    expect(readWatchMode(drawn({ verdict: passing, pendingSave: true }) + drawn({ verdict: passing, status: "checking" }))).toEqual({ failing: false });
    expect(readWatchMode(drawn({ verdict: passing, status: "checking" }) + drawn({ verdict: failing }))).toEqual({ failing: true, verdict: { passed: false } });
  });

  it("sees a failure shown while the rest of the check runs, before the verdict", () => {
    const partial = { passed: false, report: "✗ Lesson 2: The first span: a check fails (0 of 1 pass so far; the rest are still running)." };
    const soFar = drawn({ verdict: passing, status: "checking" }) + drawn({ verdict: passing, partial, status: "checking" });
    expect(readWatchMode(soFar)).toEqual({ failing: true });
    expect(readWatchMode(soFar + drawn({ verdict: failing }))).toEqual({ failing: true, verdict: { passed: false } });
  });

  it("reads plain vitest's verdict from its end of run", () => {
    expect(readPlainVitest("\u001b[1m\u001b[7m RERUN \u001b[27m lessons/02-first-span/chatbot.ts x1\r\n Test Files 0 passed (1)")).toEqual({ failing: false });
    expect(readPlainVitest(" Test Files  1 passed (1)\r\n\u001b[42m PASS \u001b[49m Waiting for file changes...")).toEqual({ failing: false, verdict: { passed: true } });
    expect(readPlainVitest(" Test Files  1 failed (1)\r\n\u001b[41m FAIL \u001b[49m Tests failed. Watching for file changes...")).toEqual({ failing: true, verdict: { passed: false } });
  });

  it("prints a row per lesson and kind of save, medians with their range and the ratio of the medians", () => {
    const save = (passed: boolean, verdictMs: number, firstFailureMs = verdictMs) => ({ passed, verdictMs, firstFailureMs });
    const table = feedbackTable([
      {
        lesson,
        byWatcher: new Map([
          ["workbook", [save(true, 200), save(true, 300), save(false, 900, 250), save(false, 1_100, 350)]],
          ["plain vitest --watch", [save(true, 400), save(true, 600), save(false, 1_000), save(false, 1_000)]],
        ]),
      },
    ]).split("\n");
    expect(table[2]).toBe("| 2 (chatbot.ts) | passing (2 / 2) | 250 ms (200-300) | – | 500 ms (400-600) | 0.50 |");
    expect(table[3]).toBe("| 2 (chatbot.ts) | failing (2 / 2) | 1,000 ms (900-1,100) | 300 ms (250-350) | 1,000 ms (1,000-1,000) | 1.00 |");
  });
});
