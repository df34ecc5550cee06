// A local PostgreSQL cluster for Phoenix, as a team runs it (Phoenix on a real database instead
// of its default SQLite file): Debian's `postgresql` binaries (apt-get install postgresql), a
// cluster in a folder of ours (made with initdb on first use), the server started in the
// foreground on 127.0.0.1, and a database "phoenix" that Phoenix reaches through
// PHOENIX_SQL_DATABASE_URL. PostgreSQL refuses to run as root: as root, the cluster is made and
// run as the `postgres` user the Debian package creates.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

export interface RunningPostgres {
  /** postgresql://phoenix@127.0.0.1:<port>/phoenix */
  databaseUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Where initdb, postgres and pg_isready are: the newest /usr/lib/postgresql/<major>/bin, or POSTGRES_BIN. */
export function postgresBinDir(): string {
  if (process.env.POSTGRES_BIN) return process.env.POSTGRES_BIN;
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a)) : [];
  const bin = majors.map((major) => path.join(root, major, "bin")).find((dir) => existsSync(path.join(dir, "initdb")));
  if (!bin) throw new Error("PostgreSQL is not installed: no /usr/lib/postgresql/<version>/bin/initdb. On Debian/Ubuntu: apt-get install postgresql (or set POSTGRES_BIN to the folder of initdb and postgres).");
  return bin;
}

/** The user the cluster runs as: ourselves, or `postgres` when we are root. */
function clusterUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) throw new Error("PostgreSQL refuses to run as root, and there is no `postgres` user to run it as (the Debian package creates one: apt-get install postgresql).");
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Makes the cluster in `dataDir` unless it is there (its PG_VERSION file says so). */
export function ensureCluster(dataDir: string, log: (line: string) => void = console.log): void {
  if (existsSync(path.join(dataDir, "PG_VERSION"))) return;
  const user = clusterUser();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (user.uid !== undefined) {
    chownSync(dataDir, user.uid, user.gid!);
    // The postgres user must be able to pass through the folder holding it (a temporary folder is 0700).
    const parent = path.dirname(dataDir);
    chmodSync(parent, statSync(parent).mode | 0o001);
  }
  log(`Creating a PostgreSQL cluster in ${path.relative(process.cwd(), dataDir) || dataDir} (once)...`);
  const initdb = spawnSync(path.join(postgresBinDir(), "initdb"), ["-D", dataDir, "-U", "phoenix", "--auth=trust", "--encoding=UTF8", "--no-instructions"], { ...user, encoding: "utf8" });
  if (initdb.status !== 0) throw new Error(`initdb failed: ${(initdb.stderr || initdb.stdout || String(initdb.error)).trim()}`);
}

/** Starts the cluster's server on 127.0.0.1:port and makes the database "phoenix" if missing. */
export async function startPostgres(dataDir: string, port: number, { readyTimeoutMs = 30_000 } = {}): Promise<RunningPostgres> {
  ensureCluster(dataDir);
  const bin = postgresBinDir();
  const user = clusterUser();
  // The socket goes in the data folder: /var/run/postgresql may not exist or be writable.
  const child = spawn(path.join(bin, "postgres"), ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-k", dataDir], { ...user, stdio: ["ignore", "ignore", "pipe"] });
  let output = "";
  child.stderr.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-10_000)));
  let exited: number | null | undefined;
  child.on("exit", (code) => (exited = code));
  const stop = async () => {
    if (exited !== undefined) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGINT"); // PostgreSQL's "fast shutdown": disconnects clients, then stops cleanly
    await gone;
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`PostgreSQL stopped before it was ready (exit code ${exited}):\n${output.trim().split("\n").slice(-10).join("\n")}`);
    if (spawnSync(path.join(bin, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port), "-q"]).status === 0) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`PostgreSQL did not accept connections on 127.0.0.1:${port} within ${readyTimeoutMs / 1000} s:\n${output.trim().split("\n").slice(-10).join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const created = spawnSync(path.join(bin, "createdb"), ["-h", "127.0.0.1", "-p", String(port), "-U", "phoenix", "phoenix"], { encoding: "utf8" });
  if (created.status !== 0 && !/already exists/.test(created.stderr)) {
    await stop();
    throw new Error(`createdb phoenix failed: ${created.stderr.trim()}`);
  }
  return { databaseUrl: `postgresql://phoenix@127.0.0.1:${port}/phoenix`, process: child, stop };
}
