/**
 * The MediaTek GPT model, driven qtest-style through the bus: register offsets are redeclared
 * here from the Linux driver (timer-mediatek.c), not imported from the model.
 */
import { describe, expect, it } from "vitest";
import { Bus } from "../../../src/sim/bus.js";
import { Clock } from "../../../src/sim/clock.js";
import { Tracer } from "../../../src/sim/trace.js";
import { MtkGpt } from "../../../src/hw/timer/mtk-gpt.js";

const BASE = 0x1000_8000;
const IRQ_EN = 0x00;
const IRQ_STA = 0x04;
const IRQ_ACK = 0x08;
const CTRL = (n: number) => 0x10 * n;
const CLK = (n: number) => 0x04 + 0x10 * n;
const CNT = (n: number) => 0x08 + 0x10 * n;
const CMP = (n: number) => 0x0c + 0x10 * n;
const ENABLE = 1;
const CLEAR = 2;
const OP = (m: number) => m << 4;

function machine() {
  const clock = new Clock();
  const tracer = new Tracer(clock);
  const bus = new Bus(tracer, "throw");
  const gpt = new MtkGpt({ clock, tracer, base: BASE });
  bus.map(gpt.region);
  const w = (off: number, v: number) => bus.write32(BASE + off, v);
  const r = (off: number) => bus.read32(BASE + off);
  return { clock, gpt, w, r };
}

describe("MediaTek GPT", () => {
  it("counts the 13 MHz clock exactly in free-run mode and wraps at 2^32", () => {
    const { clock, w, r } = machine();
    w(CTRL(2), OP(3) | ENABLE | CLEAR);
    clock.run(1_000_000_000);
    expect(r(CNT(2))).toBe(13_000_000);
    clock.run(1_000_000_077);
    expect(r(CNT(2))).toBe(13_000_001); // one tick is 76.92 ns
    clock.run(400 * 1_000_000_000);
    expect(r(CNT(2))).toBe((400 * 13_000_000) % 2 ** 32);
  });

  it("raises its interrupt every CMP ticks in repeat mode until acknowledged and disabled", () => {
    const { clock, gpt, w, r } = machine();
    w(IRQ_EN, 1);
    w(CMP(1), 52_000); // 4 ms at 13 MHz
    w(CTRL(1), OP(1) | ENABLE | CLEAR);
    clock.run(3_999_999);
    expect(gpt.irq.level).toBe(false);
    clock.run(4_000_000);
    expect(gpt.irq.level).toBe(true);
    expect(r(IRQ_STA)).toBe(1);
    w(IRQ_ACK, 1);
    expect(gpt.irq.level).toBe(false);
    clock.run(40_000_000);
    expect(gpt.matches).toBe(10);
    w(CTRL(1), OP(1));
    clock.run(80_000_000);
    expect(gpt.matches).toBe(10);
  });

  it("stops at CMP in one-shot mode; CLEAR restarts from 0; the divider slows the count", () => {
    const { clock, gpt, w, r } = machine();
    w(CMP(3), 13);
    w(CTRL(3), OP(0) | ENABLE | CLEAR);
    clock.run(10_000);
    expect(r(CNT(3))).toBe(13);
    expect(r(IRQ_STA)).toBe(1 << 2);
    expect(gpt.irq.level).toBe(false); // not enabled
    w(CLK(4), 1); // divide by 2
    w(CTRL(4), OP(3) | ENABLE | CLEAR);
    clock.run(10_000 + 1_000_000);
    expect(r(CNT(4))).toBe(6500);
  });

  it("reports unknown registers as guest errors and reads them as 0", () => {
    const { r, w } = machine();
    expect(r(0x800)).toBe(0);
    w(0x800, 1);
    w(CNT(1), 5);
    expect(r(CNT(1))).toBe(0);
  });
});
