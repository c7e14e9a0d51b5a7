/**
 * HPET, `spec` profile, in qtest style: a bare machine (hpet-machine.ts), register writes, clock
 * steps, line levels. Offsets and bits are redeclared from the specification, not imported from
 * the model.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Bus, BusError } from "../../../src/sim/bus.js";
import { Clock } from "../../../src/sim/clock.js";
import { Tracer } from "../../../src/sim/trace.js";
import { Hpet, HpetConfigError } from "../../../src/hw/timer/hpet.js";
import {
  BASE,
  ENABLE_CNF,
  FSB_CAP,
  FSB_EN,
  GCAP_ID,
  GEN_CONF,
  GINTR_STA,
  INT_ENB,
  INT_TYPE_LEVEL,
  LEG_RT_CNF,
  MAIN_CNT,
  MODE32,
  P,
  PERIOD,
  PER_INT_CAP,
  ROUTE,
  SIZE_CAP,
  TN_CFG,
  TN_CMP,
  TN_FSB,
  TYPE_PERIODIC,
  VAL_SET,
  machine,
  nsAt,
} from "./hpet-machine.js";

describe("HPET spec profile: identification and reset values", () => {
  it("reads the reset value of every register", () => {
    const m = machine();
    expect(m.readl(GCAP_ID)).toBe(0x8086_a201); // REV_ID 1, NUM_TIM_CAP 2, COUNT_SIZE_CAP, LEG_RT_CAP, vendor 8086
    expect(m.readl(PERIOD)).toBe(0x0429_b17f);
    expect(m.readq(GCAP_ID)).toBe(0x0429_b17f_8086_a201n);
    expect(m.readq(GEN_CONF)).toBe(0n);
    expect(m.readq(GINTR_STA)).toBe(0n);
    expect(m.readq(MAIN_CNT)).toBe(0n);
    for (const off of [0x008, 0x018, 0x028, 0x0e8, 0x0f8]) expect(m.readq(off)).toBe(0n);
    // PCH route caps: timers 0/1 inputs 20–23, timer 2 adds IRQ11.
    expect(m.readq(TN_CFG(0))).toBe(0x00f0_0000_0000_8030n);
    expect(m.readq(TN_CFG(1))).toBe(0x00f0_0000_0000_8030n);
    expect(m.readq(TN_CFG(2))).toBe(0x00f0_0800_0000_8030n);
    for (let n = 0; n < 3; n++) {
      expect(m.readq(TN_CMP(n))).toBe(0xffff_ffff_ffff_ffffn);
      expect(m.readq(TN_FSB(n))).toBe(0n);
      expect(m.readq(TN_CFG(n) + 0x18)).toBe(0n);
    }
    // Timers past NUM_TIM_CAP are not there (no ghost): all zero, writes ignored.
    m.writel(TN_CMP(3), 100);
    m.writel(TN_CFG(3), INT_ENB | ROUTE(20));
    expect(m.readq(TN_CFG(3))).toBe(0n);
    expect(m.readq(TN_CMP(3))).toBe(0n);
  });

  it("advertises the number of timers and per-timer capabilities it was built with", () => {
    const m = machine({ timers: 8, timerCaps: [{ periodic: false, size64: false, fsb: false }] });
    expect(m.readl(GCAP_ID)).toBe(0x8086_a701);
    expect(m.readq(TN_CFG(0))).toBe(0x00f0_0000_0000_0000n);
    expect(m.readq(TN_CMP(0))).toBe(0x0000_0000_ffff_ffffn); // a 32-bit comparator (§1.1)
    expect(m.readq(TN_CFG(3))).toBe(0x00f0_1000_0000_8030n); // timer 3 adds IRQ12
    expect(m.readq(TN_CFG(7))).toBe(0x00f0_0000_0000_8030n);
  });

  it("keeps read-only bits and takes writable ones", () => {
    const m = machine();
    m.writel(GCAP_ID, 0xffff_ffff);
    m.writel(PERIOD, 0);
    expect(m.readq(GCAP_ID)).toBe(0x0429_b17f_8086_a201n);
    m.writel(GEN_CONF, 0xffff_fffc);
    expect(m.readl(GEN_CONF)).toBe(0);
    m.writel(GEN_CONF + 4, 0xffff_ffff);
    expect(m.readl(GEN_CONF + 4)).toBe(0);
    // Tn_CONF_CAP: everything writable but the route (31 is outside the cap: reads back 0).
    m.writel(TN_CFG(0), 0xffff_ffff);
    m.writel(TN_CFG(0) + 4, 0);
    expect(m.readq(TN_CFG(0))).toBe(0x00f0_0000_0000_c17en);
    m.writel(TN_CFG(0), 0);
    expect(m.readl(TN_CFG(0))).toBe(PER_INT_CAP | SIZE_CAP | FSB_CAP);
    // GINTR_STA cannot be set by software.
    m.writel(GINTR_STA, 0xffff_ffff);
    expect(m.readl(GINTR_STA)).toBe(0);
    // Tn_FSB_INT_ROUTE: all 64 bits.
    m.writeq(TN_FSB(1), 0x1234_5678_9abc_def0n);
    expect(m.readq(TN_FSB(1))).toBe(0x1234_5678_9abc_def0n);
  });

  it("makes TYPE, 32MODE and FSB_EN read-only without their capabilities", () => {
    const m = machine({ timerCaps: { periodic: false, size64: false, fsb: false } });
    m.writel(TN_CFG(0), TYPE_PERIODIC | MODE32 | FSB_EN | INT_ENB);
    expect(m.readl(TN_CFG(0))).toBe(INT_ENB);
  });

  it("writes MAIN_CNT only while halted, either half or all 64 bits", () => {
    const m = machine();
    m.writeq(MAIN_CNT, 0x1_2345_6789n);
    expect(m.readq(MAIN_CNT)).toBe(0x1_2345_6789n);
    m.writel(MAIN_CNT + 4, 7);
    expect(m.readq(MAIN_CNT)).toBe(0x7_2345_6789n);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.writel(MAIN_CNT, 0);
    expect(m.readq(MAIN_CNT)).toBe(0x7_2345_6789n);
    expect(m.ring.lines().some((l) => l.includes("MAIN_CNT written while the counter runs"))).toBe(true);
  });
});

describe("HPET spec profile: the main counter", () => {
  it("counts at 14.318 MHz exactly: after 10 simulated hours it equals floor(elapsed_fs / period_fs)", () => {
    const m = machine();
    m.writel(GEN_CONF, ENABLE_CNF);
    const tenHours = 10 * 3600 * 1_000_000_000;
    m.runTo(tenHours);
    const expected = (BigInt(tenHours) * 1_000_000n) / P;
    expect(m.readq(MAIN_CNT)).toBe(expected);
    expect(m.readl(MAIN_CNT)).toBe(Number(expected & 0xffff_ffffn));
    expect(m.readl(MAIN_CNT + 4)).toBe(Number(expected >> 32n));
    expect(m.hpet.counter()).toBe(expected);
  });

  it("steps exactly at each tick edge, aligned to the enable instant", () => {
    const m = machine();
    m.step(1234);
    m.writel(GEN_CONF, ENABLE_CNF);
    for (const k of [1, 2, 3, 1000, 14_318_180]) {
      m.runTo(1234 + nsAt(k) - 1);
      expect(m.readq(MAIN_CNT)).toBe(BigInt(k - 1));
      m.runTo(1234 + nsAt(k));
      expect(m.readq(MAIN_CNT)).toBe(BigInt(k));
    }
  });

  it("latches on halt and resumes from the latched value; a 64-bit counter carries into the high half", () => {
    const m = machine();
    m.writeq(MAIN_CNT, 0xffff_fff0n);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(nsAt(0x20));
    expect(m.readq(MAIN_CNT)).toBe(0x1_0000_0010n);
    m.writel(GEN_CONF, 0);
    m.step(1_000_000);
    expect(m.readq(MAIN_CNT)).toBe(0x1_0000_0010n);
    const t = m.clock.now;
    m.writel(GEN_CONF, ENABLE_CNF);
    m.runTo(t + nsAt(5));
    expect(m.readq(MAIN_CNT)).toBe(0x1_0000_0015n);
  });
});

describe("HPET spec profile: one-shot timers", () => {
  it("fires a 32-bit edge timer when the counter reaches the comparator, without a status bit", () => {
    const m = machine();
    m.writel(TN_CFG(0), INT_ENB | MODE32 | ROUTE(20));
    m.writel(TN_CMP(0), 500);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.runTo(nsAt(500) - 1);
    expect(m.take()).toEqual([]);
    m.runTo(nsAt(500));
    expect(m.take()).toEqual([`${nsAt(500)} raise 20`, `${nsAt(500)} lower 20`]);
    expect(m.readl(GINTR_STA)).toBe(0);
    expect(m.readl(TN_CMP(0))).toBe(500); // one-shot: the comparator stays
  });

  it("fires a 64-bit comparator past 2^32 ticks, and again never (the next equality is 2^64 ticks away)", () => {
    const m = machine();
    m.writeq(MAIN_CNT, 0xffff_ff00n);
    m.writel(TN_CFG(1), INT_ENB | ROUTE(21));
    m.writeq(TN_CMP(1), 0x1_0000_0010n);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(nsAt(0x110) + 1_000_000_000);
    expect(m.take()).toEqual([`${nsAt(0x110)} raise 21`, `${nsAt(0x110)} lower 21`]);
    expect(m.clock.nextDeadline()).toBeUndefined();
  });

  it("in 32-bit mode compares the low half only, and also interrupts when the counter's low half rolls over", () => {
    const m = machine();
    m.writeq(MAIN_CNT, 0x5_ffff_fff0n);
    m.writel(TN_CFG(0), INT_ENB | MODE32 | ROUTE(20));
    m.writel(TN_CMP(0), 0x8);
    expect(m.readq(TN_CMP(0))).toBe(8n); // 32-bit mode: the high half reads 0
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(nsAt(0x20));
    // Rollover at +0x10 ticks (low half 0xffffffff -> 0), match at +0x18.
    expect(m.take()).toEqual([`${nsAt(0x10)} raise 20`, `${nsAt(0x10)} lower 20`, `${nsAt(0x18)} raise 20`, `${nsAt(0x18)} lower 20`]);
  });

  it("waits for the wrap when the 32-bit comparator is written behind the counter (≈ 299.97 s at 14.318 MHz)", () => {
    const m = machine();
    m.writel(TN_CFG(0), INT_ENB | MODE32 | ROUTE(22));
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(1_000_000);
    const now = Number(m.readl(MAIN_CNT));
    // A driver meant now + 10 ticks but was delayed past it: the value is already behind.
    m.writel(TN_CMP(0), now - 5);
    m.step(299_000_000_000);
    expect(m.take()).toEqual([]);
    m.step(1_000_000_000);
    const wrapAt = nsAt(2n ** 32n);
    const matchAt = nsAt(2n ** 32n + BigInt(now - 5));
    expect(m.take()).toEqual([`${wrapAt} raise 22`, `${wrapAt} lower 22`, `${matchAt} raise 22`, `${matchAt} lower 22`]);
    expect(matchAt - 1_000_000 > 299.96e9 && matchAt - 1_000_000 < 299.98e9).toBe(true);
  });

  it("treats a comparator equal to the counter as already reached: the next match is a full wrap later", () => {
    const m = machine({ options: { oneShot32Wrap: "off" } });
    m.writel(TN_CFG(0), INT_ENB | MODE32 | ROUTE(20));
    m.writel(GEN_CONF, ENABLE_CNF);
    m.runTo(nsAt(100));
    m.writel(TN_CMP(0), 100);
    expect(m.clock.nextDeadline()).toBe(nsAt(2n ** 32n + 100n));
  });

  it("fires a one-shot timer again at every later equality (every 2^32 ticks in 32-bit mode)", () => {
    const m = machine({ options: { oneShot32Wrap: "off" } });
    m.writel(TN_CFG(0), INT_ENB | MODE32 | ROUTE(20));
    m.writel(TN_CMP(0), 10);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.runTo(nsAt(2n ** 33n + 10n));
    expect(m.take().filter((e) => e.includes("raise"))).toEqual([`${nsAt(10)} raise 20`, `${nsAt(2n ** 32n + 10n)} raise 20`, `${nsAt(2n ** 33n + 10n)} raise 20`]);
  });
});

describe("HPET spec profile: periodic timers and Tn_VAL_SET_CNF", () => {
  it("runs the Linux sequence (VAL_SET, now + delta, delta) with one interrupt per period", () => {
    const m = machine();
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(1_000_000);
    m.writel(GEN_CONF, 0);
    const now = m.readl(MAIN_CNT);
    const delta = 14_318;
    m.writel(TN_CFG(0), INT_ENB | TYPE_PERIODIC | VAL_SET | MODE32 | ROUTE(20));
    expect(m.readl(TN_CFG(0)) & VAL_SET).toBe(VAL_SET);
    m.writel(TN_CMP(0), now + delta);
    expect(m.readl(TN_CFG(0)) & VAL_SET).toBe(0); // consumed by the write
    m.writel(TN_CMP(0), delta);
    expect(m.readl(TN_CMP(0))).toBe(now + delta);
    const t0 = m.clock.now;
    m.writel(GEN_CONF, ENABLE_CNF);
    m.runTo(t0 + nsAt(4 * delta));
    const raises = m.take().filter((e) => e.includes("raise"));
    expect(raises).toEqual([1, 2, 3, 4].map((k) => `${t0 + nsAt(k * delta)} raise 20`));
    expect(m.readl(TN_CMP(0))).toBe(now + 5 * delta);
  });

  it("sets a 64-bit accumulator with VAL_SET before each 32-bit half, low half first", () => {
    const m = machine();
    m.writel(TN_CFG(0), INT_ENB | TYPE_PERIODIC | VAL_SET | ROUTE(20));
    m.writel(TN_CMP(0), 0x10);
    m.writel(TN_CFG(0), INT_ENB | TYPE_PERIODIC | VAL_SET | ROUTE(20));
    m.writel(TN_CMP(0) + 4, 1);
    expect(m.readq(TN_CMP(0))).toBe(0x1_0000_0010n);
    m.writel(TN_CMP(0), 1000);
    m.writel(TN_CMP(0) + 4, 0);
    expect(m.readq(TN_CMP(0))).toBe(0x1_0000_0010n); // without VAL_SET: the period only
    m.writeq(MAIN_CNT, 0x1_0000_0000n);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.runTo(nsAt(0x10 + 2000));
    expect(m.take().filter((e) => e.includes("raise"))).toEqual([nsAt(0x10), nsAt(0x10 + 1000), nsAt(0x10 + 2000)].map((t) => `${t} raise 20`));
    expect(m.readq(TN_CMP(0))).toBe(0x1_0000_0010n + 3000n);
  });

  it("sets a 64-bit accumulator with VAL_SET before each 32-bit half, high half first", () => {
    const m = machine();
    m.writel(TN_CFG(2), INT_ENB | TYPE_PERIODIC | VAL_SET | ROUTE(11));
    m.writel(TN_CMP(2) + 4, 2);
    m.writel(TN_CFG(2), INT_ENB | TYPE_PERIODIC | VAL_SET | ROUTE(11));
    m.writel(TN_CMP(2), 0x40);
    expect(m.readq(TN_CMP(2))).toBe(0x2_0000_0040n);
  });

  it("takes a native 64-bit comparator write with VAL_SET as one access (both halves)", () => {
    const m = machine();
    m.writel(TN_CFG(1), INT_ENB | TYPE_PERIODIC | VAL_SET | ROUTE(21));
    m.writeq(TN_CMP(1), 0x3_0000_0100n);
    expect(m.readq(TN_CMP(1))).toBe(0x3_0000_0100n);
    expect(m.readl(TN_CFG(1)) & VAL_SET).toBe(0);
  });

  it("wraps a 32-bit periodic comparator through 0", () => {
    const m = machine();
    m.writeq(MAIN_CNT, 0xffff_ff00n);
    m.writel(TN_CFG(0), INT_ENB | TYPE_PERIODIC | VAL_SET | MODE32 | ROUTE(20));
    m.writel(TN_CMP(0), 0xffff_ff80);
    m.writel(TN_CMP(0), 0x100);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.runTo(nsAt(0x180));
    expect(m.take().filter((e) => e.includes("raise"))).toEqual([`${nsAt(0x80)} raise 20`, `${nsAt(0x180)} raise 20`]);
    expect(m.readl(TN_CMP(0))).toBe(0x180);
  });
});

describe("HPET spec profile: level and edge interrupts, GINTR_STA", () => {
  it("holds a level line with its status bit until software writes 1 to clear it", () => {
    const m = machine();
    m.writel(TN_CFG(0), INT_ENB | INT_TYPE_LEVEL | MODE32 | ROUTE(21));
    m.writel(TN_CMP(0), 100);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(nsAt(200));
    expect(m.take()).toEqual([`${nsAt(100)} raise 21`]);
    expect(m.readl(GINTR_STA)).toBe(1);
    m.writel(GINTR_STA, 0);
    expect(m.level(21)).toBe(true);
    m.writel(GINTR_STA, 0xffff_fffe);
    expect(m.readl(GINTR_STA)).toBe(1);
    m.writel(GINTR_STA, 1);
    expect(m.readl(GINTR_STA)).toBe(0);
    expect(m.take()).toEqual([`${nsAt(200)} lower 21`]);
  });

  it("latches the status of a level timer whose INT_ENB is 0 and asserts once it is enabled", () => {
    const m = machine();
    m.writel(TN_CFG(1), INT_TYPE_LEVEL | MODE32 | ROUTE(22));
    m.writel(TN_CMP(1), 100);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(nsAt(150));
    expect(m.readl(GINTR_STA)).toBe(2);
    expect(m.take()).toEqual([]);
    m.writel(TN_CFG(1), INT_ENB | INT_TYPE_LEVEL | MODE32 | ROUTE(22));
    expect(m.take()).toEqual([`${nsAt(150)} raise 22`]);
  });

  it("drops the line but keeps the status when INT_ENB is cleared or the counter halts", () => {
    const m = machine();
    m.writel(TN_CFG(0), INT_ENB | INT_TYPE_LEVEL | MODE32 | ROUTE(20));
    m.writel(TN_CMP(0), 10);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(nsAt(10));
    m.writel(TN_CFG(0), INT_TYPE_LEVEL | MODE32 | ROUTE(20));
    expect(m.level(20)).toBe(false);
    m.writel(TN_CFG(0), INT_ENB | INT_TYPE_LEVEL | MODE32 | ROUTE(20));
    expect(m.level(20)).toBe(true);
    m.writel(GEN_CONF, 0);
    expect(m.level(20)).toBe(false);
    expect(m.readl(GINTR_STA)).toBe(1);
    m.writel(GEN_CONF, ENABLE_CNF);
    expect(m.level(20)).toBe(true);
  });

  it("ORs level timers that share a pin; an edge on a pin held high is invisible", () => {
    const m = machine();
    m.writel(TN_CFG(0), INT_ENB | INT_TYPE_LEVEL | MODE32 | ROUTE(20));
    m.writel(TN_CFG(1), INT_ENB | INT_TYPE_LEVEL | MODE32 | ROUTE(20));
    m.writel(TN_CFG(2), INT_ENB | MODE32 | ROUTE(20));
    m.writel(TN_CMP(0), 10);
    m.writel(TN_CMP(1), 20);
    m.writel(TN_CMP(2), 30);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(nsAt(40));
    expect(m.take()).toEqual([`${nsAt(10)} raise 20`]);
    m.writel(GINTR_STA, 1);
    expect(m.level(20)).toBe(true); // timer 1 still drives it
    m.writel(GINTR_STA, 2);
    expect(m.take()).toEqual([`${nsAt(40)} lower 20`]);
  });

  it("switching a level timer to edge drops its line (the line follows the registers)", () => {
    const m = machine();
    m.writel(TN_CFG(0), INT_ENB | INT_TYPE_LEVEL | MODE32 | ROUTE(20));
    m.writel(TN_CMP(0), 10);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(nsAt(10));
    m.writel(TN_CFG(0), INT_ENB | MODE32 | ROUTE(23));
    expect(m.take()).toEqual([`${nsAt(10)} raise 20`, `${nsAt(10)} lower 20`]);
    expect(m.readl(GINTR_STA)).toBe(1);
  });
});

describe("HPET spec profile: routing", () => {
  it("does not honour a route outside Tn_INT_ROUTE_CAP: it reads back 0 and no pin is ever driven", () => {
    const m = machine();
    m.writel(TN_CFG(0), INT_ENB | INT_TYPE_LEVEL | MODE32 | ROUTE(4));
    expect(m.readl(TN_CFG(0)) & ROUTE(31)).toBe(0);
    expect(m.ring.lines().some((l) => l.includes("route 4 outside Tn_INT_ROUTE_CAP"))).toBe(true);
    m.writel(TN_CMP(0), 10);
    m.writel(TN_CFG(1), INT_ENB | MODE32 | ROUTE(8));
    m.writel(TN_CMP(1), 20);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(nsAt(100));
    expect(m.take()).toEqual([]);
    expect(m.readl(GINTR_STA)).toBe(1); // the status bit still latches
    // A routable value later: the pending level interrupt appears on it.
    m.writel(TN_CFG(0), INT_ENB | INT_TYPE_LEVEL | MODE32 | ROUTE(23));
    expect(m.take()).toEqual([`${nsAt(100)} raise 23`]);
  });

  it("routes timer 0 to I/O APIC input 2 and timer 1 to input 8 in legacy replacement mode", () => {
    const m = machine();
    m.writel(TN_CFG(0), INT_ENB | MODE32 | ROUTE(20));
    m.writel(TN_CFG(1), INT_ENB | INT_TYPE_LEVEL | MODE32 | ROUTE(21));
    m.writel(TN_CFG(2), INT_ENB | MODE32 | ROUTE(11));
    m.writel(TN_CMP(0), 10);
    m.writel(TN_CMP(1), 20);
    m.writel(TN_CMP(2), 30);
    m.writel(GEN_CONF, ENABLE_CNF | LEG_RT_CNF);
    m.step(nsAt(30));
    expect(m.take()).toEqual([`${nsAt(10)} raise 2`, `${nsAt(10)} lower 2`, `${nsAt(20)} raise 8`, `${nsAt(30)} raise 11`, `${nsAt(30)} lower 11`]);
    // Leaving legacy mode moves timer 1's asserted level to its own route: nothing is left stuck.
    m.writel(GEN_CONF, ENABLE_CNF);
    expect(m.take()).toEqual([`${nsAt(30)} lower 8`, `${nsAt(30)} raise 21`]);
  });

  it("passes the PIT and RTC through to inputs 2 and 8 unless legacy routing blocks them", () => {
    const m = machine();
    expect(m.hpet.pitEnable.level).toBe(true);
    m.hpet.legacyIn.setIrq(0, true);
    m.hpet.legacyIn.setIrq(1, true);
    expect(m.take()).toEqual(["0 raise 2", "0 raise 8"]);
    m.writel(GEN_CONF, LEG_RT_CNF);
    expect(m.hpet.pitEnable.level).toBe(false);
    expect(m.take()).toEqual(["0 lower 2", "0 lower 8"]);
    m.writel(GEN_CONF, 0);
    expect(m.take()).toEqual(["0 raise 2", "0 raise 8"]);
  });
});

describe("HPET spec profile: FSB delivery", () => {
  it("writes Tn_FSB_INT_VAL to Tn_FSB_INT_ADDR instead of driving a pin, with no status bit", () => {
    const m = machine();
    m.writeq(TN_FSB(0), 0x0000_1000_cafe_0001n);
    m.writel(TN_CFG(0), INT_ENB | INT_TYPE_LEVEL | MODE32 | FSB_EN | ROUTE(20));
    m.writel(TN_CMP(0), 100);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(nsAt(100));
    expect(m.ram.words.get(0x1000)).toBe(0xcafe_0001);
    expect(m.take()).toEqual([]);
    expect(m.readl(GINTR_STA)).toBe(0);
  });

  it("needs INT_ENB, and the capability", () => {
    const m = machine({ timerCaps: [{}, { fsb: false }] });
    m.writeq(TN_FSB(0), 0x0000_2000_0000_0001n);
    m.writel(TN_CFG(0), MODE32 | FSB_EN);
    m.writel(TN_CMP(0), 10);
    m.writel(TN_CFG(1), INT_ENB | MODE32 | FSB_EN | ROUTE(21));
    expect(m.readl(TN_CFG(1)) & FSB_EN).toBe(0);
    m.writel(TN_CMP(1), 20);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(nsAt(30));
    expect(m.ram.words.get(0x2000)).toBeUndefined();
    expect(m.take()).toEqual([`${nsAt(20)} raise 21`, `${nsAt(20)} lower 21`]);
  });
});

describe("HPET spec profile: access sizes", () => {
  it("refuses 8- and 16-bit and misaligned accesses as bus errors", () => {
    const m = machine({}, "throw");
    expect(() => m.bus.read8(BASE + GCAP_ID)).toThrow(BusError);
    expect(() => m.bus.write16(BASE + GEN_CONF, 1)).toThrow(/does not accept this access size/);
    expect(() => m.bus.read32(BASE + 2)).toThrow(/not naturally aligned/);
    expect(() => m.bus.read64(BASE + TN_CFG(0) + 4)).toThrow(/not naturally aligned/);
    const lenient = machine();
    expect(lenient.bus.read16(BASE + GCAP_ID)).toBe(0xffff); // the bus's float value
    lenient.bus.write8(BASE + GEN_CONF, 1);
    expect(lenient.readl(GEN_CONF)).toBe(0);
    expect(lenient.bus.errors).toBe(2);
  });
});

describe("HPET: properties, tracing, snapshots", () => {
  it("rejects invalid properties in the constructor", () => {
    const clock = new Clock();
    const tracer = new Tracer(clock);
    const bus = new Bus(tracer);
    expect(() => new Hpet(clock, bus, tracer, { timers: 2 })).toThrow(HpetConfigError);
    expect(() => new Hpet(clock, bus, tracer, { timers: 33 })).toThrow(/timers must be 3–32/);
    expect(() => new Hpet(clock, bus, tracer, { periodFs: 100_000_001 })).toThrow(/periodFs/);
    expect(() => new Hpet(clock, bus, tracer, { timerCaps: { routeCap: 1 } })).toThrow(/input 0/);
    expect(() => new Hpet(clock, bus, tracer, { options: { periodicAccumulator: "qemu-7.2" } })).toThrow(/comparatorMatch/);
    expect(() => new Hpet(clock, bus, tracer, { profile: "qemu-7.2", periodFs: 69_841_279 })).toThrow(/whole number of nanoseconds/);
  });

  it("traces accesses, arming and firing", () => {
    const m = machine();
    m.writel(TN_CFG(0), INT_ENB | MODE32 | ROUTE(20));
    m.writel(TN_CMP(0), 3);
    m.writel(GEN_CONF, ENABLE_CNF);
    m.step(nsAt(3));
    const lines = m.ring.lines();
    expect(lines).toContain("000000000000 hpet hpet_ram_write addr=0x108 size=4 val=0x3");
    expect(lines).toContain(`${String(nsAt(3)).padStart(12, "0")} hpet hpet_timer_fire timer=0 counter=0x3 kind=match`);
    expect(lines.some((l) => l.includes("hpet_timer_arm timer=0"))).toBe(true);
  });

  it("restores a snapshot into a fresh HPET that then behaves the same", () => {
    const run = (m: ReturnType<typeof machine>) => {
      m.step(nsAt(250_000));
      return m.take().map((e) => e.split(" ").slice(1).join(" ") + "@" + (Number(e.split(" ")[0]) - m.clock.now));
    };
    const a = machine();
    a.writel(TN_CFG(0), INT_ENB | TYPE_PERIODIC | VAL_SET | MODE32 | ROUTE(20));
    a.writel(TN_CMP(0), 50_000);
    a.writel(TN_CFG(1), INT_ENB | INT_TYPE_LEVEL | MODE32 | ROUTE(21));
    a.writel(TN_CMP(1), 70_000);
    a.writel(GEN_CONF, ENABLE_CNF);
    a.step(nsAt(60_000));
    a.take();
    const snap = a.hpet.snapshot();
    const b = machine();
    b.runTo(a.clock.now);
    b.hpet.restore(snap);
    expect(b.readq(MAIN_CNT)).toBe(a.readq(MAIN_CNT));
    expect(run(b)).toEqual(run(a));
  });
});

describe("HPET: properties", () => {
  it("fires a comparator at the first nanosecond of its tick, for any period and distance", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000_000, max: 100_000_000 }), fc.integer({ min: 1, max: 0xffff_ffff }), fc.integer({ min: 0, max: 10_000 }), (periodFs, ticks, start) => {
        const m = machine({ periodFs, options: { oneShot32Wrap: "off" } });
        m.step(start);
        m.writel(TN_CFG(0), INT_ENB | MODE32 | ROUTE(20));
        m.writel(TN_CMP(0), ticks);
        m.writel(GEN_CONF, ENABLE_CNF);
        const at = start + Number((BigInt(ticks) * BigInt(periodFs) + 999_999n) / 1_000_000n);
        expect(m.clock.nextDeadline()).toBe(at);
        m.runTo(at - 1);
        expect(m.readl(MAIN_CNT)).toBe(ticks - 1);
        m.runTo(at);
        expect(m.readl(MAIN_CNT)).toBe(ticks);
        expect(m.take()).toEqual([`${at} raise 20`, `${at} lower 20`]);
      }),
      { numRuns: 200 },
    );
  });

  it("never throws on any sequence of accesses and steps, in either profile", () => {
    const offsets = [0x000, 0x004, 0x008, 0x010, 0x014, 0x020, 0x0f0, 0x0f4, ...[0, 1, 2, 3].flatMap((n) => [0, 4, 8, 0xc, 0x10, 0x14, 0x18].map((o) => 0x100 + 0x20 * n + o))];
    const op = fc.oneof(
      fc.record({ kind: fc.constant("w" as const), off: fc.constantFrom(...offsets), val: fc.integer({ min: 0, max: 0xffff_ffff }) }),
      fc.record({ kind: fc.constant("q" as const), off: fc.constantFrom(...offsets.filter((o) => (o & 7) === 0)), val: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
      fc.record({ kind: fc.constant("r" as const), off: fc.constantFrom(...offsets) }),
      fc.record({ kind: fc.constant("s" as const), ns: fc.integer({ min: 0, max: 2_000_000 }) }),
    );
    fc.assert(
      fc.property(fc.constantFrom("spec" as const, "qemu-7.2" as const), fc.array(op, { maxLength: 60 }), (profile, ops) => {
        const m = machine({ profile });
        for (const o of ops) {
          if (o.kind === "w") m.writel(o.off, o.val);
          else if (o.kind === "q") m.writeq(o.off, o.val);
          else if (o.kind === "r") m.readl(o.off);
          // Periodic timers with tiny periods would make long steps slow: bound the events.
          else m.clock.runUntilIdle(5_000, () => m.clock.nextDeadline()! > m.clock.now + o.ns);
        }
      }),
      { numRuns: 150 },
    );
  });
});

