import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  RegDeclarationError,
  RegisterMap,
  bank,
  deposit32,
  deposit64,
  extract32,
  extract64,
  reg32,
  reg64,
  ro,
  rsvd,
  rw,
  unimp,
  w1c,
  wo,
  type Access,
} from "../../src/sim/regs.js";

// A register shaped like the HPET's Tn_CONF_CAP low half plus a W1C status nibble and a write-only strobe.
const CONF = reg32("CONF", 0x100, {
  INT_TYPE: rw(1),
  INT_ENB: rw(2),
  TYPE: rw(3),
  PER_INT_CAP: ro(4, 1, 1),
  SIZE_CAP: ro(5, 1, 1),
  VAL_SET: wo(6),
  MODE32: rw(8),
  INT_ROUTE: rw(9, 5),
  STATUS: w1c(16, 4),
  FSB: unimp(20, 2),
  RES: rsvd(24, 8),
});

/** Per-bit reference semantics, independent of the masks. */
function refWrite(access: Access | undefined, oldBit: number, newBit: number): number {
  switch (access) {
    case "rw":
    case "wo":
      return newBit;
    case "w1c":
      return newBit ? 0 : oldBit;
    default:
      return oldBit;
  }
}

function accessOfBit(bit: number): Access | undefined {
  for (const f of Object.values(CONF.f)) if (bit >= f.lsb && bit < f.lsb + f.width) return f.access;
  return undefined;
}

describe("register declarations", () => {
  it("computes the reset value from the fields", () => {
    expect(CONF.reset).toBe(0x30);
  });

  it("applies the write algebra bit by bit: RW taken, RO kept, W1C cleared by ones, reserved kept", () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffff_ffff }), fc.nat({ max: 0xffff_ffff }), (old, value) => {
        const got = CONF.applyWrite(old, value);
        for (let bit = 0; bit < 32; bit++) {
          const expected = refWrite(accessOfBit(bit), (old >>> bit) & 1, (value >>> bit) & 1);
          if (((got >>> bit) & 1) !== expected) return false;
        }
        return got >= 0;
      }),
    );
  });

  it("reads write-only bits as zero and reports writes to reserved and unimplemented bits", () => {
    expect(CONF.read(0xffff_ffff)).toBe(0xffff_ffbf);
    expect(CONF.reservedBits(0x0100_0081)).toBe(0x0100_0081 & 0xff00_0081);
    expect(CONF.unimpBits(0x0030_0000)).toBe(0x0030_0000);
    expect(CONF.reservedBits(0x0000_0006)).toBe(0);
  });

  it("gets and sets fields like FIELD_EX32/FIELD_DP32 and refuses values that do not fit", () => {
    const { INT_ROUTE, MODE32 } = CONF.f;
    const v = INT_ROUTE.set(MODE32.set(0, 1), 23);
    expect(v).toBe((23 << 9) | (1 << 8));
    expect(INT_ROUTE.get(v)).toBe(23);
    expect(() => INT_ROUTE.set(0, 32)).toThrow(/does not fit 5 bits/);
  });

  it("handles 64-bit registers with bigint fields across the 32-bit boundary", () => {
    const CAP = reg64("GCAP_ID", 0, { REV_ID: ro(0, 8, 1), NUM_TIM_CAP: ro(8, 5, 2), PERIOD: ro(32, 32, 0x0429_b17f) });
    expect(CAP.reset).toBe(0x0429_b17f_0000_0201n);
    expect(CAP.f.PERIOD.get(CAP.reset)).toBe(69_841_279n);
    expect(CAP.applyWrite(CAP.reset, 0xffff_ffff_ffff_ffffn)).toBe(CAP.reset);
    const CMP = reg64("CMP", 8, { VALUE: rw(0, 64) });
    expect(CMP.applyWrite(0n, 0xffff_ffff_0000_0001n)).toBe(0xffff_ffff_0000_0001n);
    expect(CMP.f.VALUE.set(0n, 2n ** 64n - 1n)).toBe(2n ** 64n - 1n);
  });

  it("rejects overlapping, oversized and badly reset fields when declared", () => {
    expect(() => reg32("X", 0, { A: rw(0, 4), B: rw(3) })).toThrow(RegDeclarationError);
    expect(() => reg32("X", 0, { A: rw(30, 4) })).toThrow(/do not fit a 32-bit register/);
    expect(() => reg32("X", 0, { A: rw(0, 2, 4) })).toThrow(/reset value 4 does not fit 2 bits/);
    expect(() => reg64("X", 0, { A: rw(60, 5) })).toThrow(/64-bit/);
  });
});

describe("register maps", () => {
  const GEN = reg64("GEN_CONF", 0x10, { ENABLE_CNF: rw(0) });
  const timers = bank("timer", 0x100, 0x20, 3, {
    CONF: reg64("Tn_CONF", 0x0, { INT_ENB: rw(2) }),
    CMP: reg64("Tn_CMP", 0x8, { VALUE: rw(0, 64) }),
  });
  const map = new RegisterMap(0x400, [GEN], [timers]);

  it("decodes every byte of every register, and holes to undefined", () => {
    expect(map.decode(0x10)).toMatchObject({ reg: GEN, instance: -1, byte: 0 });
    expect(map.decode(0x14)).toMatchObject({ reg: GEN, instance: -1, byte: 4 });
    expect(map.decode(0x148)).toMatchObject({ reg: timers.regs.CMP, instance: 2, byte: 0 });
    expect(map.decode(0x12c)).toMatchObject({ reg: timers.regs.CMP, instance: 1, byte: 4 });
    expect(map.decode(0x18)).toBeUndefined();
    expect(map.decode(0x110)).toBeUndefined();
    expect(map.decode(0x1000)).toBeUndefined();
    expect(timers.offsetOf(timers.regs.CMP, 2)).toBe(0x148);
    expect(() => timers.offsetOf(timers.regs.CMP, 3)).toThrow(/no instance 3/);
  });

  it("rejects registers that overlap or leave the block", () => {
    expect(() => new RegisterMap(0x20, [GEN, reg32("X", 0x14, {})])).toThrow(/overlaps/);
    expect(() => new RegisterMap(0x14, [GEN])).toThrow(/outside/);
    expect(() => bank("b", 0, 8, 2, { X: reg64("X", 4, {}) })).toThrow(/overflows the stride/);
  });
});

describe("narrow accesses to wide registers", () => {
  it("extracts and deposits bytes like a little-endian memory would", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constantFrom<1 | 2 | 4>(1, 2, 4), fc.nat(7), fc.nat({ max: 0xffff_ffff }), (v, size, b, x) => {
        const byte = b - (b % size) > 8 - size ? 8 - size : b - (b % size);
        const bytes = new DataView(new ArrayBuffer(8));
        bytes.setBigUint64(0, v, true);
        const expected = size === 1 ? bytes.getUint8(byte) : size === 2 ? bytes.getUint16(byte, true) : bytes.getUint32(byte, true);
        if (extract64(v, byte, size) !== expected) return false;
        const masked = x % 2 ** (8 * size);
        if (size === 1) bytes.setUint8(byte, masked);
        else if (size === 2) bytes.setUint16(byte, masked, true);
        else bytes.setUint32(byte, masked, true);
        return deposit64(v, byte, size, x) === bytes.getBigUint64(0, true);
      }),
    );
    expect(extract32(0x1122_3344, 2, 2)).toBe(0x1122);
    expect(extract32(0x8122_3344, 0, 4)).toBe(0x8122_3344);
    expect(deposit32(0x1122_3344, 1, 1, 0xab)).toBe(0x1122_ab44);
    expect(deposit32(0x1122_3344, 0, 4, 0xffff_ffff)).toBe(0xffff_ffff);
  });
});
