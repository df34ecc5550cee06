// Imports run one way: the product (solutions/) never reaches into the project's tooling
// (scripts/), and the terminal client (solutions/app/cli/) never into the server's modules
// (solutions/app/server/): what both ends need lives where both import it (shared/,
// solutions/app/telemetry/). A test of the client may start the app it talks to, so test files
// under cli/ are held to the first rule only.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

export interface ImportRule {
  /** files under this folder (repo-relative, posix) ... */
  from: string;
  /** ... may not import anything under this one */
  notInto: string;
  /** why, in one line: the failure says it */
  because: string;
  /** test files are exempt from this rule */
  testsExempt?: boolean;
}

export const IMPORT_RULES: ImportRule[] = [
  { from: "solutions/", notInto: "scripts/", because: "the product never depends on the project's tooling: move what both need to shared/" },
  {
    from: "solutions/app/cli/",
    notInto: "solutions/app/server/",
    because: "the terminal client does not import the server's modules: what both need lives in solutions/app/telemetry/ (or shared/)",
    testsExempt: true,
  },
];

export interface ImportViolation {
  file: string;
  specifier: string;
  rule: ImportRule;
}

/** Every static import, re-export and dynamic import() of a file that breaks a rule. `files`: repo-relative path -> text. */
export function importViolations(files: Record<string, string>, rules: ImportRule[] = IMPORT_RULES): ImportViolation[] {
  const violations: ImportViolation[] = [];
  for (const [file, text] of Object.entries(files)) {
    const applying = rules.filter((rule) => file.startsWith(rule.from) && !(rule.testsExempt && /\.test\.ts$/.test(file)));
    if (applying.length === 0) continue;
    for (const { fileName: specifier } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!specifier.startsWith(".")) continue; // a package, not a file of this repo
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      for (const rule of applying) if (target.startsWith(rule.notInto)) violations.push({ file, specifier, rule });
    }
  }
  return violations;
}

/** The TypeScript files under the rules' folders, read from the repo at `root`. */
export function readSourceFiles(root: string, folders = [...new Set(IMPORT_RULES.map((rule) => rule.from))]): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = path.posix.join(relative, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules") walk(child);
      } else if (/\.(ts|mts|tsx)$/.test(entry.name)) {
        files[child] = readFileSync(path.join(root, child), "utf8");
      }
    }
  };
  for (const folder of folders) walk(folder.replace(/\/$/, ""));
  return files;
}

export function describeViolation({ file, specifier, rule }: ImportViolation): string {
  return `${file} imports "${specifier}" (under ${rule.notInto}): ${rule.because}.`;
}
