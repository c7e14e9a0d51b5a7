import { describe, expect, it } from "vitest";
import { Dram } from "../../../src/hw/mem/dram.js";
import { Bus } from "../../../src/sim/bus.js";
import { Clock } from "../../../src/sim/clock.js";
import { Tracer } from "../../../src/sim/trace.js";

const BASE = 0x4000_0000;

function machine() {
  const bus = new Bus(new Tracer(new Clock()), "throw");
  const dram = new Dram({ base: BASE, size: 0x1000 });
  bus.map(dram.region);
  return { bus, dram };
}

describe("DRAM on the bus", () => {
  it("stores little-endian words and reads them back at every access size", () => {
    const { bus } = machine();
    bus.write32(BASE + 0x10, 0x1122_3344);
    expect(bus.read8(BASE + 0x10)).toBe(0x44);
    expect(bus.read8(BASE + 0x13)).toBe(0x11);
    expect(bus.read16(BASE + 0x12)).toBe(0x1122);
    expect(bus.read32(BASE + 0x10)).toBe(0x1122_3344);
    bus.write64(BASE + 0x18, 0x8877_6655_4433_2211n);
    expect(bus.read32(BASE + 0x18)).toBe(0x4433_2211);
    expect(bus.read32(BASE + 0x1c)).toBe(0x8877_6655);
    expect(bus.read64(BASE + 0x18)).toBe(0x8877_6655_4433_2211n);
    bus.write8(BASE + 0x20, 0xab);
    bus.write16(BASE + 0x22, 0xcdef);
    expect(bus.read32(BASE + 0x20)).toBe(0xcdef_00ab);
  });

  it("accepts unaligned accesses, as RAM does", () => {
    const { bus } = machine();
    bus.write32(BASE + 0x31, 0xdead_beef);
    expect(bus.read32(BASE + 0x31)).toBe(0xdead_beef);
    expect(bus.read16(BASE + 0x32)).toBe(0xadbe);
  });

  it("is a bus error past its end", () => {
    const { bus } = machine();
    expect(() => bus.read32(BASE + 0x1000)).toThrow(/bus error/);
    expect(() => bus.write32(BASE + 0xffe, 0)).toThrow(/bus error/);
  });
});

describe("DRAM for bus masters", () => {
  it("gives masters the same bytes as the bus: readU32, writeU32, words, bytes", () => {
    const { bus, dram } = machine();
    bus.write32(BASE + 0x40, 0xcafe_f00d);
    expect(dram.readU32(BASE + 0x40)).toBe(0xcafe_f00d);
    expect(dram.readU32(BASE + 0x41)).toBe(0x00ca_fef0); // unaligned, little-endian
    dram.writeU32(BASE + 0x44, 0x0102_0304);
    expect(bus.read32(BASE + 0x44)).toBe(0x0102_0304);
    if (dram.words !== undefined) expect(dram.words[0x44 / 4]).toBe(0x0102_0304);
    const view = dram.bytes(BASE + 0x44, 4);
    expect(Array.from(view)).toEqual([4, 3, 2, 1]);
    view[0] = 0xff; // a view, not a copy: a master's burst write
    expect(bus.read32(BASE + 0x44)).toBe(0x0102_03ff);
  });

  it("loads programs as bytes or as little-endian u32 words", () => {
    const { bus, dram } = machine();
    dram.load(BASE + 0x100, new Uint32Array([0x0000_0001, 0x4000_0000]));
    expect(bus.read64(BASE + 0x100)).toBe(0x4000_0000_0000_0001n);
    dram.load(BASE + 0x108, new Uint8Array([1, 2, 3]));
    expect(bus.read32(BASE + 0x108)).toBe(0x0003_0201);
  });

  it("throws on master accesses outside it (a caller bug), and says where it is", () => {
    const { dram } = machine();
    expect(dram.contains(BASE, 0x1000)).toBe(true);
    expect(dram.contains(BASE + 0xffc, 8)).toBe(false);
    expect(dram.contains(BASE - 4, 4)).toBe(false);
    expect(() => dram.readU32(BASE + 0x1000)).toThrow(RangeError);
    expect(() => dram.bytes(BASE + 0xff0, 0x20)).toThrow(/outside/);
  });

  it("rejects bad properties", () => {
    expect(() => new Dram({ base: 3, size: 8 })).toThrow(/base/);
    expect(() => new Dram({ base: 0, size: 0 })).toThrow(/size/);
    expect(() => new Dram({ base: 0, size: 12 })).toThrow(/size/);
  });
});
