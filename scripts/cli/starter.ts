// Where the pristine starter of a lesson file comes from, for reset and for restoring a
// deleted file. Not the working tree: the learner edits it. Git's history is the copy they
// cannot overwrite by saving, so the starter is read from the first of these commits that
// has the file:
//   1. merge-base of HEAD and the upstream branch (origin/main after a clone): the workbook
//      version the learner is on, updated by `git pull`, without any commits of their own;
//   2. HEAD, when there is no upstream (a copy made with `git init`, a detached checkout).
// Without git (a downloaded zip) there is no pristine copy, and the error says so.
import { execFileSync } from "node:child_process";
import { lessonPath, type Lesson } from "../../shared/lessons/catalog.ts";
import { WorkbookProblem } from "./problems.ts";

export class StarterUnavailable extends WorkbookProblem {
  override name = "StarterUnavailable";
}

function git(root: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 16 * 1024 * 1024 });
  } catch {
    return undefined;
  }
}

/** The commits to read starters from, most trusted first. */
export function starterCommits(root: string): string[] {
  const commits: string[] = [];
  const upstream = git(root, ["merge-base", "HEAD", "@{upstream}"])?.trim();
  if (upstream) commits.push(upstream);
  const head = git(root, ["rev-parse", "--verify", "--quiet", "HEAD"])?.trim();
  if (head && !commits.includes(head)) commits.push(head);
  return commits;
}

export function readStarter(root: string, lesson: Lesson, file: string, commits = starterCommits(root)): { text: string; commit: string } {
  const gitPath = lessonPath(lesson, "lessons", file);
  if (commits.length === 0) {
    throw new StarterUnavailable(
      `Cannot find the starter of ${gitPath}: this folder is not a git clone (or git is not installed), ` +
        `so there is no untouched copy to restore from. Fix: work in a \`git clone\` of the workbook.`,
    );
  }
  for (const commit of commits) {
    const text = git(root, ["show", `${commit}:${gitPath}`]);
    if (text !== undefined) return { text, commit };
  }
  throw new StarterUnavailable(
    `Cannot find the starter of ${gitPath} in git (looked in ${commits.map((c) => c.slice(0, 8)).join(", ")}). ` +
      `Fix: \`git fetch\` the workbook, or check that ${lessonPath(lesson, "lessons")} is a lesson of this version.`,
  );
}
