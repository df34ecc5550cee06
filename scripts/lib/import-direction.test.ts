import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { describeViolation, importViolations, readSourceFiles } from "./import-direction.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

describe("imports run one way", () => {
  it("in this repo: nothing under solutions/ imports scripts/, and the terminal client imports none of the server's modules", () => {
    const files = readSourceFiles(repoRoot);
    expect(Object.keys(files).some((file) => file.startsWith("solutions/app/cli/")), "the client's files were read").toBe(true);
    expect(importViolations(files).map(describeViolation)).toEqual([]);
  });

  it("finds an import, a re-export and a dynamic import() into scripts/ from anywhere under solutions/", () => {
    const found = importViolations({
      "solutions/app/e2e/app.e2e.ts": 'import { freePort } from "../../../scripts/lib/free-port.ts";\n',
      "solutions/03-llm-attributes/chatbot.ts": 'export { x } from "../../scripts/lib/x.ts";\n',
      "solutions/app/server/late.ts": 'const m = await import("../../../scripts/stress/raw-http.ts");\n',
      "solutions/app/server/fine.ts": 'import { freePort } from "../../../shared/testing/free-port.ts";\nimport ts from "typescript";\n',
      "scripts/stress/run.ts": 'import { exchange } from "./raw-http.ts";\n',
    });
    expect(found.map((each) => each.file)).toEqual(["solutions/app/e2e/app.e2e.ts", "solutions/03-llm-attributes/chatbot.ts", "solutions/app/server/late.ts"]);
    expect(describeViolation(found[0]!)).toMatch(/^solutions\/app\/e2e\/app\.e2e\.ts imports "\.\.\/\.\.\/\.\.\/scripts\/lib\/free-port\.ts" \(under scripts\/\): .*shared\//);
  });

  it("finds the terminal client importing a server module, but lets a test of the client start the app", () => {
    const found = importViolations({
      "solutions/app/cli/tracing.ts": 'import { readConfig } from "../server/config.ts";\nimport { readTelemetryConfig } from "../telemetry/telemetry-config.ts";\n',
      "solutions/app/cli/chat.test.ts": 'const { buildServer } = await import("../server/server.ts");\n',
      "solutions/app/server/main.ts": 'import { readTelemetryConfig } from "../telemetry/telemetry-config.ts";\n',
    });
    expect(found.map(describeViolation)).toEqual([
      'solutions/app/cli/tracing.ts imports "../server/config.ts" (under solutions/app/server/): the terminal client does not import the server\'s modules: what both need lives in solutions/app/telemetry/ (or shared/).',
    ]);
  });
});
