// A failed lesson check, written for the learner: what was expected, what came, the
// likely mistake, their own span tree, and the hint to read next.
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { LESSON_FAILURE } from "../lessons/check-contract.ts";
import { renderSpanTree } from "../trace-view/render-tree.ts";

export class LessonFailure extends Error {
  override name = LESSON_FAILURE;
}

export interface FailureReport {
  headline: string;
  expected?: string;
  got?: string;
  /** the mistake this usually is, in one or two sentences */
  mistake?: string;
  spans: readonly ReadableSpan[];
  unended: readonly ReadableSpan[];
  /** where to read next, e.g. "hint 2 in lessons/03-llm-attributes/README.md" */
  hint?: string;
}

export function formatFailure(report: FailureReport): string {
  const lines = [report.headline];
  if (report.expected !== undefined) lines.push(`  expected: ${report.expected}`);
  if (report.got !== undefined) lines.push(`  got:      ${report.got}`);
  if (report.mistake) lines.push("", `  Likely mistake: ${report.mistake}`);
  lines.push("", "  Your spans:");
  const tree = renderSpanTree(report.spans, { color: false, unended: [...report.unended] });
  lines.push(...tree.split("\n").map((line) => `    ${line}`));
  if (report.hint) lines.push("", `  Next: read ${report.hint}`);
  return lines.join("\n");
}
