import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createDecodeScratch,
  decode,
  decodeInto,
  encode,
  encodeInto,
  jumpAddress,
  jumpDisplacement,
  opName,
  wfeFlags,
  wfeFromFlags,
  type Instruction,
} from "../../../src/hw/mailbox/mtk-gce-isa.js";

// Encodings redeclared from the spec (cmdq-gce.md §1) and seed 000, not imported from the model.
const OP = { MASK: 0x02, WRITE: 0x04, POLL: 0x08, JUMP: 0x10, WFE: 0x20, EOC: 0x40, READ_S: 0x80, WRITE_S: 0x90, WRITE_S_MASK: 0x91, LOGIC: 0xa0 };
const DST_T = 0x0080_0000; // bit 55
const SRC_T = 0x0040_0000; // bit 54
const ARG_C_T = 0x0020_0000; // bit 53

/** The seed's `(u64)((code << CMDQ_OP_CODE_SHIFT) | arg_a) << 32 | arg_b`, as (lo, hi). */
function seedWord(code: number, argA: number, argB: number): { lo: number; hi: number } {
  return { lo: argB >>> 0, hi: ((code << 24) | argA) >>> 0 };
}

describe("GCE instruction encoding (spec §1, seed 000)", () => {
  it("encodes the seed's cmdq_pkt_write of V at offset O of a client in 0x1401xxxx", () => {
    // ((0x04 << 24 | 2 << 16 | (base + O) & 0xffff) << 32) | V with base 0x14011000, O 0x24
    const base = 0x1401_1000;
    const o = 0x24;
    const v = 0xcafe_f00d;
    const expected = seedWord(OP.WRITE, (2 << 16) | ((base + o) & 0xffff), v);
    expect(encode({ kind: "write", subsys: 2, offset: 0x1024, value: v, masked: false })).toEqual(expected);
    expect(decode(expected.lo, expected.hi)).toEqual({ kind: "write", subsys: 2, offset: 0x1024, value: v, masked: false });
  });

  it("encodes the seed's write_mask as MASK(~mask) then WRITE with offset bit 0 set", () => {
    expect(encode({ kind: "mask", mask: 0x0000_00f0 })).toEqual(seedWord(OP.MASK, 0, ~0xf0));
    expect(encode({ kind: "write", subsys: 1, offset: 0xc040, value: 0x30, masked: true })).toEqual(
      seedWord(OP.WRITE, (1 << 16) | 0xc040 | 1, 0x30),
    );
  });

  it("encodes the seed's wfe as 0x80008001 and clear_event as 0x80000000 on the event id", () => {
    expect(encode(wfeFromFlags(53, 0x8000_8001))).toEqual(seedWord(OP.WFE, 53, 0x8000_8001));
    expect(encode(wfeFromFlags(53, 0x8000_0000))).toEqual(seedWord(OP.WFE, 53, 0x8000_0000));
  });

  it("encodes the seed's finalize as EOC 0x40000000_00000001 then JUMP 0x10000000_00000008", () => {
    expect(encode({ kind: "eoc", irq: true })).toEqual({ lo: 0x0000_0001, hi: 0x4000_0000 });
    expect(encode({ kind: "jump", absolute: false, value: 8 })).toEqual({ lo: 0x0000_0008, hi: 0x1000_0000 });
  });

  it("encodes the controller's chaining jump with CMDQ_JUMP_BY_PA = 0x10000001 in the high half", () => {
    expect(encode({ kind: "jump", absolute: true, value: 0x4000_1000 })).toEqual({ lo: 0x4000_1000, hi: 0x1000_0001 });
  });

  it("decodes the composite WFE flag words of §1.3 into their wait and update fields", () => {
    const forms: [flags: number, wait: boolean, waitValue: number, update: boolean, updateValue: number][] = [
      [0x8000_8001, true, 1, true, 0], // wfe(ev, clear=true)
      [0x0000_8001, true, 1, false, 0], // wfe(ev, clear=false)
      [0x8000_0000, false, 0, true, 0], // clear_event
      [0x8001_0000, false, 0, true, 1], // set_event
      [0x8001_8000, true, 0, true, 1], // acquire_event: wait ev == 0, then ev := 1
    ];
    for (const [flags, wait, waitValue, update, updateValue] of forms) {
      const inst = decode(flags, (OP.WFE << 24) | 0x35);
      expect(inst).toEqual({ kind: "wfe", event: 0x35, wait, waitValue, update, updateValue });
      expect(wfeFlags(inst as Extract<Instruction, { kind: "wfe" }>)).toBe(flags);
    }
  });

  it("encodes cmdq_pkt_poll_addr's MOVE to GPR15 and POLL by register with dst_t and sop = 15", () => {
    expect(encode({ kind: "move", gpr: 15, value: 0x1400_c000 })).toEqual(seedWord(OP.MASK, DST_T | (15 << 16), 0x1400_c000));
    expect(encode({ kind: "pollGpr", gpr: 15, value: 1, masked: true })).toEqual(seedWord(OP.POLL, DST_T | (15 << 16) | 1, 1));
  });

  it("encodes READ_S, WRITE_S and WRITE_S_MASK with sop as the high-address register", () => {
    // read_s(hi_reg = SPR0, addr_low = 0x1102, dst = SPR1): dst_t, sop 0, reg_dst 1, src_reg = addr_low
    expect(encode({ kind: "readS", dst: 1, addrHigh: 0, addrLow: 0x1102 })).toEqual(seedWord(OP.READ_S, DST_T | 1, 0x1102 << 16));
    // write_s(hi_reg = SPR2, addr_low = 0x0010, src = SPR3): src_t, sop 2, offset, src_reg
    expect(encode({ kind: "writeS", masked: false, addrHigh: 2, addrLow: 0x10, srcIsReg: true, src: 3 })).toEqual(
      seedWord(OP.WRITE_S, SRC_T | (2 << 16) | 0x10, 3 << 16),
    );
    expect(encode({ kind: "writeS", masked: true, addrHigh: 2, addrLow: 0x10, srcIsReg: false, src: 0xffff_0000 })).toEqual(
      seedWord(OP.WRITE_S_MASK, (2 << 16) | 0x10, 0xffff_0000),
    );
  });

  it("encodes LOGIC with the operator in sop and operand types in src_t / arg_c_t", () => {
    // RIGHT_SHIFT = 13: dst SPR3 := SPR1 >> 4
    const inst: Instruction = { kind: "logic", operator: 13, dst: 3, leftIsReg: true, left: 1, rightIsReg: false, right: 4 };
    expect(encode(inst)).toEqual(seedWord(OP.LOGIC, DST_T | SRC_T | (13 << 16) | 3, (1 << 16) | 4));
    // cmdq_pkt_assign(SPR0, 0x14001000): ASSIGN = 0, both operands immediate = the 32-bit value
    expect(decode(0x1400_1000, ((OP.LOGIC << 24) | DST_T) >>> 0)).toEqual({
      kind: "logic",
      operator: 0,
      dst: 0,
      leftIsReg: false,
      left: 0x1400,
      rightIsReg: false,
      right: 0x1000,
    });
    expect(decode(3, ((OP.LOGIC << 24) | DST_T | ARG_C_T | (11 << 16)) >>> 0)).toMatchObject({ operator: 11, rightIsReg: true, right: 3 });
  });

  it("names the op of every decoded form after the spec", () => {
    expect(opName(decode(0, (OP.WRITE_S_MASK << 24) >>> 0))).toBe("WRITE_S_MASK");
    expect(opName(decode(0, ((OP.MASK << 24) | DST_T) >>> 0))).toBe("MASK");
    expect(opName(decode(0, 0x0500_0000))).toBeUndefined();
  });
});

describe("strict decoding", () => {
  const unknowns: [what: string, lo: number, hi: number][] = [
    ["an opcode the spec does not list (vendor READ 0x01)", 0, 0x0100_0000],
    ["a conditional jump (vendor 0xb0)", 0, 0xb000_0000],
    ["MASK with a subsys", 0, 0x0201_0000],
    ["MASK by register with an offset", 0, ((OP.MASK << 24) | DST_T | 4) >>> 0],
    ["MOVE to a GPR index past R15", 0, ((OP.MASK << 24) | DST_T | (16 << 16)) >>> 0],
    ["POLL by register with src_t", 0, ((OP.POLL << 24) | DST_T | SRC_T) >>> 0],
    ["JUMP with a bit besides the mode", 8, 0x1000_0100],
    ["WFE on event 1024", 0x8000_8001, 0x2000_0400],
    ["WFE with a reserved flag bit 30", 0xc000_8001, 0x2000_0035],
    ["EOC with a flag besides IRQ_EN", 0x3, 0x4000_0000],
    ["READ_S without dst_t", 0, 0x8000_0001],
    ["READ_S with arg_c set", 1, ((OP.READ_S << 24) | DST_T) >>> 0],
    ["WRITE_S with dst_t", 0, ((OP.WRITE_S << 24) | DST_T) >>> 0],
    ["LOGIC without dst_t", 0, 0xa001_0000],
    ["LOGIC with operator 4 (a gap in enum cmdq_logic_op)", 0, ((OP.LOGIC << 24) | DST_T | (4 << 16)) >>> 0],
    ["LOGIC with operator 14 (CMDQ_LOGIC_MAX)", 0, ((OP.LOGIC << 24) | DST_T | (14 << 16)) >>> 0],
  ];

  it.each(unknowns)("decodes %s as unknown, keeping the word", (_, lo, hi) => {
    const inst = decode(lo, hi);
    expect(inst.kind).toBe("unknown");
    expect(encode(inst)).toEqual({ lo: lo >>> 0, hi: hi >>> 0 });
  });

  it("never throws and re-encodes every known word bit for bit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), fc.integer({ min: 0, max: 0xffff_ffff }), (lo, hi) => {
        expect(encode(decode(lo, hi))).toEqual({ lo, hi });
      }),
      { numRuns: 20_000 },
    );
  });

  it("re-encodes known opcodes with random fields bit for bit", () => {
    const known = fc.constantFrom(...Object.values(OP));
    fc.assert(
      fc.property(known, fc.integer({ min: 0, max: 0xff_ffff }), fc.integer({ min: 0, max: 0xffff_ffff }), (op, argA, lo) => {
        const hi = ((op << 24) | argA) >>> 0;
        expect(encode(decode(lo, hi))).toEqual({ lo, hi });
      }),
      { numRuns: 20_000 },
    );
  });

  it("fills the scratch object of the decoded kind, without allocating a new one", () => {
    const scratch = createDecodeScratch();
    const a = decodeInto(scratch, 1, 0x4000_0000);
    const b = decodeInto(scratch, 0, 0x4000_0000);
    expect(a).toBe(b);
    expect(b).toEqual({ kind: "eoc", irq: false });
    expect(decodeInto(scratch, 8, 0x1000_0000)).toBe(scratch.jump);
  });

  it("gives decode() a fresh object each time", () => {
    const a = decode(1, 0x4000_0000);
    const b = decode(1, 0x4000_0000);
    expect(a).not.toBe(b);
    expect(a).toEqual(b);
  });
});

describe("encoding checks", () => {
  it("rejects fields that do not fit, as a caller bug", () => {
    expect(() => encode({ kind: "write", subsys: 256, offset: 0, value: 0, masked: false })).toThrow(RangeError);
    expect(() => encode({ kind: "poll", subsys: 128, offset: 0, value: 0, masked: false })).toThrow(RangeError);
    expect(() => encode({ kind: "write", subsys: 1, offset: 0x11, value: 0, masked: false })).toThrow(/bit 0/);
    expect(() => encode({ kind: "mask", mask: 2 ** 32 })).toThrow(RangeError);
    expect(() => encode(wfeFromFlags(1024, 0))).toThrow(RangeError);
    expect(() => encode({ kind: "readS", dst: 0, addrHigh: 32, addrLow: 0 })).toThrow(RangeError);
    expect(() => encode({ kind: "move", gpr: 16, value: 0 })).toThrow(RangeError);
  });

  it("writes (lo, hi) pairs in memory order into a buffer", () => {
    const words = new Uint32Array(4);
    encodeInto(words, 1, { kind: "eoc", irq: true });
    expect([...words]).toEqual([0, 0, 1, 0x4000_0000]);
  });
});

describe("jump targets and shift_pa (spec §1.5)", () => {
  it("reads a relative jump field as a signed byte offset, scaled by 2^shift_pa", () => {
    expect(jumpDisplacement(8, 0)).toBe(8);
    expect(jumpDisplacement(0xffff_fff8, 0)).toBe(-8);
    expect(jumpDisplacement(1, 3)).toBe(8); // 5.8+ finalize on shift-3 SoCs: CMDQ_JUMP_PASS >> 3
    expect(jumpDisplacement(0xffff_fffe, 3)).toBe(-16);
  });

  it("reads an absolute jump field as pa >> shift_pa, up to 35-bit addresses", () => {
    expect(jumpAddress(0x4000_1000, 0)).toBe(0x4000_1000);
    expect(jumpAddress(0xffff_ffff, 3)).toBe(0x7_ffff_fff8);
  });
});
