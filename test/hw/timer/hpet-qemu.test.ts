/**
 * HPET, `qemu-7.2` profile: QEMU 7.2.22's behaviour as ../shared/tools/qemu-hpet/README.md
 * records it. The differential suite (test/qemu, `npm run test:qemu`) compares whole traces
 * against QEMU itself; these pin each divergence from the spec in a few lines.
 */
import { describe, expect, it } from "vitest";
import { qemuProfile } from "../../../src/hw/timer/hpet.profiles.js";
import {
  BASE,
  ENABLE_CNF,
  FSB_EN,
  GCAP_ID,
  GEN_CONF,
  GINTR_STA,
  INT_ENB,
  INT_TYPE_LEVEL,
  LEG_RT_CNF,
  MAIN_CNT,
  MODE32,
  PERIOD,
  ROUTE,
  TN_CFG,
  TN_CMP,
  TN_FSB,
  TYPE_PERIODIC,
  VAL_SET,
  machine,
} from "./hpet-machine.js";

const qemu = (opts: { machine?: "pc" | "q35"; msi?: boolean; timers?: number } = {}) =>
  machine({ profile: qemuProfile(opts.machine ?? "pc", opts.msi ?? false), ...(opts.timers === undefined ? {} : { timers: opts.timers }) });

describe("HPET qemu-7.2 profile: identity", () => {
  it("reads QEMU's reset values: 100 MHz, all timers periodic and 64-bit, the machine's route cap", () => {
    const m = qemu();
    expect(m.readq(GCAP_ID)).toBe(0x0098_9680_8086_a201n);
    expect(m.readl(PERIOD)).toBe(10_000_000);
    expect(m.readq(TN_CFG(0))).toBe(0x0000_0004_0000_0030n);
    expect(m.readq(TN_CMP(2))).toBe(0xffff_ffff_ffff_ffffn);
    const q35 = qemu({ machine: "q35", msi: true, timers: 4 });
    expect(q35.readl(GCAP_ID)).toBe(0x8086_a301);
    expect(q35.readq(TN_CFG(3))).toBe(0x00ff_0104_0000_8030n);
  });

  it("does not copy the ghost timer: the slot after the last timer is dead", () => {
    const m = qemu();
    m.writel(GEN_CONF, ENABLE_CNF);
    m.writel(TN_CMP(3), 100);
    m.writel(TN_CFG(3), INT_ENB | INT_TYPE_LEVEL | MODE32 | ROUTE(2));
    m.step(10_000);
    expect(m.take()).toEqual([]);
    expect(m.readq(TN_CFG(3))).toBe(0n);
  });

  it("accepts any route and FSB_EN without the capability, and splits 64-bit accesses", () => {
    const m = qemu();
    m.writel(TN_CFG(0), ROUTE(31) | FSB_EN);
    expect(m.readl(TN_CFG(0))).toBe(0x30 | ROUTE(31) | FSB_EN);
    // 8/16-bit and misaligned accesses read 0 and drop writes.
    expect(m.bus.read8(BASE + GCAP_ID)).toBe(0);
    expect(m.bus.read16(BASE + GCAP_ID)).toBe(0);
    expect(m.bus.read32(BASE + 1)).toBe(0);
    m.bus.write8(BASE + GEN_CONF, 1);
    expect(m.readl(GEN_CONF)).toBe(0);
    // A 64-bit read at a 4-aligned offset takes two halves of two registers.
    expect(m.readq(PERIOD)).toBe(0x0000_0000_0098_9680n);
  });
});

describe("HPET qemu-7.2 profile: comparator quirks", () => {
  it("fires a periodic timer twice per period, at the match and one tick later", () => {
    const m = qemu();
    m.writel(TN_CFG(0), INT_ENB | TYPE_PERIODIC | VAL_SET | MODE32 | ROUTE(2));
    m.writel(TN_CMP(0), 100_000);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(2_000_010);
    expect(m.take().filter((e) => e.includes("raise"))).toEqual(["1000000 raise 2", "1000010 raise 2", "2000000 raise 2", "2000010 raise 2"]);
  });

  it("fires a passed comparator one tick later, and never again after the wrap", () => {
    const m = qemu();
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(1_000_000);
    m.writel(TN_CFG(0), INT_ENB | MODE32 | ROUTE(2));
    m.writel(TN_CMP(0), 50_000);
    m.step(50_000_000_000);
    expect(m.take()).toEqual(["1000010 raise 2", "1000010 lower 2"]);
  });

  it("leaves the accumulator's high half at all ones after a writeq with VAL_SET", () => {
    const m = qemu();
    m.writel(TN_CFG(0), INT_ENB | TYPE_PERIODIC | VAL_SET | ROUTE(2));
    m.writeq(TN_CMP(0), 100_000n);
    expect(m.readq(TN_CMP(0))).toBe(0xffff_ffff_0001_86a0n);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(10);
    expect(m.take()).toEqual(["10 raise 2", "10 lower 2"]);
    expect(m.readq(TN_CMP(0))).toBe(32704n);
  });

  it("keeps 31 bits of a 32-bit period", () => {
    const m = qemu();
    m.writeq(MAIN_CNT, 0x8000_0000n);
    m.writel(TN_CFG(2), INT_ENB | TYPE_PERIODIC | VAL_SET | MODE32 | ROUTE(2));
    m.writel(TN_CMP(2), 0x8000_0010);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(400);
    expect(m.readl(TN_CMP(2))).toBe(0x8000_0030);
  });

  it("gives a 32-bit one-shot its wrap interrupt one tick before the rollover", () => {
    const m = qemu();
    m.writeq(MAIN_CNT, 0xffff_ff00n);
    m.writel(TN_CFG(0), INT_ENB | MODE32 | ROUTE(2));
    m.writel(TN_CMP(0), 0x100);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(6_000);
    expect(m.take().filter((e) => e.includes("raise"))).toEqual(["2550 raise 2", "5120 raise 2"]);
  });

  it("arms disabled timers at enable (silent deadlines) but skips comparators of all ones", () => {
    const m = qemu();
    m.writel(TN_CFG(0), INT_TYPE_LEVEL | MODE32 | ROUTE(2));
    m.writel(TN_CMP(0), 100);
    m.writel(GEN_CONF, ENABLE_CNF);
    expect(m.clock.nextDeadline()).toBe(1000);
    m.step(1000);
    expect(m.take()).toEqual([]);
    expect(m.readl(GINTR_STA)).toBe(0); // no status for a disabled level timer
    expect(m.clock.nextDeadline()).toBeUndefined();
  });

  it("does QEMU's 64-bit nanosecond arithmetic: a counter past 2^64/10 ticks jumps, a huge delay fires at once", () => {
    const m = qemu();
    m.writeq(MAIN_CNT, 0xffff_ffff_0000_0000n);
    m.writel(GEN_CONF, ENABLE_CNF);
    expect(m.readq(MAIN_CNT)).toBe(((0xffff_ffff_0000_0000n * 10n) % (1n << 64n)) / 10n);
    m.writel(GEN_CONF, 0);
    m.writeq(MAIN_CNT, 0n);
    m.writel(TN_CFG(1), INT_ENB | ROUTE(2));
    m.writeq(TN_CMP(1), 1n << 60n); // 2^60 ticks · 10 ns overflows int64: a deadline in the past
    m.writel(GEN_CONF, ENABLE_CNF);
    expect(m.clock.nextDeadline()).toBe(m.clock.now);
  });
});

describe("HPET qemu-7.2 profile: lines", () => {
  it("handles shared level lines per timer: one timer's W1C drops a line another still asserts", () => {
    const m = qemu();
    m.writel(TN_CFG(0), INT_ENB | INT_TYPE_LEVEL | MODE32 | ROUTE(2));
    m.writel(TN_CFG(1), INT_ENB | INT_TYPE_LEVEL | MODE32 | ROUTE(2));
    m.writel(TN_CMP(0), 10);
    m.writel(TN_CMP(1), 20);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(300);
    m.writel(GINTR_STA, 1);
    expect(m.level(2)).toBe(false);
    expect(m.readl(GINTR_STA)).toBe(2);
  });

  it("routes legacy timer 0 to GSI 0 and can leave a line stuck when LEG_RT_CNF toggles", () => {
    const m = qemu();
    m.writel(TN_CFG(1), INT_ENB | INT_TYPE_LEVEL | MODE32 | ROUTE(5));
    m.writel(TN_CFG(0), INT_ENB | MODE32 | ROUTE(2));
    m.writel(TN_CMP(0), 10);
    m.writel(TN_CMP(1), 20);
    m.writel(GEN_CONF, ENABLE_CNF | LEG_RT_CNF);
    m.step(300);
    expect(m.take()).toEqual(["100 raise 0", "100 lower 0", "200 raise 8"]);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.writel(GINTR_STA, 2); // lowers route 5, not 8
    expect(m.take()).toEqual(["300 lower 8"]);
    m.writel(TN_CMP(1), 100);
    m.step(1000);
    m.writel(GEN_CONF, ENABLE_CNF | LEG_RT_CNF);
    m.writel(GINTR_STA, 2); // lowers 8 now: 5 stays high
    expect(m.level(5)).toBe(true);
  });

  it("delivers FSB writes without the capability", () => {
    const m = qemu();
    m.writeq(TN_FSB(1), 0x0000_2000_1234_5678n);
    m.writel(TN_CFG(1), INT_ENB | MODE32 | FSB_EN);
    m.writel(TN_CMP(1), 10);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(1000);
    expect(m.ram.words.get(0x2000)).toBe(0x1234_5678);
    expect(m.take()).toEqual([]);
  });
});
