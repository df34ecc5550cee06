// The launcher the e2e suite and `npm run phoenix` share: how it tells a usable .phoenix/venv
// from one it must make again. (Without Python or PyPI: the venvs here are fakes.)
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { venvState } from "./local-server.ts";

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "phoenix-venv-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function fakeVenv(name: string, python: { symlinkTo: string } | { script: string }): Promise<string> {
  const venv = path.join(scratch, name);
  await mkdir(path.join(venv, "bin"), { recursive: true });
  const pythonPath = path.join(venv, "bin", "python");
  if ("symlinkTo" in python) await symlink(python.symlinkTo, pythonPath);
  else await writeFile(pythonPath, python.script, { mode: 0o755 });
  return venv;
}

describe("the state of .phoenix/venv", () => {
  it("not made yet: missing", () => {
    expect(venvState(path.join(scratch, "nothing-here"))).toBe("missing");
  });

  it("its python points at a Python that is gone (removed or upgraded): broken, to be made again", async () => {
    expect(venvState(await fakeVenv("python-gone", { symlinkTo: "/nonexistent/bin/python3.11" }))).toBe("broken");
  });

  it("its python names an interpreter at the clone's old path: broken", async () => {
    expect(venvState(await fakeVenv("moved", { script: "#!/old/place/of/the/clone/.phoenix/venv/bin/python3\n" }))).toBe("broken");
  });

  it("a python that runs, without arize-phoenix: install it; with it: ready", async () => {
    // Stand-ins for the check's two answers (exit 3: the package is not there; 0: it is).
    expect(venvState(await fakeVenv("without-phoenix", { script: "#!/bin/sh\nexit 3\n" }))).toBe("without-phoenix");
    expect(venvState(await fakeVenv("ready", { script: "#!/bin/sh\nexit 0\n" }))).toBe("ready");
  });
});
