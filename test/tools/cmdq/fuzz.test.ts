import { describe, expect, it } from "vitest";
import { SOC_NAMES, assemble, disassemble, type SocName } from "../../../src/tools/cmdq/index.js";

/** mulberry32: a tiny seeded PRNG, so every run fuzzes the same buffers. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

// The opcodes of spec §1.2: 7 of 8 fuzzed words use one, so strict decoding is exercised on the
// edges of every op (random flag and reserved bits), not only on unknown opcodes.
const OPCODES = [0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x90, 0x91, 0xa0];

function randomBuffer(next: () => number): Uint32Array {
  const n = 1 + (next() % 16);
  const words = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const r = next();
    // Mostly-zero fields (each bit set with probability 1/32) in 3 of 4 words, so that WFE,
    // EOC, JUMP and MASK words often decode; fully random fields in the rest. dst_t (bit 23)
    // is a coin toss: READ_S and LOGIC need it, WRITE_S must not have it.
    const sparse = (r & 3) !== 0;
    const lo = sparse ? next() & next() & next() & next() & next() : next();
    const dstT = r & 0x80_0000;
    const argA = ((sparse ? next() & next() & next() & next() & next() : next()) & 0x7f_ffff) | dstT;
    const op = (r & 0x1c) !== 0 ? OPCODES[(r >>> 8) % OPCODES.length]! : r >>> 24;
    words[2 * i] = lo;
    words[2 * i + 1] = ((op << 24) | argA) >>> 0;
  }
  return words;
}

/** What is wrong with one buffer's disassembly, or undefined. Plain checks: 100 000 expect() calls would dominate. */
function problem(buffer: Uint32Array, soc: SocName, kinds: Map<string, number>): string | undefined {
  const d = disassemble(buffer, { soc });
  for (const l of d.lines) kinds.set(l.instruction.kind, (kinds.get(l.instruction.kind) ?? 0) + 1);
  const n = buffer.length / 2;
  if (d.lines.length !== n) return `${d.lines.length} lines for ${n} words`;
  for (let i = 0; i < n; i++) {
    const l = d.lines[i]!;
    if (l.index !== i || l.lo !== buffer[2 * i] || l.hi !== buffer[2 * i + 1]) return `line ${i} is not word ${i}`;
  }
  const labels = d.lines.filter((l) => l.label !== undefined).length;
  if (d.text.split("\n").length - 1 !== n + labels) return "the text has lines besides instructions and labels";
  const unknown = d.lines.filter((l) => l.instruction.kind === "unknown").length;
  if (d.warnings.length !== unknown) return `${d.warnings.length} warnings for ${unknown} unknown words`;
  const back = assemble(d.text, { soc });
  if (back.length !== buffer.length || back.some((w, i) => w !== buffer[i])) return `does not assemble back:\n${d.text}`;
  return undefined;
}

describe("disassembler fuzzing", () => {
  it("accounts for every word of 100 000 random buffers, without an exception, and assembles them back", () => {
    const next = mulberry32(0x6ce);
    const kinds = new Map<string, number>();
    let words = 0;
    for (let b = 0; b < 100_000; b++) {
      const buffer = randomBuffer(next);
      const found = problem(buffer, SOC_NAMES[b % SOC_NAMES.length]!, kinds);
      if (found !== undefined) expect.fail(`buffer ${b}: ${found}`);
      words += buffer.length / 2;
    }
    // The mix covers both sides of strict decoding, and every kind of instruction.
    expect(words).toBeGreaterThan(800_000);
    const unknown = kinds.get("unknown") ?? 0;
    expect(unknown / words).toBeGreaterThan(0.3);
    expect(unknown / words).toBeLessThan(0.7);
    const all = ["mask", "move", "write", "poll", "pollGpr", "jump", "wfe", "eoc", "readS", "writeS", "logic"];
    for (const kind of all) expect(kinds.get(kind) ?? 0, kind).toBeGreaterThan(1_000);
  });
});
