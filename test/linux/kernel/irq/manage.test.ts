import { describe, expect, it } from "vitest";
import { EBUSY, EINVAL } from "../../../../src/linux/include/linux/errno.js";
import { IRQF_SHARED, IRQF_TRIGGER_HIGH, IRQ_HANDLED, IRQ_NONE, NR_IRQS, type irq_chip } from "../../../../src/linux/include/linux/interrupt.js";
import { in_interrupt } from "../../../../src/linux/include/linux/hardirq.js";
import { irqs_disabled, local_irq_restore, local_irq_save } from "../../../../src/linux/include/linux/irqflags.js";
import {
  free_irq,
  generic_handle_irq,
  irq_set_chip,
  irq_to_desc,
  request_irq,
  set_pending_irq,
} from "../../../../src/linux/kernel/irq/manage.js";
import { testMachine } from "../../../support/kernel-host.js";

function chipLog() {
  const log: string[] = [];
  const chip: irq_chip = {
    name: "test-chip",
    irq_startup: (irq) => void log.push(`startup ${irq}`),
    irq_shutdown: (irq) => void log.push(`shutdown ${irq}`),
    irq_disable: (irq) => void log.push(`disable ${irq}`),
    irq_set_affinity: (irq, mask) => (log.push(`affinity ${irq} ${mask}`), 0),
  };
  return { chip, log };
}

describe("request_irq / free_irq", () => {
  it("starts a line with its first handler, shares it among IRQF_SHARED handlers, and shuts it down with the last", () => {
    const m = testMachine({ cpus: 2 });
    const { chip, log } = chipLog();
    m.on(0, () => {
      irq_set_chip(21, chip);
      expect(request_irq(21, () => IRQ_NONE, IRQF_SHARED, "a", "devA")).toBe(0);
      expect(request_irq(21, () => IRQ_HANDLED, IRQF_SHARED, "b", "devB")).toBe(0);
      free_irq(21, "devA");
      free_irq(21, "devB");
    });
    expect(log).toEqual(["startup 21", "affinity 21 3", "shutdown 21"]);
  });

  it("refuses a second handler without IRQF_SHARED or with another trigger, with -EBUSY and the kernel's message", () => {
    const m = testMachine();
    m.on(0, () => {
      expect(request_irq(4, () => IRQ_HANDLED, 0, "first", "x")).toBe(0);
      expect(request_irq(4, () => IRQ_HANDLED, IRQF_SHARED, "second", "y")).toBe(-EBUSY);
      expect(request_irq(5, () => IRQ_HANDLED, IRQF_SHARED, "a", "x")).toBe(0);
      expect(request_irq(5, () => IRQ_HANDLED, IRQF_SHARED | IRQF_TRIGGER_HIGH, "b", "y")).toBe(-EBUSY);
    });
    expect(m.log()).toContain("genirq: Flags mismatch irq 4. 00000080 (second) vs. 00000000 (first)");
  });

  it("rejects impossible lines, a missing handler, and a shared request without dev_id", () => {
    const m = testMachine();
    m.on(0, () => {
      // Seed 004's unsigned irq = -1 reaches request_irq as 4294967295.
      expect(request_irq(4294967295, () => IRQ_HANDLED, IRQF_SHARED, "hpet0", "d")).toBe(-EINVAL);
      expect(request_irq(NR_IRQS, () => IRQ_HANDLED, 0, "x", "d")).toBe(-EINVAL);
      expect(request_irq(3, () => IRQ_HANDLED, IRQF_SHARED, "x", null)).toBe(-EINVAL);
    });
  });

  it("warns when freeing a handler that is not there", () => {
    const m = testMachine();
    m.on(0, () => free_irq(9, "nobody"));
    expect(m.kernel.warnings).toEqual(["Trying to free already-free IRQ 9"]);
  });
});

describe("interrupt flow", () => {
  it("runs every handler of a line in interrupt context and counts per CPU", () => {
    const m = testMachine({ cpus: 2 });
    const seen: string[] = [];
    m.on(0, () => {
      request_irq(8, () => (seen.push(`a:${in_interrupt()}`), IRQ_NONE), IRQF_SHARED, "a", 1);
      request_irq(8, () => (seen.push(`b:${in_interrupt()}`), IRQ_HANDLED), IRQF_SHARED, "b", 2);
    });
    expect(m.on(1, () => generic_handle_irq(8))).toBe(IRQ_HANDLED);
    expect(seen).toEqual(["a:true", "b:true"]);
    expect(m.on(0, () => irq_to_desc(8)!.kstat)).toEqual([0, 1]);
    expect(m.on(1, () => in_interrupt())).toBe(false);
  });

  it("applies a pending affinity (set_pending_irq) at the line's next interrupt", () => {
    const m = testMachine({ cpus: 2 });
    const { chip, log } = chipLog();
    m.on(0, () => {
      irq_set_chip(22, chip);
      request_irq(22, () => IRQ_HANDLED, 0, "t", 1);
      set_pending_irq(22, 0b10);
    });
    expect(log).not.toContain("affinity 22 2");
    m.on(0, () => generic_handle_irq(22));
    expect(log).toContain("affinity 22 2");
    expect(m.on(0, () => irq_to_desc(22)!.affinity)).toBe(0b10);
  });

  it("disables a line after 99 900 of 100 000 interrupts went unhandled ('nobody cared')", () => {
    const m = testMachine();
    const { chip, log } = chipLog();
    m.on(0, () => {
      irq_set_chip(4, chip);
      request_irq(4, () => IRQ_NONE, 0, "deaf", 1);
      for (let i = 0; i < 99_999; i++) generic_handle_irq(4);
    });
    expect(log).not.toContain("disable 4");
    m.on(0, () => generic_handle_irq(4));
    expect(log).toContain("disable 4");
    expect(m.log()).toContain('irq 4: nobody cared (try booting with the "irqpoll" option)');
    expect(m.log()).toContain("Disabling IRQ #4");
  });

  it("nests local_irq_save / restore and tells the host when interrupts come back on", () => {
    const m = testMachine();
    let enabled = 0;
    (m.kernel.host as { irqs_enabled: (cpu: number) => void }).irqs_enabled = () => void enabled++;
    m.on(0, () => {
      const outer = local_irq_save();
      const inner = local_irq_save();
      expect(irqs_disabled()).toBe(true);
      local_irq_restore(inner);
      expect(irqs_disabled()).toBe(true);
      local_irq_restore(outer);
      expect(irqs_disabled()).toBe(false);
    });
    expect(enabled).toBe(1);
  });
});
