/**
 * The machine every board builds on: one clock, one tracer, one bus, RAM, CPUs and a booted
 * kernel, and the `KernelHost` through which that kernel touches the hardware.
 *
 * Boards construct the device models on `clock`/`tracer`/`bus`, then call `attachCpus` with
 * each CPU's interrupt controller and the kernel's interrupt entry, then `boot`. Faults that
 * concern the CPU's view of the hardware are injected here, because this is where the CPU's
 * loads and stores pass:
 * - `stall(cpu, at, duration)`: an SMI. The CPU takes no interrupt during the window, and any
 *   MMIO access it would make inside it waits until the window ends.
 * - `delayAccess(...)`: the CPU is held for `delay` ns just before a matching MMIO access (an
 *   SMI landing between two accesses of a driver, e.g. between reading the HPET counter and
 *   writing the comparator) — the deterministic way to hit a race window of zero width.
 * - `postWrite(...)`: matching writes reach the device `latency` ns after the CPU issued them
 *   (a chipset that delays comparator writes).
 */
import { Bus, type BusErrorPolicy } from "../sim/bus.js";
import { Clock } from "../sim/clock.js";
import type { IrqLine } from "../sim/irq.js";
import { Tracer, defineEvents, ev } from "../sim/trace.js";
import { CycleCounter } from "../sim/time.js";
import { Kernel, runInKernel, runInKernelWith, type KernelConfig, type KernelHost } from "../linux/kernel/instance.js";
import { Cpu, type InterruptAcknowledge } from "./cpu.js";

export const faultEvents = defineEvents("fault", {
  fault_stall: ev<[cpu: string, until: number]>("instant", ["cpu", "until"], { track: "cpu" }),
  fault_access_delayed: ev<[cpu: string, addr: number, delay: number]>("instant", ["cpu", "addr:x", "delay"], { track: "cpu" }),
  fault_write_posted: ev<[addr: number, value: number, latency: number]>("instant", ["addr:x", "value:x", "latency"]),
});

export interface MachineProps {
  readonly cpus: number;
  readonly kernel: KernelConfig;
  readonly ram: { readonly base: number; readonly bytes: Uint8Array };
  /** Frequency of the CPU's own counter (x86 TSC, arm64 CNTVCT). */
  readonly cpuCounterHz: number;
  readonly busPolicy?: BusErrorPolicy;
  /** Interrupt entry latency of every CPU, in ns (default 0). */
  readonly irqEntryNs?: number;
}

/** An access matcher: a CPU (or any), an address range and a direction. */
export interface AccessMatch {
  readonly cpu?: number;
  readonly addr: number;
  /** Bytes covered from `addr` (default 4). */
  readonly size?: number;
  readonly write: boolean;
}

interface DelayRule extends AccessMatch {
  readonly after: number;
  readonly delay: number;
  remaining: number;
}

interface PostRule extends AccessMatch {
  readonly latency: number;
}

/** A controller in front of a CPU: its INTR line and its acknowledge cycle. */
export interface CpuController extends InterruptAcknowledge {
  readonly intr: IrqLine;
}

export class Machine {
  readonly clock = new Clock();
  readonly tracer: Tracer;
  readonly bus: Bus;
  readonly kernel: Kernel;
  readonly cpus: Cpu[] = [];
  /** The CPU whose MMIO access is in progress, or -1 (a device's own activity). */
  accessCpu = -1;
  /** Faults that fired (for reports): one line each. */
  readonly faultsHit: string[] = [];
  private readonly delays: DelayRule[] = [];
  private readonly posts: PostRule[] = [];

  constructor(readonly props: MachineProps) {
    this.tracer = new Tracer(this.clock);
    this.bus = new Bus(this.tracer, props.busPolicy ?? "ignore");
    this.kernel = new Kernel(this.host(), props.kernel);
  }

  /**
   * Connects each CPU to its interrupt controller; `interrupt` is the kernel's entry for a
   * vector, run as kernel code on the interrupted CPU.
   */
  attachCpus(controllers: readonly CpuController[], interrupt: (vector: number) => void): void {
    if (controllers.length !== this.props.cpus) throw new RangeError(`${this.props.cpus} CPUs need ${this.props.cpus} controllers, got ${controllers.length}`);
    const k = this.kernel;
    controllers.forEach((ctl, i) => {
      const cpu = new Cpu(i, this.clock, ctl, {
        irqsDisabled: (c) => k.irqs_off[c] !== 0,
        interrupt: (c, vector) => runInKernelWith(k, c, interrupt, vector),
      }, this.props.irqEntryNs ?? 0);
      ctl.intr.connect(cpu, 0);
      this.cpus.push(cpu);
    });
  }

  /** What the board does when a CPU enters or leaves deep idle (e.g. stop its LAPIC timer). */
  onDeepIdle: (cpu: number, on: boolean) => void = () => {};

  /** Runs `fn` as kernel code on `cpu`. */
  inKernel<T>(cpu: number, fn: () => T): T {
    return runInKernel(this.kernel, cpu, fn);
  }

  /** An SMI: `cpu` executes nothing from `at` for `duration` ns. */
  stall(cpu: number, at: number, duration: number): void {
    const target = this.cpuAt(cpu);
    this.clock.newTimer(`smi.cpu${cpu}`, () => {
      target.stall(at + duration);
      this.faultsHit.push(`${at} ns: SMI on CPU${cpu} for ${duration} ns`);
      if (this.tracer.on) this.tracer.emit(faultEvents.fault_stall, `cpu${cpu}`, at + duration);
    }).mod(at);
  }

  /** Holds the CPU for `delay` ns before the next `times` accesses matching `match` at or after `after`. */
  delayAccess(match: AccessMatch, after: number, delay: number, times = 1): void {
    this.delays.push({ ...match, after, delay, remaining: times });
  }

  /** Matching writes reach the device `latency` ns after the CPU issues them. */
  postWrite(match: Omit<AccessMatch, "write">, latency: number): void {
    this.posts.push({ ...match, write: true, latency });
  }

  private cpuAt(cpu: number): Cpu {
    const c = this.cpus[cpu];
    if (c === undefined) throw new RangeError(`no CPU ${cpu}`);
    return c;
  }

  private host(): KernelHost {
    const props = this.props;
    const cpuCounter = new CycleCounter(props.cpuCounterHz);
    return {
      clock: this.clock,
      tracer: this.tracer,
      nr_cpu_ids: props.cpus,
      ram: props.ram,
      cpu_counter_hz: props.cpuCounterHz,
      read_cpu_counter: () => cpuCounter.at(this.clock.now),
      mmio_read: (cpu, addr, size) => this.read(cpu, addr, size),
      mmio_write: (cpu, addr, size, value) => this.write(cpu, addr, size, value),
      mmio_read64: (cpu, addr) => this.access(cpu, addr, 8, false, () => this.bus.read64(addr)),
      mmio_write64: (cpu, addr, value) => this.access(cpu, addr, 8, true, () => this.bus.write64(addr, value)),
      irqs_enabled: (cpu) => this.cpus[cpu]?.kick(),
      set_deep_idle: (cpu, on) => this.onDeepIdle(cpu, on),
      send_ipi: (cpu, handler) => this.cpuAt(cpu).sendIpi(handler),
    };
  }

  /**
   * A 1/2/4-byte load by `cpu`. The narrow accesses are the drivers' hot path, so they take no
   * closure (`access` does, for the rare 64-bit ones).
   */
  private read(cpu: number, addr: number, size: 1 | 2 | 4): number {
    this.beforeAccess(cpu, addr, size, false);
    const outer = this.accessCpu;
    this.accessCpu = cpu;
    try {
      return this.bus.read(addr, size);
    } finally {
      this.accessCpu = outer;
    }
  }

  private write(cpu: number, addr: number, size: 1 | 2 | 4, value: number): void {
    this.beforeAccess(cpu, addr, size, true);
    const outer = this.accessCpu;
    this.accessCpu = cpu;
    try {
      this.deliverWrite(addr, size, value);
    } finally {
      this.accessCpu = outer;
    }
  }

  /** Performs an access by `cpu`, after any stall or injected delay that applies to it. */
  private access<T>(cpu: number, addr: number, size: number, write: boolean, perform: () => T): T {
    this.beforeAccess(cpu, addr, size, write);
    const outer = this.accessCpu;
    this.accessCpu = cpu;
    try {
      return perform();
    } finally {
      this.accessCpu = outer;
    }
  }

  /** The CPU reaches the access only once any stall is over and any injected delay has passed. */
  private beforeAccess(cpu: number, addr: number, size: number, write: boolean): void {
    this.waitOutStall(cpu);
    if (this.delays.length !== 0) this.applyDelay(cpu, addr, size, write);
  }

  private waitOutStall(cpu: number): void {
    const until = this.cpus[cpu]?.stalledUntil ?? 0;
    if (until > this.clock.now) this.clock.run(until);
  }

  private applyDelay(cpu: number, addr: number, size: number, write: boolean): void {
    const now = this.clock.now;
    let rule: DelayRule | undefined;
    for (const r of this.delays) {
      if (r.remaining > 0 && now >= r.after && matches(r, cpu, addr, size, write)) {
        rule = r;
        break;
      }
    }
    if (rule === undefined) return;
    rule.remaining--;
    this.faultsHit.push(`${now} ns: CPU${cpu} held ${rule.delay} ns before its ${write ? "write to" : "read of"} 0x${addr.toString(16)}`);
    if (this.tracer.on) this.tracer.emit(faultEvents.fault_access_delayed, `cpu${cpu}`, addr, rule.delay);
    this.clock.run(now + rule.delay);
  }

  /** Writes now, or later when a posted-write rule covers the address. */
  private deliverWrite(addr: number, size: 1 | 2 | 4, value: number): void {
    const rule = this.posts.length === 0 ? undefined : this.posts.find((r) => addr >= r.addr && addr + size <= r.addr + (r.size ?? 4));
    if (rule === undefined) {
      this.bus.write(addr, size, value);
      return;
    }
    if (this.tracer.on) this.tracer.emit(faultEvents.fault_write_posted, addr, value, rule.latency);
    this.clock.newTimer("posted-write", () => this.bus.write(addr, size, value)).mod(this.clock.now + rule.latency);
  }
}

function matches(m: AccessMatch, cpu: number, addr: number, size: number, write: boolean): boolean {
  return (m.cpu === undefined || m.cpu === cpu) && m.write === write && addr >= m.addr && addr + size <= m.addr + (m.size ?? 4);
}
