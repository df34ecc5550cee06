// A vitest pool for the warm runner: vitest's own `forks` pool (one fresh child process per test
// file, thrown away after it, so nothing a check leaves behind reaches the next one), except
// that the next child process is forked ahead of time, right after a check, and loads the
// packages that checks import natively while it waits (worker-preload.mjs). A save then skips
// the worker's start-up and most of the import time: ~470 ms -> ~150 ms per check here.
//
// Why not keep one worker and its module cache (isolate: false)? vitest 4 stops every worker at
// the end of a run anyway, and a reused process would carry globals, timers, servers and
// module state from one check to the next. A pre-forked process has run no test code at all.
//
// What is preloaded is deliberately narrow: only what the previous checks imported natively,
// and of that only the OpenTelemetry and OpenInference packages that package.json depends on.
// Importing them has no side effects (nothing is registered until code asks for it), so a
// check sees the same program whether they were preloaded or not; a package the learner
// imports, which might register something when imported, is never loaded ahead of the test.
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ForksPoolWorker, type PoolOptions, type PoolRunnerInitializer, type PoolWorker } from "vitest/node";

const PRELOAD_MODULE = new URL("./worker-preload.mjs", import.meta.url).href;
const PRELOAD_VARIABLE = "WORKBOOK_WORKER_PRELOAD";
const PRELOADABLE_SCOPES = ["@opentelemetry/", "@arizeai/"];

/** Idle pre-forked workers of every pool in this process (the hang watchdog leaves them to their pool). */
const spares = new Set<number>();
export function spareWorkerPids(): ReadonlySet<number> {
  return spares;
}

interface ForkSettings {
  entrypoint: string;
  execArgv: string[];
  env: Partial<NodeJS.ProcessEnv>;
}

export interface PrewarmStats {
  /** test files that ran in a pre-forked worker */
  prewarmed: number;
  /** test files that ran in a worker forked on demand (the first one, or after a change of settings) */
  forkedOnDemand: number;
}

export class PrewarmedForks {
  readonly pool: PoolRunnerInitializer;
  /** counted into the caller's object, so counts survive a rebuilt vitest */
  readonly stats: PrewarmStats;
  private spare: { child: ChildProcess; key: string } | undefined;
  private closed = false;
  /** what tests imported natively, in first-seen order: the next spare preloads these */
  private readonly nativeImports = new Set<string>();
  private readonly preloadable: Set<string>;
  /** workers running a test file now (what a cancelled check kills) */
  private readonly active = new Set<ChildProcess>();

  constructor(root: string, stats: PrewarmStats = { prewarmed: 0, forkedOnDemand: 0 }) {
    this.stats = stats;
    this.preloadable = preloadablePackages(root);
    const owner = this;
    this.pool = {
      name: "workbook-prewarmed-forks",
      createPoolWorker: (options: PoolOptions): PoolWorker => new PrewarmedForksWorker(options, owner),
    };
  }

  /** The processes running test files now, spares aside. */
  activeWorkerPids(): number[] {
    return [...this.active].filter((child) => child.exitCode === null && child.signalCode === null).map((child) => child.pid!);
  }

  /** @internal a worker's process started, or stopped, running a test file */
  setActive(child: ChildProcess | undefined, active: boolean): void {
    if (!child) return;
    if (active) this.active.add(child);
    else this.active.delete(child);
  }

  /** Kills the idle spare; no new one is forked after this. */
  close(): void {
    this.closed = true;
    this.dropSpare();
  }

  /** @internal the pre-forked child for these settings, if there is a live one */
  take(key: string): ChildProcess | undefined {
    const spare = this.spare;
    this.spare = undefined;
    if (!spare) return undefined;
    spares.delete(spare.child.pid!);
    const alive = spare.child.exitCode === null && spare.child.signalCode === null && spare.child.connected;
    if (spare.key !== key || !alive) {
      spare.child.kill("SIGKILL");
      return undefined;
    }
    setReferenced(spare.child, true);
    return spare.child;
  }

  /** @internal a worker finished its test file: fork the next one now, while the learner reads the verdict */
  replenish(settings: ForkSettings, key: string): void {
    if (this.closed || this.spare) return;
    const preload = [...this.nativeImports].filter((id) => this.preloadable.has(packageOf(id) ?? ""));
    let child: ChildProcess;
    try {
      // As vitest's ForksPoolWorker forks (same entry, arguments, env, stdio), plus the preload list.
      child = fork(settings.entrypoint, [], {
        env: { ...settings.env, [PRELOAD_VARIABLE]: JSON.stringify(preload) },
        execArgv: settings.execArgv,
        stdio: "pipe",
        serialization: "advanced",
      });
    } catch {
      return; // the next check forks its own worker
    }
    child.on("error", () => undefined);
    child.once("exit", () => {
      spares.delete(child.pid!);
      if (this.spare?.child === child) this.spare = undefined;
    });
    // An idle spare must not keep this process alive.
    setReferenced(child, false);
    if (child.pid !== undefined) spares.add(child.pid);
    this.spare = { child, key };
  }

  /** @internal vitest answered a worker's module request with "import it natively" */
  sawNativeImport(id: string): void {
    if (this.nativeImports.size < 500) this.nativeImports.add(id);
  }

  private dropSpare(): void {
    const spare = this.spare;
    this.spare = undefined;
    if (!spare) return;
    spares.delete(spare.child.pid!);
    spare.child.kill("SIGKILL");
  }
}

class PrewarmedForksWorker extends ForksPoolWorker {
  override readonly name = "workbook-prewarmed-forks";
  private readonly key: string;
  private started = false;

  constructor(
    options: PoolOptions,
    private readonly owner: PrewarmedForks,
  ) {
    super({ ...options, execArgv: [...options.execArgv, "--import", PRELOAD_MODULE] });
    this.key = JSON.stringify([this.entrypoint, this.execArgv, this.env]);
  }

  override async start(): Promise<void> {
    const spare = this.owner.take(this.key);
    // ForksPoolWorker.start() forks only when it holds no child yet (`this._fork ||= fork(...)`).
    const self = this as unknown as { _fork?: ChildProcess };
    if (spare) self._fork = spare;
    await super.start();
    this.started = true;
    this.owner.setActive(self._fork, true);
    if (spare && self._fork !== spare) {
      // vitest forked its own after all (its internals changed): the spare is not used.
      spare.kill("SIGKILL");
      this.owner.stats.forkedOnDemand++;
    } else if (spare) {
      this.owner.stats.prewarmed++;
    } else {
      this.owner.stats.forkedOnDemand++;
    }
  }

  override send(message: Parameters<ForksPoolWorker["send"]>[0]): void {
    // vitest's answers to the worker's module requests (birpc responses): { t: "s", r: { externalize } }.
    const reply = message as { t?: unknown; r?: { externalize?: unknown } } | undefined;
    if (reply?.t === "s" && typeof reply.r?.externalize === "string") this.owner.sawNativeImport(reply.r.externalize);
    super.send(message);
  }

  override async stop(): Promise<void> {
    const self = this as unknown as { _fork?: ChildProcess };
    this.owner.setActive(self._fork, false);
    if (this.started) this.owner.replenish({ entrypoint: this.entrypoint, execArgv: this.execArgv, env: this.env }, this.key);
    await super.stop();
  }
}

/** Whether the child (its process handle, IPC channel and stdio pipes) keeps this process alive. */
function setReferenced(child: ChildProcess, referenced: boolean): void {
  const handles = [child, child.channel, child.stdout, child.stderr] as Array<{ ref?(): unknown; unref?(): unknown } | null | undefined>;
  for (const handle of handles) {
    if (referenced) handle?.ref?.();
    else handle?.unref?.();
  }
}

/** The OpenTelemetry and OpenInference packages among the workbook's dependencies. */
function preloadablePackages(root: string): Set<string> {
  try {
    const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    return new Set(Object.keys(manifest.dependencies ?? {}).filter((name) => PRELOADABLE_SCOPES.some((scope) => name.startsWith(scope))));
  } catch {
    return new Set();
  }
}

/** The package a file inside node_modules belongs to (of the innermost node_modules). */
function packageOf(id: string): string | undefined {
  const file = (id.startsWith("file:") ? fileURLToPath(id) : id).replace(/\\/g, "/");
  const at = file.lastIndexOf("/node_modules/");
  if (at === -1) return undefined;
  const [first, second] = file.slice(at + "/node_modules/".length).split("/");
  return first?.startsWith("@") ? `${first}/${second}` : first;
}
