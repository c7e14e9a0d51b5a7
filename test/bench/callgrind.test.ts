import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { instructionsByFunction } from "../../bench/callgrind.js";

let dir: string | undefined;

afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function files(profile: string, codeMap: string): [string, string] {
  dir = mkdtempSync(join(tmpdir(), "callgrind-test-"));
  const p = join(dir, "callgrind.out");
  const m = join(dir, "perf.map");
  writeFileSync(p, profile);
  writeFileSync(m, codeMap);
  return [p, m];
}

describe("instructions by function from callgrind and V8's code map", () => {
  it("names generated code by the map, native code by its symbol, and skips the inclusive cost of calls", () => {
    // valgrind docs/cl-format: `positions: instr line`; `+n`/`-n` relative to the last address,
    // `*` the same; a `fn=(id) name` names id once, later `fn=(id)` or `cfn=(id)` refer to it.
    const [profile, codeMap] = files(
      [
        "positions: instr line",
        "events: Ir",
        "fn=(1) 0x0000000000001000",
        "0x1000 0 3",
        "+4 0 2",
        "cfn=(2) memcpy",
        "calls=1 0x9000 0",
        "* 0 500",
        "+2 0 1",
        "0x2000 0 7",
        "-8 0 5",
        "fn=(2)",
        "0x9000 0 40",
        "",
      ].join("\n"),
      ["1000 10 JS:*read file:///x/dist-bench/src/sim/bus.js:124:9", "1ff0 10 JS:^read file:///x/dist-bench/src/sim/bus.js:124:9", "2000 4 Builtin:KeyedLoadIC", ""].join("\n"),
    );
    const out = instructionsByFunction(profile, codeMap);
    // 0x1000 (3), 0x1004 (2), 0x1006 (1): the optimized read; 0x1ff8 (5): its baseline tier, the same row.
    expect(out.get("JS:read file:///x/dist-bench/src/sim/bus.js:124:9")).toBe(11);
    expect(out.get("Builtin:KeyedLoadIC")).toBe(7);
    expect(out.get("[native] memcpy")).toBe(40);
    expect([...out.values()].reduce((a, b) => a + b, 0)).toBe(58);
  });

  it("reports a missing file as the error of reading it", () => {
    expect(() => instructionsByFunction("/nonexistent/callgrind.out", "/nonexistent/perf.map")).toThrow(/ENOENT/);
  });
});
