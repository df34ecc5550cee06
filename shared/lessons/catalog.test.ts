import path from "node:path";
import { describe, expect, it } from "vitest";
import { findLesson, lessonDir, lessonFile, lessonName, lessonNamed, lessonPath, previousLesson, type Lesson } from "./catalog.ts";
import { lessonGroupTitles } from "./check-contract.ts";

const lesson = (number: number, slug: string): Lesson => ({ number, slug, title: slug, files: ["chatbot.ts"], run: "chatbot.ts", runs: "turn", ask: ["Hello"], test: "chatbot.test.ts" });
const lessons = [lesson(1, "01-tracer-setup"), lesson(2, "02-first-span"), lesson(3, "03-llm-attributes"), lesson(4, "04-messages")];

describe("a lesson is found by its name, wherever it is numbered", () => {
  it("names a lesson by its slug without the number", () => {
    expect(lessonName(lessons[2]!)).toBe("llm-attributes");
    expect(lessonNamed("llm-attributes", lessons)).toBe(lessons[2]);
    expect(findLesson(lessons, "llm-attributes")).toBe(lessons[2]);
  });

  it("refuses a name lessons.json does not have, listing the names it has", () => {
    expect(() => lessonNamed("sessions", lessons)).toThrow(/No lesson is named "sessions".*tracer-setup, first-span, llm-attributes, messages/);
  });

  it("gives the lesson before, whose solution a starter carries on, and none before the first", () => {
    expect(previousLesson(lessons[2]!, lessons)).toBe(lessons[1]);
    expect(previousLesson(lessons[0]!, lessons)).toBeUndefined();
  });
});

describe("a lesson's paths come from one place", () => {
  it("puts a lesson's folder under lessons/, solutions/ or a copy laid out like them", () => {
    expect(lessonDir(lessons[1]!, "solutions", "/repo")).toBe(path.join("/repo", "solutions", "02-first-span"));
    expect(lessonFile(lessons[1]!, "lessons", "chatbot.ts", "/repo")).toBe(path.join("/repo", "lessons", "02-first-span", "chatbot.ts"));
    expect(lessonDir(lessons[1]!, "/tmp/mutants/w0", "/repo")).toBe(path.join("/tmp/mutants/w0", "02-first-span"));
  });

  it("names a lesson file for messages as the clone has it", () => {
    expect(lessonPath(lessons[3]!, "lessons", "README.md")).toBe("lessons/04-messages/README.md");
    expect(lessonPath(lessons[3]!, "solutions")).toBe("solutions/04-messages");
  });
});

describe("a lesson test file's group titles", () => {
  it("titles the lesson's own blocks with its number", () => {
    expect(lessonGroupTitles(lessons[2]!, lessons).own("the model call is an LLM span")).toBe("lesson 3: the model call is an LLM span");
  });

  it("titles the block of earlier lessons' checks by the lessons before it", () => {
    expect(lessonGroupTitles(lessons[1]!, lessons).stillTrue()).toBe("still true from lesson 1");
    expect(lessonGroupTitles(lessons[2]!, lessons).stillTrue()).toBe("still true from lessons 1 and 2");
    expect(lessonGroupTitles(lessons[3]!, lessons).stillTrue()).toBe("still true from lessons 1 to 3");
  });

  it("follows lessons.json when a lesson is added in between", () => {
    const renumbered = [lessons[0]!, lessons[1]!, lesson(3, "03-new-lesson"), { ...lessons[2]!, number: 4, slug: "04-llm-attributes" }];
    const moved = lessonNamed("llm-attributes", renumbered);
    expect(lessonGroupTitles(moved, renumbered).own("the model call is an LLM span")).toBe("lesson 4: the model call is an LLM span");
    expect(lessonGroupTitles(moved, renumbered).stillTrue()).toBe("still true from lessons 1 to 3");
  });

  it("titles a test of what an earlier lesson, or a run of them, taught, named without numbers", () => {
    const titles = lessonGroupTitles(lessons[3]!, lessons);
    expect(titles.taught("tracer-setup", "tracing.ts sets up the provider")).toBe("lesson 1: tracing.ts sets up the provider");
    expect(titles.taught(["first-span", "llm-attributes"], "every span as taught")).toBe("lessons 2 to 3: every span as taught");
    expect(titles.taught([["first-span", "llm-attributes"], "messages"], "two runs")).toBe("lessons 2 to 3 and 4: two runs");
    expect(titles.taught([["tracer-setup"], ["messages"]], "two lessons")).toBe("lessons 1 and 4: two lessons");
    expect(() => titles.taught("sessions", "x")).toThrow(/No lesson is named "sessions"/);
  });

  it("has no earlier block for the first lesson", () => {
    expect(() => lessonGroupTitles(lessons[0]!, lessons).stillTrue()).toThrow(/first lesson/);
  });
});
