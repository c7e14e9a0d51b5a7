import { describe, expect, it } from "vitest";
import { Bus, BusError, Region, type MmioOps } from "../../src/sim/bus.js";
import { Clock } from "../../src/sim/clock.js";
import { RingSink } from "../../src/sim/sinks/ring.js";
import { Tracer } from "../../src/sim/trace.js";

/** A byte-addressed scratch device that logs every access it receives. */
function scratch(size: number): MmioOps & { mem: Uint8Array; log: string[] } {
  const mem = new Uint8Array(size);
  const log: string[] = [];
  return {
    mem,
    log,
    read(offset, n) {
      log.push(`r${n}@${offset}`);
      let v = 0;
      for (let i = n - 1; i >= 0; i--) v = v * 256 + mem[offset + i]!;
      return v;
    },
    write(offset, n, value) {
      log.push(`w${n}@${offset}`);
      for (let i = 0; i < n; i++) mem[offset + i] = Math.floor(value / 256 ** i) & 0xff;
    },
    read64(offset) {
      log.push(`r8@${offset}`);
      let v = 0n;
      for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(mem[offset + i]!);
      return v;
    },
    write64(offset, value) {
      log.push(`w8@${offset}`);
      for (let i = 0; i < 8; i++) mem[offset + i] = Number((value >> BigInt(8 * i)) & 0xffn);
    },
  };
}

function setup(policy: "ignore" | "throw" = "ignore") {
  const clock = new Clock();
  const tracer = new Tracer(clock);
  const ring = new RingSink(16);
  tracer.attach(ring);
  const bus = new Bus(tracer, policy);
  return { clock, tracer, ring, bus };
}

describe("Bus", () => {
  it("dispatches to the right region with region-relative offsets, little-endian", () => {
    const { bus } = setup();
    const a = scratch(0x100);
    const b = scratch(0x100);
    bus.map(new Region("b", 0xfed0_0000, 0x100, b, { sizes: [1, 2, 4, 8] }));
    bus.map(new Region("a", 0x1000, 0x100, a, { sizes: [1, 2, 4, 8] }));
    bus.write32(0xfed0_0010, 0x1122_3344);
    expect([...b.mem.subarray(0x10, 0x14)]).toEqual([0x44, 0x33, 0x22, 0x11]);
    expect(bus.read8(0xfed0_0013)).toBe(0x11);
    expect(bus.read16(0xfed0_0010)).toBe(0x3344);
    bus.write64(0x1008, 0x0102_0304_0506_0708n);
    expect(bus.read32(0x100c)).toBe(0x0102_0304);
    expect(bus.read64(0x1008)).toBe(0x0102_0304_0506_0708n);
    expect(a.log).toEqual(["w8@8", "r4@12", "r8@8"]);
  });

  it("finds every region among many (binary search, cache reset between regions)", () => {
    const { bus } = setup();
    const devs = Array.from({ length: 50 }, () => scratch(16));
    devs.forEach((d, i) => bus.map(new Region(`d${i}`, 0x1_0000 * (50 - i), 16, d)));
    for (let i = 49; i >= 0; i--) bus.write32(0x1_0000 * (50 - i) + 4, i);
    devs.forEach((d, i) => expect(d.mem[4]).toBe(i));
  });

  it("reads all ones and drops writes for unmapped addresses under the ignore policy, and traces each", () => {
    const { bus, ring } = setup();
    expect(bus.read32(0xdead_0000)).toBe(0xffff_ffff);
    expect(bus.read8(0xdead_0000)).toBe(0xff);
    expect(bus.read16(0xdead_0000)).toBe(0xffff);
    expect(bus.read64(0xdead_0000)).toBe(0xffff_ffff_ffff_ffffn);
    bus.write32(0xdead_0000, 1);
    expect(bus.errors).toBe(5);
    expect(ring.lines()[4]).toBe("000000000000 sim bus_error addr=0xdead0000 size=4 write=1 reason=unmapped");
  });

  it("refuses access sizes and misalignments the region does not accept", () => {
    const { bus, ring } = setup();
    const dev = scratch(0x40);
    bus.map(new Region("dev", 0x2000, 0x40, dev, { sizes: [4] }));
    expect(bus.read8(0x2000)).toBe(0xff);
    expect(bus.read32(0x2002)).toBe(0xffff_ffff);
    bus.write64(0x2000, 5n);
    expect(dev.log).toEqual([]);
    expect(ring.entries().map((e) => e.args[3])).toEqual(["size", "alignment", "size"]);
  });

  it("treats an access straddling the end of a region as unmapped", () => {
    const { bus } = setup();
    const dev = scratch(0x10);
    bus.map(new Region("dev", 0x3000, 0x10, dev, { sizes: [1, 2, 4], unaligned: true }));
    expect(bus.read32(0x300e)).toBe(0xffff_ffff);
    expect(dev.log).toEqual([]);
    expect(bus.read16(0x3001)).toBe(0);
  });

  it("throws a typed BusError under the throw policy", () => {
    const { bus } = setup("throw");
    bus.map(new Region("hpet", 0xfed0_0000, 0x400, scratch(0x400)));
    const err = (() => {
      try {
        bus.read16(0xfed0_0000);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(BusError);
    expect(err).toMatchObject({ addr: 0xfed0_0000, size: 2, isWrite: false, reason: "size", region: "hpet" });
    expect(() => bus.write32(0x10, 0)).toThrow(/4-byte write at 0x10: no device is mapped there/);
  });

  it("rejects overlapping regions and 64-bit regions without 64-bit ops", () => {
    const { bus } = setup();
    bus.map(new Region("a", 0x1000, 0x100, scratch(0x100)));
    expect(() => bus.map(new Region("b", 0x10ff, 0x10, scratch(0x10)))).toThrow(/overlaps 'a'/);
    expect(() => new Region("c", 0, 8, { read: () => 0, write: () => {} }, { sizes: [8] })).toThrow(/read64/);
    expect(() => new Region("d", -1, 8, scratch(8))).toThrow(RangeError);
  });

  it("stops dispatching to an unmapped region", () => {
    const { bus } = setup();
    const r = bus.map(new Region("a", 0x1000, 0x100, scratch(0x100)));
    bus.write32(0x1000, 7);
    expect(bus.read32(0x1000)).toBe(7);
    bus.unmap(r);
    expect(bus.read32(0x1000)).toBe(0xffff_ffff);
  });
});
