import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  APIC_EOI,
  APIC_IRR,
  APIC_LVTT,
  APIC_LVT_MASKED,
  APIC_LVT_TIMER_PERIODIC,
  APIC_LVT_TIMER_TSCDEADLINE,
  APIC_TDCR,
  APIC_TDR_DIV_1,
  APIC_TDR_DIV_128,
  APIC_TDR_DIV_16,
  APIC_TDR_DIV_2,
  APIC_TMCCT,
  APIC_TMICT,
  machine,
  type Machine,
} from "./harness.js";

const LOCAL_TIMER_VECTOR = 0xef;

/** Records when the timer vector is raised, taking and EOIing each one as a handler would. */
function expiries(m: Machine, until: number): number[] {
  const at: number[] = [];
  const l = m.lapic();
  l.intr.connect(
    {
      setIrq: (_pin, level) => {
        if (level) at.push(m.clock.now);
      },
    },
    0,
  );
  // The platform's event-boundary delivery: take the interrupt right after the event that raised it.
  const cpu = m.clock.newTimer("cpu0.irq", () => {
    while (l.intr.level) {
      l.acknowledge();
      m.writel(APIC_EOI, 0);
    }
  });
  l.intr.connect({ setIrq: (_pin, level) => level && cpu.modIn(0) }, 0);
  m.clock.run(until);
  return at;
}

function setup(options: Parameters<typeof machine>[0] = {}): Machine {
  const m = machine(options);
  m.enable();
  return m;
}

describe("LVT timer", () => {
  it("one-shot: an initial count of 1000 at divide-by-16 on the 1 GHz bus fires once, 16 000 ns later", () => {
    const m = setup();
    m.clock.run(1000);
    m.writel(APIC_TDCR, APIC_TDR_DIV_16);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR);
    m.writel(APIC_TMICT, 1000);
    expect(m.lapic().timerExpires).toBe(17_000);
    expect(expiries(m, 100_000)).toEqual([17_000]);
    expect(m.readl(APIC_TMCCT)).toBe(0);
    expect(m.lapic().timerExpiries).toBe(1);
  });

  it("derives the current count from the clock: initial − elapsed / divide, never ticking", () => {
    const m = setup();
    m.writel(APIC_TDCR, APIC_TDR_DIV_16);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR);
    m.writel(APIC_TMICT, 1000);
    expect(m.readl(APIC_TMCCT)).toBe(1000);
    m.clock.run(15);
    expect(m.readl(APIC_TMCCT)).toBe(1000);
    m.clock.run(16);
    expect(m.readl(APIC_TMCCT)).toBe(999);
    m.clock.run(8000);
    expect(m.readl(APIC_TMCCT)).toBe(500);
    expect(m.clock.pendingCount).toBe(1);
    expect(m.clock.fired).toBe(0);
  });

  it("periodic: reloads and fires every initial × divide ns, the count restarting at the initial value", () => {
    const m = setup();
    m.writel(APIC_TDCR, APIC_TDR_DIV_16);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC);
    m.writel(APIC_TMICT, 1000);
    const at = expiries(m, 50_000);
    expect(at).toEqual([16_000, 32_000, 48_000]);
    m.clock.run(52_000);
    expect(m.readl(APIC_TMCCT)).toBe(750);
    m.clock.run(64_000);
    expect(m.readl(APIC_TMCCT)).toBe(1000);
  });

  it("stays exact after ten simulated hours of a 1 ms periodic tick", () => {
    const m = setup();
    m.tracer.close();
    m.writel(APIC_TDCR, APIC_TDR_DIV_1);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC | APIC_LVT_MASKED);
    m.writel(APIC_TMICT, 1_000_000);
    const tenHours = 10 * 3600 * 1e9;
    m.clock.run(tenHours + 123_457);
    expect(m.readl(APIC_TMCCT)).toBe(1_000_000 - 123_457);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC);
    expect(m.lapic().timerExpires).toBe(tenHours + 1_000_000);
  });

  it("a masked LVTT counts down but raises nothing; unmasking catches the next period boundary", () => {
    const m = setup();
    m.writel(APIC_TDCR, APIC_TDR_DIV_2);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC | APIC_LVT_MASKED);
    m.writel(APIC_TMICT, 5000);
    m.clock.run(25_000);
    expect(m.vectors(APIC_IRR)).toEqual([]);
    expect(m.readl(APIC_TMCCT)).toBe(5000 - 2500);
    expect(m.lapic().timerExpires).toBeUndefined();
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC);
    expect(expiries(m, 45_000)).toEqual([30_000, 40_000]);
  });

  it("seed 004 lapic_timer_setup(SHUTDOWN): OR-ing MASKED into LVTT stops the periodic tick", () => {
    const m = setup();
    m.writel(APIC_TDCR, APIC_TDR_DIV_16);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC);
    m.writel(APIC_TMICT, 625);
    m.clock.run(25_000);
    m.writel(APIC_LVTT, m.readl(APIC_LVTT) | APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
    m.lapic().acknowledge();
    m.writel(APIC_EOI, 0);
    expect(expiries(m, 1_000_000)).toEqual([]);
    expect(m.lapic().timerExpiries).toBe(2);
  });

  it("a masked one-shot that ran out does not fire when unmasked", () => {
    const m = setup();
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_MASKED);
    m.writel(APIC_TMICT, 100);
    m.clock.run(1000);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR);
    expect(expiries(m, 10_000)).toEqual([]);
  });

  it("writing 0 to the initial count stops the timer in both modes", () => {
    const m = setup();
    m.writel(APIC_TDCR, APIC_TDR_DIV_1);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC);
    m.writel(APIC_TMICT, 1000);
    m.clock.run(500);
    m.writel(APIC_TMICT, 0);
    expect(m.readl(APIC_TMCCT)).toBe(0);
    expect(expiries(m, 10_000)).toEqual([]);
  });

  it("rewriting the initial count restarts the count from now", () => {
    const m = setup();
    m.writel(APIC_TDCR, APIC_TDR_DIV_1);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR);
    m.writel(APIC_TMICT, 1000);
    m.clock.run(900);
    m.writel(APIC_TMICT, 1000);
    expect(expiries(m, 5000)).toEqual([1900]);
  });

  it("changing the mode does not start an expired one-shot, and a running count carries on in the new mode", () => {
    const m = setup();
    m.writel(APIC_TDCR, APIC_TDR_DIV_1);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR);
    m.writel(APIC_TMICT, 1000);
    m.clock.run(2000);
    m.lapic().acknowledge();
    m.writel(APIC_EOI, 0);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC);
    expect(m.readl(APIC_TMCCT)).toBe(0);
    expect(m.lapic().timerExpires).toBeUndefined();
    m.writel(APIC_TMICT, 1000);
    m.clock.run(2300);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR);
    expect(m.readl(APIC_TMCCT)).toBe(700);
    expect(expiries(m, 10_000)).toEqual([3000]);
  });

  it("changing the divider keeps the count and continues at the new rate", () => {
    const m = setup();
    m.writel(APIC_TDCR, APIC_TDR_DIV_16);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR);
    m.writel(APIC_TMICT, 1000);
    m.clock.run(8000);
    m.writel(APIC_TDCR, APIC_TDR_DIV_128);
    expect(m.readl(APIC_TMCCT)).toBe(500);
    expect(expiries(m, 100_000)).toEqual([8000 + 500 * 128]);
  });

  it("QEMU's count semantics (timerCount: qemu) expire after initial + 1 ticks", () => {
    const m = setup({ apic: { timerCount: "qemu" } });
    m.writel(APIC_TDCR, APIC_TDR_DIV_16);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC);
    m.writel(APIC_TMICT, 1000);
    m.clock.run(16_000);
    expect(m.readl(APIC_TMCCT)).toBe(0);
    expect(expiries(m, 40_000)).toEqual([16_016, 32_032]);
  });

  it("runs from a configurable bus clock (100 MHz: 10 ns per count at divide-by-1)", () => {
    const m = setup({ apic: { busPeriodFs: 10_000_000 } });
    m.writel(APIC_TDCR, APIC_TDR_DIV_1);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR);
    m.writel(APIC_TMICT, 1000);
    m.clock.run(5005);
    expect(m.readl(APIC_TMCCT)).toBe(500);
    expect(expiries(m, 20_000)).toEqual([10_000]);
  });

  it("traces TSC-deadline mode as unimplemented and never fires in it", () => {
    const m = setup();
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_TSCDEADLINE);
    m.writel(APIC_TMICT, 10);
    expect(expiries(m, 10_000)).toEqual([]);
    expect(m.unimps()).toEqual([expect.stringMatching(/TSC-deadline timer mode is not modelled/)]);
  });
});

describe("LVT timer in deep idle", () => {
  it("stops while the CPU is in deep idle when stopsInDeepIdle is set (no ARAT): the count freezes and resumes", () => {
    const m = setup({ apic: { stopsInDeepIdle: true } });
    const l = m.lapic();
    m.writel(APIC_TDCR, APIC_TDR_DIV_16);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC);
    m.writel(APIC_TMICT, 1000);
    const idle = m.clock.newTimer("idle", () => l.setDeepIdle(!l.inDeepIdle));
    idle.mod(20_000);
    const wake = m.clock.newTimer("wake", () => l.setDeepIdle(false));
    wake.mod(100_000);
    const at = expiries(m, 120_000);
    // 16 000 fires; at 20 000 the count is 750 and freezes until 100 000; it then needs 12 000 ns.
    expect(at).toEqual([16_000, 112_000]);
    expect(m.ring.lines().filter((x) => x.includes("apic_deep_idle"))).toEqual([
      "000000020000 apic apic_deep_idle cpu=lapic0 on=1 stops=1",
      "000000100000 apic apic_deep_idle cpu=lapic0 on=0 stops=1",
    ]);
  });

  it("reads the frozen count during deep idle, and a one-shot due in the idle window fires only after wake-up", () => {
    const m = setup({ apic: { stopsInDeepIdle: true } });
    const l = m.lapic();
    m.writel(APIC_TDCR, APIC_TDR_DIV_1);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR);
    m.writel(APIC_TMICT, 10_000);
    m.clock.run(4000);
    l.setDeepIdle(true);
    m.clock.run(50_000);
    expect(m.readl(APIC_TMCCT)).toBe(6000);
    expect(m.vectors(APIC_IRR)).toEqual([]);
    l.setDeepIdle(false);
    expect(expiries(m, 100_000)).toEqual([56_000]);
  });

  it("keeps running in deep idle by default (an ARAT CPU), and other interrupts still arrive", () => {
    const m = setup();
    const l = m.lapic();
    m.writel(APIC_TDCR, APIC_TDR_DIV_16);
    m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC);
    m.writel(APIC_TMICT, 1000);
    l.setDeepIdle(true);
    expect(expiries(m, 50_000)).toEqual([16_000, 32_000, 48_000]);
  });
});

describe("LVT timer properties", () => {
  const divides = [
    [APIC_TDR_DIV_2, 2],
    [0x1, 4],
    [0x2, 8],
    [APIC_TDR_DIV_16, 16],
    [0x8, 32],
    [0x9, 64],
    [APIC_TDR_DIV_128, 128],
    [APIC_TDR_DIV_1, 1],
  ] as const;

  it("current count and next expiry follow initial − ⌊elapsed / divide⌋ for any count, divider and time", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200_000 }),
        fc.constantFrom(...divides),
        fc.integer({ min: 0, max: 50_000_000 }),
        fc.boolean(),
        (initial, [tdcr, divide], t, periodic) => {
          const m = machine();
          m.tracer.close();
          m.enable();
          const mode = periodic ? APIC_LVT_TIMER_PERIODIC : 0;
          m.writel(APIC_TDCR, tdcr);
          // Masked, so that short periods do not flood the run with events: the count is lazy anyway.
          m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR | mode | APIC_LVT_MASKED);
          m.writel(APIC_TMICT, initial);
          m.clock.run(t);
          const ticks = Math.floor(t / divide);
          const expected = periodic ? initial - (ticks % initial) : Math.max(0, initial - ticks);
          expect(m.readl(APIC_TMCCT)).toBe(expected);
          m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR | mode);
          const next = periodic ? (Math.floor(ticks / initial) + 1) * initial * divide : ticks < initial ? initial * divide : undefined;
          expect(m.lapic().timerExpires).toBe(next);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("raises the vector exactly once per period while unmasked", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 100_000 }), fc.constantFrom(...divides), fc.integer({ min: 0, max: 5_000_000 }), (initial, [tdcr, divide], t) => {
        const m = machine();
        m.tracer.close();
        m.enable();
        m.writel(APIC_TDCR, tdcr);
        m.writel(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC);
        m.writel(APIC_TMICT, initial);
        m.clock.run(t);
        expect(m.lapic().timerExpiries).toBe(Math.floor(Math.floor(t / divide) / initial));
      }),
      { numRuns: 100 },
    );
  });
});
