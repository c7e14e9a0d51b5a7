/**
 * A CPU as the platform sees it: where interrupts arrive and when the kernel may take them.
 *
 * The interrupt controller in front of the CPU (an x86 local APIC, or the mt8173 board's simple
 * controller) asserts `intr` while it has something deliverable; the CPU never handles it inside
 * that call. It arms its own zero-delay timer, and at that event boundary, if the kernel has
 * interrupts enabled on this CPU and the CPU is not stalled, it acknowledges the controller
 * (INTA) and runs the kernel's handler for the vector. Inter-processor interrupts queue here
 * too. A stall (an SMI) holds everything until it ends. An optional entry latency delays the
 * handler after INTR, as a real CPU's interrupt entry does; without it a device that fires a
 * few nanoseconds before the kernel's deadline (HPET tick rounding) would be seen as early.
 */
import type { Clock, Timer } from "../sim/clock.js";
import type { IrqSink } from "../sim/irq.js";

/** The interrupt controller's side: acknowledge the highest pending interrupt (-1 if none). */
export interface InterruptAcknowledge {
  acknowledge(): number;
}

export interface CpuEntry {
  /** Are interrupts disabled on this CPU (local_irq_save)? */
  irqsDisabled(cpu: number): boolean;
  /** Runs the kernel's interrupt entry for `vector` on this CPU. */
  interrupt(cpu: number, vector: number): void;
}

export class Cpu implements IrqSink {
  private intrHigh = false;
  private readonly ipis: Array<() => void> = [];
  private readonly timer: Timer;
  /** The CPU executes nothing before this time (an SMI in progress). */
  stalledUntil = 0;
  /** Interrupts taken, IPIs taken (for reports). */
  interrupts = 0;
  ipisTaken = 0;

  constructor(
    readonly index: number,
    private readonly clock: Clock,
    private readonly controller: InterruptAcknowledge,
    private readonly entry: CpuEntry,
    /** Time from INTR to the handler's first instruction (pipeline drain, IDT, entry code). */
    private readonly entryLatency = 0,
  ) {
    this.timer = clock.newTimer(`cpu${index}.intr`, () => this.service());
  }

  /** The controller's INTR output. */
  setIrq(_pin: number, level: boolean): void {
    this.intrHigh = level;
    if (level) this.kick();
  }

  /** Queues an inter-processor interrupt. */
  sendIpi(handler: () => void): void {
    this.ipis.push(handler);
    this.kick();
  }

  /** Something may be deliverable (interrupts re-enabled, a stall ended): look at the next boundary. */
  kick(): void {
    if (!this.intrHigh && this.ipis.length === 0) return;
    const at = Math.max(this.clock.now + this.entryLatency, this.stalledUntil);
    if (!this.timer.pending || (this.timer.expires ?? at) > at) this.timer.mod(at);
  }

  /** Stalls the CPU until `until` (absolute ns): no interrupt is taken meanwhile. */
  stall(until: number): void {
    this.stalledUntil = Math.max(this.stalledUntil, until);
    if (this.timer.pending) this.timer.mod(Math.max(this.timer.expires ?? until, this.stalledUntil));
  }

  private service(): void {
    if (this.clock.now < this.stalledUntil) {
      this.timer.mod(this.stalledUntil);
      return;
    }
    if (this.entry.irqsDisabled(this.index)) return; // the kernel kicks us when it re-enables them
    const ipi = this.ipis.shift();
    if (ipi !== undefined) {
      this.ipisTaken++;
      ipi();
    } else if (this.intrHigh) {
      const vector = this.controller.acknowledge();
      if (vector >= 0) {
        this.interrupts++;
        this.entry.interrupt(this.index, vector);
      }
    }
    // One interrupt per boundary; anything still pending is taken at the next one.
    this.kick();
  }
}
