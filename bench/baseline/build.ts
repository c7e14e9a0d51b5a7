import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** bench/baseline/ in the source tree (the compiled bench runs from dist-bench/). */
export const BASELINE_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../../bench/baseline");

/**
 * Compiles a C baseline with the machine's `cc -O2` into bench/baseline/build/ and returns the
 * executable's path, or undefined (with the reason) when there is no compiler.
 */
export function buildBaseline(source: string): { exe: string } | { missing: string } {
  const out = join(BASELINE_DIR, "build");
  mkdirSync(out, { recursive: true });
  const exe = join(out, source.replace(/\.c$/, ""));
  try {
    execFileSync("cc", ["-O2", "-o", exe, join(BASELINE_DIR, source)], { stdio: "pipe" });
    return { exe };
  } catch (err) {
    return { missing: `no C baseline: cc failed (${err instanceof Error ? err.message.split("\n")[0] : String(err)})` };
  }
}

/** Runs a baseline that prints "work seconds ..." and returns work per second. */
export function runBaseline(exe: string, args: readonly string[]): number {
  const [work, seconds] = execFileSync(exe, args, { encoding: "utf8" }).trim().split(/\s+/).map(Number);
  return work! / seconds!;
}
