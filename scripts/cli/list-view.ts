// Watch mode's lesson list (key l): move with ↑/↓ or j/k, Enter opens the lesson, / filters by
// number, slug or title, Esc goes back.
import type { Lesson } from "../../shared/lessons/catalog.ts";
import { lessonLine, matchesFilter } from "./lesson-list.ts";
import type { WorkbookState } from "./state.ts";
import { style } from "./terminal-style.ts";

export class ListView {
  filter = "";
  filtering = false;
  private cursor: number;

  constructor(
    private readonly lessons: Lesson[],
    current: Lesson,
  ) {
    this.cursor = Math.max(0, lessons.findIndex((lesson) => lesson.slug === current.slug));
  }

  visible(): Lesson[] {
    return this.lessons.filter((lesson) => matchesFilter(lesson, this.filter));
  }

  /** Handles a key; returns the chosen lesson, "close", or undefined to stay in the list. */
  press(key: string): Lesson | "close" | undefined {
    const visible = this.visible();
    if (this.filtering) {
      if (key === "enter" || key === "escape") this.filtering = false;
      else if (key === "backspace") this.filter = this.filter.slice(0, -1);
      else if (key.length === 1 && key >= " ") this.filter += key;
      this.cursor = 0;
      return undefined;
    }
    if (key === "up" || key === "k") this.cursor = Math.max(0, this.cursor - 1);
    else if (key === "down" || key === "j") this.cursor = Math.min(visible.length - 1, this.cursor + 1);
    else if (key === "/") {
      this.filtering = true;
      this.filter = "";
    } else if (key === "enter") return visible[this.cursor];
    else if (key === "escape" || key === "l" || key === "q") return "close";
    return undefined;
  }

  render(state: WorkbookState): string {
    const visible = this.visible();
    const lines = [style.bold("Lessons"), ""];
    visible.forEach((lesson, index) => {
      const line = lessonLine(lesson, state);
      lines.push(index === this.cursor ? style.inverse(`${line.slice(0, 1) === " " ? ">" : ""}${line.slice(1)}`) : line);
    });
    if (visible.length === 0) lines.push(style.dim(`  no lesson matches "${this.filter}"`));
    lines.push("");
    lines.push(
      this.filtering
        ? `filter: ${this.filter}_  (Enter to keep it, Esc to stop typing)`
        : `↑/↓ or j/k move · Enter open · / filter${this.filter ? ` (now "${this.filter}")` : ""} · Esc back`,
    );
    return lines.join("\n");
  }
}
