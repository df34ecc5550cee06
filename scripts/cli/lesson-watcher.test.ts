// The lesson watcher's backup poll, on a throwaway lesson folder with vitest's fake timers:
// the poll's time is then ours to move, and fs.watch's events (which need the event loop to
// turn) cannot arrive in between, so the poll is what notices the save.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { DEBOUNCE_MS, POLL_MS, WATCH_GRACE_MS, watchLessonFiles } from "./lesson-watcher.ts";

const lesson: Lesson = { number: 1, slug: "01-example", title: "Example", files: ["tracing.ts"], run: "tracing.ts", test: "tracing.test.ts", runs: "turn", ask: ["Hello!"] };
let root: string;
const lessonFile = () => path.join(root, "lessons", lesson.slug, "tracing.ts");

function recordEvents() {
  return { onChangeSeen: vi.fn(), onChange: vi.fn(), onWatchSilent: vi.fn() };
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "lesson-watcher-"));
  mkdirSync(path.dirname(lessonFile()), { recursive: true });
  writeFileSync(lessonFile(), "export const before = 1;\n");
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(root, { recursive: true, force: true });
});

describe("the lesson watcher's backup poll", () => {
  it("notices a save that fs.watch did not report, and asks for a check", () => {
    const events = recordEvents();
    const stop = watchLessonFiles(root, lesson, events);
    writeFileSync(lessonFile(), "export const after = 22;\n");
    vi.advanceTimersByTime(POLL_MS + WATCH_GRACE_MS + DEBOUNCE_MS);
    stop();
    expect(events.onWatchSilent).toHaveBeenCalledTimes(1);
    expect(events.onChange).toHaveBeenCalledTimes(1);
  });

  it("notices a save of the folder's other source files too: tracing.ts next to the lesson's chatbot.ts", () => {
    const chatbotLesson: Lesson = { ...lesson, files: ["chatbot.ts"], run: "chatbot.ts", test: "chatbot.test.ts" };
    writeFileSync(path.join(root, "lessons", lesson.slug, "chatbot.ts"), "export const chatTurn = 1;\n");
    const events = recordEvents();
    const stop = watchLessonFiles(root, chatbotLesson, events);
    writeFileSync(lessonFile(), "export const after = 22;\n");
    vi.advanceTimersByTime(POLL_MS + WATCH_GRACE_MS + DEBOUNCE_MS);
    stop();
    expect(events.onChange).toHaveBeenCalledTimes(1);
  });

  it("ignores what is not code: the README, an editor's swap file", () => {
    const events = recordEvents();
    const stop = watchLessonFiles(root, lesson, events);
    writeFileSync(path.join(root, "lessons", lesson.slug, "README.md"), "# notes\n");
    writeFileSync(path.join(root, "lessons", lesson.slug, "tracing.ts.swp"), "half a save");
    vi.advanceTimersByTime((POLL_MS + WATCH_GRACE_MS + DEBOUNCE_MS) * 2);
    stop();
    expect(events.onChangeSeen).not.toHaveBeenCalled();
    expect(events.onChange).not.toHaveBeenCalled();
  });

  it("once stopped (the learner switched lessons), starts no check, even for a save the poll had just seen", () => {
    const events = recordEvents();
    const stop = watchLessonFiles(root, lesson, events);
    writeFileSync(lessonFile(), "export const after = 22;\n");
    // The poll has seen the change and is giving fs.watch its moment when the watcher stops.
    vi.advanceTimersByTime(POLL_MS);
    stop();
    vi.advanceTimersByTime(POLL_MS * 3);
    expect(events.onWatchSilent).not.toHaveBeenCalled();
    expect(events.onChangeSeen).not.toHaveBeenCalled();
    expect(events.onChange).not.toHaveBeenCalled();
  });
});
