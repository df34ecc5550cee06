// A throwaway copy of the workbook for the CLI's tests and the bench: they edit lesson
// files, reset and back up, and must never touch the real lessons/ or .workbook/.
// The copy is its own git repository (one commit of the current tree), because the CLI
// takes pristine starters from git; node_modules is a symlink, so no install is needed.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { projectRoot } from "../../shared/lessons/catalog.ts";

const COPIED = ["lessons", "solutions", "shared", "scripts", "package.json", "tsconfig.json", "vitest.config.ts", ".gitignore"];

export interface RepoCopy {
  root: string;
  remove(): void;
}

export function copyWorkbook(from = projectRoot): RepoCopy {
  const root = mkdtempSync(path.join(tmpdir(), "workbook-copy-"));
  for (const entry of COPIED) {
    cpSync(path.join(from, entry), path.join(root, entry), {
      recursive: true,
      filter: (source) => !source.includes(`${path.sep}node_modules`) && !source.includes(`${path.sep}.workbook`),
    });
  }
  symlinkSync(path.join(from, "node_modules"), path.join(root, "node_modules"), "dir");
  const git = (...args: string[]) => execFileSync("git", args, { cwd: root, stdio: "ignore" });
  git("init", "--quiet", "--initial-branch=main");
  git("add", "--all");
  git("-c", "user.name=workbook-test", "-c", "user.email=workbook-test@example.invalid", "commit", "--quiet", "--no-verify", "-m", "workbook copy");
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
