// How `reset <n> --backups` tells backups apart: the first line where each differs from the starter.
import { describe, expect, it } from "vitest";
import { firstChange, localTime } from "./backup-list.ts";

const starter = "import x;\n\nexport function setup() {\n  // TODO: start a span\n}\n";

describe("a backup's first change from the starter", () => {
  it("is none for an untouched starter, line endings aside", () => {
    expect(firstChange(starter, starter)).toBeUndefined();
    expect(firstChange(starter.replace(/\n/g, "\r\n"), starter)).toBeUndefined();
  });

  it("is the first line the learner changed, as it reads in the backup", () => {
    expect(firstChange(starter.replace("  // TODO: start a span", "  tracer.startActiveSpan('chat', run);"), starter)).toEqual({
      line: 4,
      text: "  tracer.startActiveSpan('chat', run);",
    });
  });

  it("is a line added after the starter's last one", () => {
    expect(firstChange(`${starter}// my notes\n`, starter)).toEqual({ line: 6, text: "// my notes" });
  });

  it("says where the starter's lines were deleted from, when the backup stops early", () => {
    expect(firstChange("import x;\n", starter)).toEqual({ line: 3, text: undefined });
  });
});

describe("a backup's time", () => {
  it("is shown as a date and a time of day", () => {
    expect(localTime(new Date(2025, 10, 3, 9, 5, 7))).toBe("2025-11-03 09:05:07");
  });
});
