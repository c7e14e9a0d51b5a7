import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Prng } from "../../src/sim/prng.js";

const referenceSource = new URL("../support/xoshiro128ss.c", import.meta.url).pathname;

function hasCc(): boolean {
  try {
    execFileSync("cc", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("Prng (xoshiro128** seeded by SplitMix64)", () => {
  it("starts with the outputs of the reference C for seeds 0, 42 and 2^64-1", () => {
    // Printed by test/support/xoshiro128ss.c, the authors' reference algorithm.
    const take = (p: Prng, n: number) => Array.from({ length: n }, () => p.nextU32());
    expect(take(new Prng(0), 4)).toEqual([3737715805, 2584255861, 2876756834, 3286328325]);
    expect(take(new Prng(42), 3)).toEqual([1776835114, 4165204688, 17111135]);
    expect(take(new Prng(0xffff_ffff_ffff_ffffn), 2)).toEqual([477689756, 2493998634]);
  });

  it.skipIf(!hasCc())("matches the reference C over 10 000 outputs for several seeds", () => {
    const exe = join(mkdtempSync(join(tmpdir(), "vplat-prng-")), "xo");
    execFileSync("cc", ["-O2", "-o", exe, referenceSource]);
    for (const seed of [1n, 123456789n, 0xdead_beef_cafe_f00dn]) {
      const expected = execFileSync(exe, [`0x${seed.toString(16)}`, "10000"], { encoding: "utf8" }).trim().split("\n").map(Number);
      const p = new Prng(seed);
      const actual = expected.map(() => p.nextU32());
      expect(actual).toEqual(expected);
    }
  });

  it("keeps int() inside its inclusive bounds", () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: -1e6, max: 1e6 }), fc.nat({ max: 0xffff_ffff }), (seed, min, span) => {
        const p = new Prng(seed);
        for (let i = 0; i < 20; i++) {
          const x = p.int(min, min + span);
          if (x < min || x > min + span || !Number.isInteger(x)) return false;
        }
        return true;
      }),
    );
  });

  it("gives floats in [0, 1) and a roughly uniform die", () => {
    const p = new Prng(7);
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 60_000; i++) {
      const f = p.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
      counts[p.int(0, 5)]!++;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it("rejects seeds and ranges it cannot honour", () => {
    expect(() => new Prng(-1)).toThrow(RangeError);
    expect(() => new Prng(1.5)).toThrow(RangeError);
    expect(() => new Prng(7).int(5, 4)).toThrow(/int\(5, 4\)/);
    expect(() => new Prng(7).int(0, 2 ** 33)).toThrow(RangeError);
  });

  it("forks generators that differ from the parent and from each other, deterministically", () => {
    const a = new Prng(9);
    const f1 = a.fork();
    const f2 = a.fork();
    const b = new Prng(9);
    const g1 = b.fork();
    expect(f1.nextU32()).toBe(g1.nextU32());
    expect(f1.nextU32()).not.toBe(f2.nextU32());
  });
});
