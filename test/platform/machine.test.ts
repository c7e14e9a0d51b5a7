import { describe, expect, it } from "vitest";
import { Region } from "../../src/sim/bus.js";
import { IrqLine } from "../../src/sim/irq.js";
import { local_irq_restore, local_irq_save } from "../../src/linux/include/linux/irqflags.js";
import { readl, writel, type IoMem } from "../../src/linux/include/asm/io.js";
import { Machine } from "../../src/platform/machine.js";
import { smp_processor_id } from "../../src/linux/kernel/instance.js";

/** A controller with a queue of vectors: INTR is high while the queue is not empty. */
function queueController(m: Machine, name: string) {
  const intr = new IrqLine(`${name}.intr`, m.tracer);
  const queue: number[] = [];
  return {
    intr,
    queue,
    raise(vector: number) {
      queue.push(vector);
      intr.raise();
    },
    acknowledge() {
      const v = queue.shift() ?? -1;
      intr.set(queue.length > 0);
      return v;
    },
  };
}

function scratchRegister(m: Machine) {
  let value = 0;
  const log: Array<[number, number]> = [];
  m.bus.map(new Region("scratch", 0x1000, 0x10, { read: () => value, write: (_o, _s, v) => void (log.push([m.clock.now, v]), (value = v)) }));
  return log;
}

function machine(cpus = 2) {
  const m = new Machine({ cpus, kernel: { HZ: 1000 }, ram: { base: 0x4000_0000, bytes: new Uint8Array(4096) }, cpuCounterHz: 1_000_000_000 });
  const ctl = Array.from({ length: cpus }, (_, i) => queueController(m, `cpu${i}`));
  const taken: string[] = [];
  m.attachCpus(ctl, (vector) => void taken.push(`cpu${smp_processor_id()}:${vector}@${m.clock.now}`));
  return { m, ctl, taken };
}

describe("Machine", () => {
  it("delivers an interrupt at the next event boundary, never inside the code that raised it", () => {
    const { m, ctl, taken } = machine();
    m.clock.newTimer("device", () => {
      ctl[1]!.raise(0x31);
      expect(taken).toEqual([]);
    }).mod(100);
    m.clock.run(1000);
    expect(taken).toEqual(["cpu1:49@100"]);
  });

  it("holds interrupts while the kernel has them disabled and takes them when it re-enables", () => {
    const { m, ctl, taken } = machine(1);
    let flags = true;
    m.clock.newTimer("disable", () => m.inKernel(0, () => (flags = local_irq_save()))).mod(10);
    m.clock.newTimer("device", () => ctl[0]!.raise(0x40)).mod(20);
    m.clock.newTimer("enable", () => m.inKernel(0, () => local_irq_restore(flags))).mod(500);
    m.clock.run(1000);
    expect(taken).toEqual(["cpu0:64@500"]);
  });

  it("takes one interrupt per boundary until the controller has nothing left", () => {
    const { m, ctl, taken } = machine(1);
    m.clock.newTimer("burst", () => [1, 2, 3].forEach((v) => ctl[0]!.raise(v + 0x20))).mod(5);
    m.clock.run(10);
    expect(taken).toEqual(["cpu0:33@5", "cpu0:34@5", "cpu0:35@5"]);
  });

  it("stalls a CPU for an SMI: no interrupt and no MMIO until it ends", () => {
    const { m, ctl, taken } = machine(1);
    const log = scratchRegister(m);
    m.stall(0, 100, 400);
    m.clock.newTimer("device", () => ctl[0]!.raise(0x50)).mod(200);
    m.clock.newTimer("driver", () => m.inKernel(0, () => writel(7, 0x1000 as IoMem))).mod(300);
    m.clock.run(1000);
    expect(taken).toEqual(["cpu0:80@500"]);
    expect(log).toEqual([[500, 7]]);
    expect(m.faultsHit).toEqual(["100 ns: SMI on CPU0 for 400 ns"]);
  });

  it("holds a CPU just before a matching access: the read and the write of one driver call land 5 µs apart", () => {
    const { m } = machine(1);
    const log = scratchRegister(m);
    m.delayAccess({ cpu: 0, addr: 0x1000, write: true }, 0, 5000);
    m.clock.newTimer("driver", () =>
      m.inKernel(0, () => {
        const v = readl(0x1000 as IoMem);
        writel(v + 1, 0x1000 as IoMem);
      }),
    ).mod(50);
    m.clock.run(10_000);
    expect(log).toEqual([[5050, 1]]);
    expect(m.faultsHit).toEqual(["50 ns: CPU0 held 5000 ns before its write to 0x1000"]);
  });

  it("posts matching writes to reach the device later", () => {
    const { m } = machine(1);
    const log = scratchRegister(m);
    m.postWrite({ addr: 0x1000 }, 140);
    m.clock.newTimer("driver", () => m.inKernel(0, () => writel(3, 0x1000 as IoMem))).mod(10);
    m.clock.run(1000);
    expect(log).toEqual([[150, 3]]);
  });

  it("rejects a controller list that does not match the CPU count", () => {
    const m = new Machine({ cpus: 2, kernel: { HZ: 100 }, ram: { base: 0, bytes: new Uint8Array(64) }, cpuCounterHz: 1e9 });
    expect(() => m.attachCpus([queueController(m, "x")], () => {})).toThrow(/2 CPUs need 2 controllers/);
  });
});
