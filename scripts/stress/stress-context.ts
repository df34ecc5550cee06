// What every scenario shares: the offline model, the fake secrets the app is given, the run's
// size, and the end of each app run (stopped by SIGTERM, exit code and output checked).
import { randomBytes } from "node:crypto";
import { leakIn } from "./answer-checks.ts";
import type { AppProcess } from "./processes.ts";
import { stopChild } from "./processes.ts";
import type { ScenarioResult } from "./report.ts";

export interface StressContext {
  /** the offline model's URL, as a provider's: the app is given a (fake) key for it */
  modelBaseUrl: string;
  /** OPENAI_API_KEY and PHOENIX_API_KEY as the app gets them: neither may ever show */
  secrets: { openaiKey: string; phoenixKey: string };
  short: boolean;
  seed: number;
}

export function fakeSecrets(): StressContext["secrets"] {
  return { openaiKey: `sk-stress-${randomBytes(16).toString("hex")}`, phoenixKey: `phx-stress-${randomBytes(16).toString("hex")}` };
}

export function secretList(context: StressContext): string[] {
  return [context.secrets.openaiKey, context.secrets.phoenixKey];
}

/** The app's environment: the model as a provider with a key, Phoenix (the fake collector) with a key. */
export function appEnv(context: StressContext, collectorUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OPENAI_BASE_URL: context.modelBaseUrl,
    OPENAI_API_KEY: context.secrets.openaiKey,
    PHOENIX_API_KEY: context.secrets.phoenixKey,
    PHOENIX_COLLECTOR_ENDPOINT: collectorUrl,
    // The turns' spans are what the stress checks: the judges (their EVALUATOR spans and extra
    // model calls, tested in server/evaluations.test.ts) are off here.
    APP_EVALUATIONS: "off",
    ...extra,
  };
}

/**
 * Stops the app with SIGTERM (unless `signalled` already did) and records what went wrong: an
 * exit before the stop, a stop that was not clean, a secret or stack trace in its output.
 */
export async function finishApp(result: ScenarioResult, app: AppProcess, context: StressContext, { signalled = false } = {}): Promise<void> {
  const exitedEarly = !signalled && (app.process.exitCode !== null || app.process.signalCode !== null);
  if (exitedEarly) {
    result.crashes += 1;
    result.problems.push(`the app exited (${app.process.exitCode ?? app.process.signalCode}) before the scenario stopped it: ${app.output().slice(-600)}`);
  }
  const code = signalled ? await Promise.race([app.exited, new Promise<string>((resolve) => setTimeout(() => resolve("killed"), 15_000).unref())]) : await stopChild(app);
  if (code === "killed") {
    app.process.kill("SIGKILL");
    result.crashes += 1;
    result.problems.push("the app did not exit within 15 s of SIGTERM (killed)");
  } else if (code !== 0 && !exitedEarly) {
    result.crashes += 1;
    result.problems.push(`the app exited with ${code} after SIGTERM, not 0: ${app.output().slice(-600)}`);
  }
  const leak = leakIn(app.output(), secretList(context));
  if (leak) result.problems.push(`the app's output holds ${leak}`);
}
