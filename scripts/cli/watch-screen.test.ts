// Watch mode's screen from plain objects, without a terminal: what the learner sees for each
// state of the session and of their saved progress. (watch.test.ts drives the real thing in tmux.)
import { describe, expect, it } from "vitest";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { ListView } from "./list-view.ts";
import type { WorkbookState } from "./state.ts";
import { bodyText, fitScreen } from "./screen.ts";
import * as render from "./watch-screen.ts";
import type { WatchView } from "./watch-screen.ts";

// Plain text, whatever colours and links the terminal of whoever runs the tests would get.
// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]|\u001b\]8;;[^\u0007]*\u0007/g, "");
const body = (of: WatchView) => plain(render.body(of));
const footer = (of: WatchView) => render.footer(of).map(plain);
const statusLine = (of: WatchView) => plain(render.statusLine(of));
const watchScreen = (of: WatchView) => {
  const drawn = render.watchScreen(of);
  return { body: plain(bodyText(drawn.body)), commands: drawn.body.map((section) => section.fullTextCommand), footer: drawn.footer.map(plain) };
};
const runPanel = (...args: Parameters<typeof render.runPanel>) => {
  const panel = render.runPanel(...args);
  return { ...panel, text: plain(panel.text) };
};
const checkAllPanel = (...args: Parameters<typeof render.checkAllPanel>) => plain(render.checkAllPanel(...args).text);
const resetNotice = (...args: Parameters<typeof render.resetNotice>) => plain(render.resetNotice(...args));

const lesson = (number: number, slug: string, title: string, files = ["chatbot.ts"]): Lesson => ({
  number,
  slug,
  title,
  files,
  run: "chatbot.ts",
  test: "chatbot.test.ts",
  runs: "turn",
  ask: ["Hello!"],
});
const lessons = [lesson(1, "01-tracer-setup", "Tracer setup", ["tracing.ts"]), lesson(2, "02-first-span", "The first span"), lesson(3, "03-llm-attributes", "LLM attributes")];
const progress = (done: string[], hintsShown: Record<string, number> = {}): WorkbookState => ({ version: 1, current: "02-first-span", done, hintsShown });

function view(changes: Partial<WatchView> = {}): WatchView {
  return {
    root: "/workbook",
    lessons,
    lesson: lessons[1]!,
    progress: progress(["01-tracer-setup"]),
    hints: { hints: ["Start a span.", "End it.", "Name it."] },
    manual: false,
    status: "idle",
    pendingSave: false,
    columns: 120,
    ...changes,
  };
}
const failing = { passed: false, report: "✗ Lesson 2: The first span: 1 of 3 checks pass." };
const passing = { passed: true, report: "✓ Lesson 2: The first span: all 3 checks pass." };

describe("watch mode's screen", () => {
  it("while the first check runs, says the code is being checked", () => {
    expect(body(view())).toBe("Lesson 2: The first span: checking your code...");
    expect(statusLine(view())).toBe("not checked yet");
  });

  it("a failing lesson shows the check's report, then how many hints were read, from the saved progress", () => {
    const screen = watchScreen(view({ verdict: failing, progress: progress(["01-tracer-setup"], { "02-first-span": 1 }) }));
    expect(screen.body).toContain(failing.report);
    expect(screen.body).toContain("Hints read: 1 of 3  (press h for the next one)");
    expect(screen.footer).toContain("✗ not passing yet   Lesson 2: The first span");
    expect(screen.commands).toEqual(["npm run workbook -- check 2"]);
  });

  it("hints read in another terminal count: the line follows the progress it is given", () => {
    expect(body(view({ verdict: failing, progress: progress([], { "02-first-span": 3 }) }))).toContain("Hints read: 3 of 3");
  });

  it("a passing lesson names the solution to compare with and the key to go on", () => {
    const text = body(view({ verdict: passing }));
    expect(text).toContain("Done! Compare your code with the solution: solutions/02-first-span/chatbot.ts (or press d).");
    expect(text).toContain("Press n for the next lesson.");
    expect(statusLine(view({ verdict: passing }))).toBe("✓ passing");
  });

  it("the hint just read comes first, above the verdict, so that a long failure cannot push it off the screen", () => {
    expect(body(view({ verdict: failing, hint: { text: "Hint 1 of 3\n\nStart a span.", number: 1 } }))).toMatch(/^Hint 1 of 3\n\nStart a span\.\n\n✗ Lesson 2: The first span: 1 of 3 checks pass\.\n\nHints read/);
  });

  it("a body cut to fit names the command that prints what was cut: hint N k for the hint, check N for the verdict", () => {
    const longHint = { text: ["Hint 2 of 3", "", ...Array.from({ length: 40 }, (_, index) => `step ${index + 1}`)].join("\n"), number: 2 };
    const longReport = { passed: false, report: ["✗ Lesson 2: The first span: 1 of 3 checks pass.", ...Array.from({ length: 40 }, (_, index) => `  line ${index + 1}`)].join("\n") };
    const cutHint = plain(fitScreen(render.watchScreen(view({ verdict: failing, hint: longHint })), 30, 120));
    expect(cutHint).toMatch(/… \d+ more lines \(all of it: npm run workbook -- hint 2 2\)/);
    expect(cutHint).toContain("step 1\n");
    const cutReport = plain(fitScreen(render.watchScreen(view({ verdict: longReport, hint: { text: "Hint 1 of 3\n\nStart a span.", number: 1 } })), 30, 120));
    expect(cutReport).toContain("Start a span.");
    expect(cutReport).toMatch(/… \d+ more lines \(all of it: npm run workbook -- check 2\)/);
  });

  it("a failure of the check under way is shown at once, with the status saying the rest is still running", () => {
    const partial = { passed: false, report: "✗ Lesson 2: The first span: a check fails (0 of 1 pass so far; the rest are still running)." };
    const screen = watchScreen(view({ verdict: passing, partial, status: "checking" }));
    expect(screen.body).toBe(partial.report);
    expect(screen.footer[1]).toBe("✗ failing, checking the rest...   Lesson 2: The first span");
    // A newer save makes it stale: the status says so.
    expect(statusLine(view({ verdict: passing, partial, status: "checking", pendingSave: true }))).toBe("checking... (your new save is checked next)");
  });

  it("work after the verdict (other lessons checked again) is named, dim, after the verdict's status", () => {
    expect(statusLine(view({ verdict: failing, background: "re-checking done lesson 1, whose files changed" }))).toBe("✗ not passing yet (re-checking done lesson 1, whose files changed)");
  });

  it("a lesson of several files: the footer names each file to open, in reading order", () => {
    const several = lesson(4, "04-messages", "Messages", ["model-call.ts", "message-attributes.ts"]);
    expect(footer(view({ lesson: several, lessons: [...lessons, several] }))[3]).toBe(
      "Edit: lessons/04-messages/model-call.ts, lessons/04-messages/message-attributes.ts  (save to check, in this order)",
    );
  });

  it("the footer: status, what to read and edit, the progress as saved, the notice, the keys", () => {
    const lines = footer(view({ verdict: failing, notice: "Nothing changed.", progress: progress(["01-tracer-setup", "03-llm-attributes"]) }));
    expect(lines).toEqual([
      "─".repeat(80),
      "✗ not passing yet   Lesson 2: The first span",
      "Read: lessons/02-first-span/README.md  (what to do, why, and the hints)",
      "Edit: lessons/02-first-span/chatbot.ts  (save to check)",
      `Progress: [${"#".repeat(20)}${"-".repeat(10)}] 2/3 lessons done`,
      "Nothing changed.",
      "keys: n next · h hint · l list · r run · d diff · x reset · c check all · Enter re-check · q quit",
    ]);
  });

  it("a lesson reset in another terminal is no longer counted done", () => {
    const before = footer(view({ progress: progress(["01-tracer-setup", "02-first-span"]) }));
    const after = footer(view({ progress: progress(["01-tracer-setup"]) }));
    expect(before.join("\n")).toContain("2/3 lessons done");
    expect(after.join("\n")).toContain("1/3 lessons done");
  });

  it("in manual mode the footer says to press Enter after saving", () => {
    expect(footer(view({ manual: true })).join("\n")).toContain("(save, then press Enter to check)");
  });

  it("a question takes the place of the keys", () => {
    const lines = footer(view({ question: "Reset Lesson 2: The first span to the starter? Your files are backed up first. (y/n)" }));
    expect(lines.at(-1)).toBe("Reset Lesson 2: The first span to the starter? Your files are backed up first. (y/n)");
    expect(lines.join("\n")).not.toContain("keys:");
  });

  it("the status says what is under way, and that a save made meanwhile is checked next", () => {
    expect(statusLine(view({ status: "checking" }))).toBe("checking...");
    expect(statusLine(view({ status: "checking", pendingSave: true }))).toBe("checking... (your new save is checked next)");
    expect(statusLine(view({ status: "running" }))).toBe("running lessons/02-first-span/chatbot.ts...");
    expect(statusLine(view({ status: "running", pendingSave: true }))).toBe("running lessons/02-first-span/chatbot.ts... (your save is checked when it ends)");
    expect(statusLine(view({ verdict: passing, pendingSave: true }))).toBe("checking...");
  });

  it("a panel (a run's output) takes the place of the verdict, with the command that prints it in full", () => {
    const panel = runPanel(lessons[1]!, { exitCode: 0, output: "bot: hello\n\nspans:\n  chat\n" });
    const screen = watchScreen(view({ verdict: failing, panel }));
    expect(screen.body).toBe("$ npx tsx lessons/02-first-span/chatbot.ts\nbot: hello\n\nspans:\n  chat\n\nPress Enter to see the verdict again.");
    expect(screen.commands).toEqual(["npm run workbook -- run 2"]);
  });

  it("a run that was stopped says so under its output", () => {
    expect(runPanel(lessons[1]!, { exitCode: 1, output: "you: hi", timedOutAfterMs: 30_000 }).text).toContain(
      "lessons/02-first-span/chatbot.ts was stopped after 30 s without finishing.",
    );
  });

  it("checking every lesson lists each verdict, after the warning that made it necessary, and names a done lesson that fails now", () => {
    const panel = checkAllPanel(
      [
        { lesson: lessons[0]!, passed: true },
        { lesson: lessons[1]!, passed: false },
      ],
      "Warning: .workbook/state.json is not valid JSON, so progress starts afresh.",
      new Map([["02-first-span", '"ends the span"']]),
    );
    expect(panel.split("\n")).toEqual([
      "Warning: .workbook/state.json is not valid JSON, so progress starts afresh.",
      "",
      "Every lesson, checked again:",
      "  ✓ Lesson 1: Tracer setup",
      '  ✗ Lesson 2: The first span: was done, fails now: "ends the span"',
      "",
      "Press Enter to see the current lesson's verdict.",
    ]);
  });

  it("the lesson list shows done and pending from the saved progress, the current one under the cursor", () => {
    const list = new ListView(lessons, lessons[1]!);
    const screen = watchScreen(view({ list, progress: progress(["01-tracer-setup"]) }));
    expect(screen.body).toMatch(/ {3}1 {2}done {5}01-tracer-setup/);
    expect(screen.body).toMatch(/> {2}2 {2}pending {2}02-first-span/);
    expect(screen.body).toMatch(/ {3}3 {2}pending {2}03-llm-attributes/);
    expect(screen.footer.join("\n")).toContain("1/3 lessons done");
  });

  it("after x, the notice names each file backed up and where, the --restore that puts them back, and a changed module it left alone", () => {
    const several = lesson(4, "04-messages", "Messages", ["model-call.ts", "message-attributes.ts"]);
    const backup = { name: "2025-11-23T22-58-34-120Z-04-messages", dir: "/workbook/.workbook/backups/2025-11-23T22-58-34-120Z-04-messages", madeAt: new Date(0), files: ["model-call.ts", "message-attributes.ts"], bytes: 10 };
    const restored = ["lessons/04-messages/model-call.ts", "lessons/04-messages/message-attributes.ts"];
    expect(resetNotice("/workbook", several, { backup, restored, otherChanges: ["tracing.ts"] }).split("\n")).toEqual([
      "Backed up lessons/04-messages/model-call.ts, lessons/04-messages/message-attributes.ts to .workbook/backups/2025-11-23T22-58-34-120Z-04-messages/",
      "(to put them back: npm run workbook -- reset 4 --restore 2025-11-23T22-58-34-120Z-04-messages)",
      "Restored the starter: lessons/04-messages/model-call.ts, lessons/04-messages/message-attributes.ts",
      "lessons/04-messages/tracing.ts differs from the starter too, and was left as it is (reset it alone with: npm run workbook -- reset 4 tracing.ts)",
    ]);
    expect(resetNotice("/workbook", lessons[1]!, { restored: ["lessons/02-first-span/chatbot.ts"] })).toContain("Nothing to back up");
  });
});
