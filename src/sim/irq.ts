/**
 * Interrupt lines (QEMU qemu_irq, Renode GPIO). A device owns its output lines and sets their
 * level from its state in one idempotent `updateIrq()`; controllers implement `IrqSink` and are
 * connected by the platform. An edge-triggered source pulses its line (raise then lower).
 */
import type { Tracer } from "./trace.js";
import { events } from "./trace-events.js";

/** An interrupt controller's inputs (IOAPIC pins, LAPIC LINTs, the GCE's event lines…). */
export interface IrqSink {
  setIrq(pin: number, level: boolean): void;
}

export class IrqLine {
  private high = false;
  private readonly sinks: IrqSink[] = [];
  private readonly pins: number[] = [];
  /** Rising edges seen (for statistics). */
  rises = 0;

  constructor(
    readonly name: string,
    private readonly tracer: Tracer,
  ) {
    tracer.declareSignal(events.irq_level, name, () => (this.high ? 1 : 0));
  }

  get level(): boolean {
    return this.high;
  }

  /** Delivers this line's level to `pin` of `sink` (a line may fan out to several inputs). */
  connect(sink: IrqSink, pin: number): void {
    this.sinks.push(sink);
    this.pins.push(pin);
    if (this.high) sink.setIrq(pin, true);
  }

  set(level: boolean): void {
    if (level === this.high) return;
    this.high = level;
    if (level) this.rises++;
    if (this.tracer.on) this.tracer.emit(events.irq_level, this.name, level ? 1 : 0);
    for (let i = 0; i < this.sinks.length; i++) this.sinks[i]!.setIrq(this.pins[i]!, level);
  }

  raise(): void {
    this.set(true);
  }

  lower(): void {
    this.set(false);
  }

  /** An edge: raise and lower at the same instant. */
  pulse(): void {
    this.set(true);
    this.set(false);
  }
}

/**
 * A wired OR of several level sources onto one line (QEMU or-irq): shared level-triggered
 * interrupts, such as several HPET timers routed to one IOAPIC pin, stay asserted while any
 * source asserts.
 */
export class OrIrq implements IrqSink {
  private readonly levels: Uint8Array;
  private asserted = 0;

  constructor(
    readonly out: IrqLine,
    inputs: number,
  ) {
    this.levels = new Uint8Array(inputs);
  }

  setIrq(input: number, level: boolean): void {
    const was = this.levels[input];
    if (was === undefined) throw new RangeError(`or-irq '${this.out.name}' has no input ${input}`);
    const now = level ? 1 : 0;
    if (was === now) return;
    this.levels[input] = now;
    this.asserted += now - was;
    this.out.set(this.asserted > 0);
  }
}
