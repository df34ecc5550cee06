// One of two processes updating the same progress file at once (state.test.ts): it waits for
// the test's go, then counts a hint as read `times` times, each a separate updateState.
// Usage: node --import tsx count-hints.ts <root> <lessons as JSON> <slug> <times>
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { updateState } from "../state.ts";

const [root, lessonsJson, slug, times] = process.argv.slice(2) as [string, string, string, string];
const lessons = JSON.parse(lessonsJson);
writeFileSync(path.join(root, `ready-${slug}`), "");
while (!existsSync(path.join(root, "go"))) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
for (let count = 0; count < Number(times); count++) {
  updateState(root, lessons, (state) => ({ ...state, hintsShown: { ...state.hintsShown, [slug]: (state.hintsShown[slug] ?? 0) + 1 } }));
}
