// What another process has used, read from Linux's /proc: CPU time (all its threads, user and
// system) and its peak resident memory, which can be reset so that each trial has its own peak.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

/** CPU time the process has used so far (user + system, every thread), in milliseconds. */
export function cpuMs(pid: number): number {
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Field 2, the command name, is in parentheses and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]); // field 14
  const stime = Number(fields[12]); // field 15
  return ((utime + stime) * 1000) / ticksPerSecond;
}

/** The process's peak resident memory (VmHWM) since it started or since resetPeakRss, in bytes. */
export function peakRssBytes(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`/proc/${pid}/status has no VmHWM line`);
  return Number(match[1]) * 1024;
}

/** Sets the peak back to what the process holds now (Linux: "5" into /proc/<pid>/clear_refs). */
export function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

/** The machine's load averages (1, 5, 15 minutes) as /proc/loadavg gives them. */
export function loadAverage(): string {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}
