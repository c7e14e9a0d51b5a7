import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeInto, type Instruction } from "../../../src/hw/mailbox/mtk-gce-isa.js";
import {
  SOC_NAMES,
  assemble,
  decodeAll,
  disassemble,
  fromU64,
  lineRecord,
  type SocName,
} from "../../../src/tools/cmdq/index.js";

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const LOGIC_OPERATORS = [0, 1, 2, 3, 8, 9, 10, 11, 12, 13] as const; // enum cmdq_logic_op (spec §1.4)

/** Any instruction the spec defines, with every field anywhere in its range. */
const instruction: fc.Arbitrary<Instruction> = fc.oneof(
  fc.record({ kind: fc.constant("mask" as const), mask: u32 }),
  fc.record({ kind: fc.constant("move" as const), gpr: fc.integer({ min: 0, max: 15 }), value: u32 }),
  fc.record({
    kind: fc.constantFrom("write" as const, "poll" as const),
    subsys: fc.integer({ min: 0, max: 127 }),
    offset: fc.integer({ min: 0, max: 0x7fff }).map((o) => o * 2),
    value: u32,
    masked: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("pollGpr" as const), gpr: fc.integer({ min: 0, max: 15 }), value: u32, masked: fc.boolean() }),
  fc.record({ kind: fc.constant("jump" as const), absolute: fc.boolean(), value: u32 }),
  fc.record({
    kind: fc.constant("wfe" as const),
    event: fc.integer({ min: 0, max: 1023 }),
    wait: fc.boolean(),
    waitValue: fc.integer({ min: 0, max: 0xfff }),
    update: fc.boolean(),
    updateValue: fc.integer({ min: 0, max: 0xfff }),
  }),
  fc.record({ kind: fc.constant("eoc" as const), irq: fc.boolean() }),
  fc.record({ kind: fc.constant("readS" as const), dst: u16, addrHigh: fc.integer({ min: 0, max: 31 }), addrLow: u16 }),
  fc.boolean().chain((srcIsReg) =>
    fc.record({
      kind: fc.constant("writeS" as const),
      masked: fc.boolean(),
      addrHigh: fc.integer({ min: 0, max: 31 }),
      addrLow: u16,
      srcIsReg: fc.constant(srcIsReg),
      src: srcIsReg ? u16 : u32,
    }),
  ),
  fc.record({
    kind: fc.constant("logic" as const),
    operator: fc.constantFrom(...LOGIC_OPERATORS),
    dst: u16,
    leftIsReg: fc.boolean(),
    left: u16,
    rightIsReg: fc.boolean(),
    right: u16,
  }),
);

function encodeAll(program: readonly Instruction[]): Uint32Array {
  const words = new Uint32Array(program.length * 2);
  program.forEach((inst, i) => encodeInto(words, i, inst));
  return words;
}

const soc = fc.constantFrom(...SOC_NAMES);

describe("round trips", () => {
  it("assembles the disassembly of a random valid program to the same words, on every SoC", () => {
    fc.assert(
      fc.property(fc.array(instruction, { maxLength: 40 }), soc, (program, socName) => {
        const words = encodeAll(program);
        const d = disassemble(words, { soc: socName });
        expect(d.warnings).toEqual([]);
        expect(assemble(d.text, { soc: socName })).toEqual(words);
      }),
      { numRuns: 2_000 },
    );
  });

  it("disassembles canonical assembly back to the same text", () => {
    fc.assert(
      fc.property(fc.array(instruction, { maxLength: 40 }), soc, (program, socName) => {
        const text = disassemble(encodeAll(program), { soc: socName }).text;
        expect(disassemble(assemble(text, { soc: socName }), { soc: socName }).text).toBe(text);
      }),
      { numRuns: 1_000 },
    );
  });

  it("keeps words of any value, known or not", () => {
    fc.assert(
      fc.property(fc.array(u32, { maxLength: 64 }).filter((a) => a.length % 2 === 0), soc, (halves, socName) => {
        const words = Uint32Array.from(halves);
        expect(assemble(disassemble(words, { soc: socName }).text, { soc: socName })).toEqual(words);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("disassembly", () => {
  // spec §5.1: DRM's frame update on mt8173
  const frame = fromU64([
    0x20000035_80000000n, // clear_event MUTEX0_STREAM_EOF (53)
    0x20000035_00008001n, // wfe(ev, clear=false)
    0x0401c040_00000001n, // write subsys 1 + 0xc040
    0x40000000_00000001n, // EOC
    0x10000000_00000008n, // JUMP +8
  ]);

  it("prints one indented line per instruction", () => {
    expect(disassemble(frame).text).toBe(
      [
        "  clear_event MUTEX0_STREAM_EOF",
        "  wait_no_clear MUTEX0_STREAM_EOF",
        "  write DISP_OVL0 + 0x040, 0x00000001",
        "  eoc",
        "  jump +8",
        "",
      ].join("\n"),
    );
  });

  it("names events and addresses from the chosen SoC", () => {
    const text = disassemble(frame, { soc: "mt8183" }).text;
    // mt8183: 53 has no name; subsys 1 is 0x1400xxxx with no client window at 0xc000
    expect(text).toContain("clear_event 53\n");
    expect(text).toContain("write SUBSYS_1400XXXX + 0xc040, 0x00000001\n");
    expect(disassemble(frame, { soc: "mt8195" }).text).toContain("write SUBSYS_1401XXXX + 0xc040");
  });

  it("labels the targets of relative jumps inside the buffer", () => {
    const words = fromU64([0x20000035_80008001n, 0x10000000_fffffff8n, 0x10000000_00000000n]);
    expect(disassemble(words).text).toBe("L0000:\n  wfe MUTEX0_STREAM_EOF\n  jump L0000\nL0010:\n  jump L0010\n");
  });

  it("prints jumps that leave the buffer or land between instructions as displacements", () => {
    const words = fromU64([0x10000000_00000004n, 0x10000000_ffffff00n, 0x10000000_00000100n]);
    expect(disassemble(words).text).toBe("  jump +4\n  jump -256\n  jump +256\n");
  });

  it("prints unknown words as .inst with a warning, one line per word", () => {
    const words = fromU64([0x05000000_00000000n, 0x40000000_00000001n, 0x20000400_80008001n]);
    const d = disassemble(words);
    expect(d.text).toBe("  .inst 0x05000000_00000000\n  eoc\n  .inst 0x20000400_80008001\n");
    expect(d.warnings.map((w) => [w.index, w.offset])).toEqual([
      [0, 0],
      [2, 16],
    ]);
    expect(d.warnings[1]!.message).toContain("WFE event outside 0..1023");
  });

  it("appends offsets and words as comments with words: true, and still assembles back", () => {
    const d = disassemble(frame, { words: true });
    expect(d.text.split("\n")[2]).toBe("  write DISP_OVL0 + 0x040, 0x00000001  ; 0x0010: 0x0401c040_00000001");
    expect(assemble(d.text)).toEqual(frame);
  });

  it("returns an empty text for an empty buffer", () => {
    expect(disassemble(new Uint32Array(0))).toEqual({ text: "", lines: [], warnings: [] });
  });

  it("rejects a buffer that is not whole (lo, hi) pairs", () => {
    expect(() => disassemble(new Uint32Array(3))).toThrow(RangeError);
  });
});

describe("JSON records", () => {
  it("carry every decoded field and the SoC's names", () => {
    const d = disassemble(fromU64([0x0401c041_00000001n, 0x20000035_80008001n, 0x10000000_fffffff0n]));
    expect(lineRecord(d.lines[0]!)).toEqual({
      index: 0,
      byteOffset: 0,
      word: "0x0401c041_00000001",
      op: "WRITE",
      opcode: 4,
      kind: "write",
      subsys: 1,
      offset: 0xc040,
      value: 1,
      masked: true,
      address: "0x1400c040",
      region: "DISP_OVL0",
      label: "L0000",
      text: "write DISP_OVL0 + 0x040, 0x00000001, masked",
    });
    expect(lineRecord(d.lines[1]!)).toMatchObject({
      op: "WFE",
      event: 53,
      wait: true,
      waitValue: 1,
      update: true,
      updateValue: 0,
      flags: "0x80008001",
      form: "wfe",
      eventName: "MUTEX0_STREAM_EOF",
      producer: true,
    });
    expect(lineRecord(d.lines[2]!)).toMatchObject({ op: "JUMP", absolute: false, displacement: -16, target: 0, text: "jump L0000" });
  });

  it("are plain JSON for unknown words too", () => {
    const d = disassemble(fromU64([0x05000000_00000000n]));
    expect(JSON.parse(JSON.stringify(lineRecord(d.lines[0]!)))).toMatchObject({ op: null, opcode: 5, kind: "unknown", reason: "unknown opcode" });
  });
});

describe("decodeAll", () => {
  it("gives one fresh object per instruction", () => {
    const insts = decodeAll(fromU64([0x40000000_00000001n, 0x40000000_00000001n]));
    expect(insts).toEqual([
      { kind: "eoc", irq: true },
      { kind: "eoc", irq: true },
    ]);
    expect(insts[0]).not.toBe(insts[1]);
  });

  it.each(SOC_NAMES)("is SoC-independent (%s only changes names)", (name: SocName) => {
    const words = fromU64([0x20000035_80008001n]);
    expect(disassemble(words, { soc: name }).lines[0]!.instruction).toEqual(decodeAll(words)[0]);
  });
});
