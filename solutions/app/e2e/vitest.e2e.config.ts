import { defineConfig } from "vitest/config";

// `npm run verify:e2e`: the finished app against a real Phoenix and a real Chromium, and the exporting
// lesson's production path (scripts/collector/production-path.e2e.ts).
// One file, run in order; the hooks start Phoenix (installing it on first use) and the app.
export default defineConfig({
  test: {
    include: ["solutions/app/e2e/**/*.e2e.ts", "scripts/collector/*.e2e.ts"],
    testTimeout: 60_000,
    // The first run installs Phoenix from PyPI (about a minute) and Phoenix migrates a new database.
    hookTimeout: 600_000,
    fileParallelism: false,
    reporters: ["verbose"],
  },
});
