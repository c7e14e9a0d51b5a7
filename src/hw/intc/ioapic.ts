/**
 * I/O APIC: 24 interrupt input pins, each routed by a 64-bit redirection entry to a vector on
 * one or more local APICs.
 *
 * Upstream: QEMU hw/intc/ioapic.c (ioapic_set_irq, ioapic_service, ioapic_eoi_broadcast,
 * ioapic_mem_read/write, ioapic_fix_edge_remote_irr) and ioapic_common.c (reset), read to get
 * the semantics right; the datasheet is the 82093AA's (see ioapic.regs.ts), with the ICH's
 * version-0x20 EOI register.
 *
 * Behaviour:
 * - Registers are indirect: IOREGSEL (+0x00) selects, IOWIN (+0x10) reads or writes 32 bits:
 *   ID (0x00), VER (0x01: version | 23 << 16), ARB (0x02), and entry n as two halves at
 *   0x10 + 2n (low) and 0x11 + 2n (high).
 * - Edge pins deliver on an assertion edge, if unmasked. An edge on a masked pin is dropped, not
 *   latched: 82093AA §3.2.4 "Interrupt Mask": "Edge-sensitive interrupts signaled on a masked
 *   interrupt pin are ignored (i.e., not delivered or held pending)"; QEMU ioapic_set_irq does
 *   the same ("we must ignore edge requests if the input pin is masked").
 * - Level pins deliver while asserted and set Remote IRR; no further message goes out until an
 *   EOI for the entry's vector clears Remote IRR, and then the pin re-delivers if it is still
 *   asserted (an unhandled level source therefore storms, as on hardware). An asserted level pin
 *   that is unmasked delivers at once (QEMU services the table after every entry write).
 * - EOI: both paths QEMU offers. The local APIC broadcasts EOI for a vector whose TMR bit is set
 *   (ApicBus → `eoiBroadcast`), and a version-0x20 IOAPIC also takes an explicit EOI at +0x40
 *   (Linux uses it for directed EOI). QEMU ioapic_mem_write: "Explicit EOI is only supported for
 *   IOAPIC version 0x20".
 * - Writing an entry as edge-triggered clears its Remote IRR (QEMU ioapic_fix_edge_remote_irr:
 *   Linux's __eoi_ioapic_pin emulates an EOI on version-0x11 parts by flipping level → edge →
 *   level while masked).
 * - Messages leave as interrupt-message writes (address 0xFEE00000 | dest << 12 | DM << 2, data
 *   vector | mode << 8 | trigger << 15) on an `MsiSink`, as QEMU ioapic_service does with
 *   `stl_le_phys`. Fixed and LowestPriority are delivered; SMI, NMI, INIT and ExtINT are traced
 *   as unimplemented and dropped (no 8259 or SMM is modelled); modes 3 and 6 are reserved and
 *   traced as guest errors.
 *
 * Pin levels and polarity. `setIrq(pin, level)` takes the source's logical level (true =
 * asserting), like every IrqLine. The board says which pins it drives active-low
 * (`activeLowPins`, e.g. PCI INTx on pins 16–23); the electrical level is the logical one
 * inverted there. With `polarity: "electrical"` (default, the 82093AA) the pin is asserted when
 * the electrical level matches INTPOL (0 = active high, 1 = active low), so a driver that
 * programs the wrong polarity sees a pin that is asserted while the source is idle. With
 * `polarity: "logical"` (QEMU, which ignores INTPOL) the pin is asserted when the source is.
 *
 * MODEL: QEMU treats 10 000 back-to-back level re-deliveries at EOI as a storm and postpones the
 * next by 10 ms of virtual time (SUCCESSIVE_IRQ_MAX_COUNT), because "real hardware does not
 * deliver the interrupt immediately during eoi broadcast". In a simulation where handlers run in
 * frozen time such a storm would never let time advance, so the guard is on by default
 * (`stormGuard`) with QEMU's numbers.
 *
 * MODEL: QEMU aliases the registers every 256 bytes of the window (`addr &= 0xff`) and maps
 * ISA IRQ 0 to pin 2 inside ioapic_set_irq; here only +0x00/+0x10/+0x40 decode (others are
 * guest errors) and the board wires sources to pins itself (the HPET's legacy route drives pin 2).
 *
 * Not modelled: delivery status (always idle: messages are accepted instantly), the APIC-bus
 * arbitration ID (ARB reads the ID, as QEMU), interrupt remapping (bits 48–55 of an entry are
 * reserved), IRQ-pin assertion registers of later chipsets, and snapshot/restore.
 */
import type { MmioOps } from "../../sim/bus.js";
import type { Clock, Timer } from "../../sim/clock.js";
import type { IrqSink } from "../../sim/irq.js";
import type { Tracer } from "../../sim/trace.js";
import { events as simEvents } from "../../sim/trace-events.js";
import { DELIVERY_MODE_NAMES, DeliveryMode, msiAddress, msiData, type MsiSink } from "./apic.regs.js";
import {
  IOAPIC,
  IOAPIC_MMIO,
  IOAPIC_NUM_PINS,
  IOAPIC_REG_ARB,
  IOAPIC_REG_ID,
  IOAPIC_REG_REDTBL_BASE,
  IOAPIC_REG_VER,
  RTE_DESTMOD,
  RTE_INTPOL,
  RTE_MASK,
  RTE_REMOTE_IRR,
  RTE_TRIGGER_LEVEL,
  RTE_VECTOR_MASK,
} from "./ioapic.regs.js";
import { ioapicEvents as ev } from "./trace-events.js";

export type IoApicVersion = 0x11 | 0x20;

/** How INTPOL is applied; see the file comment. */
export type IoApicPolarity = "electrical" | "logical";

export interface IoApicStormGuard {
  /** Back-to-back EOI re-deliveries of one pin before the next is postponed (QEMU: 10 000). */
  readonly limit: number;
  /** How long it is postponed, in ns (QEMU: NANOSECONDS_PER_SECOND / 100). */
  readonly delayNs: number;
}

export interface IoApicProps {
  readonly clock: Clock;
  readonly tracer: Tracer;
  /** Where interrupt messages go: the system Bus with the APIC window mapped, or an ApicBus. */
  readonly msi: MsiSink;
  /** Name in traces (default "ioapic"). */
  readonly name?: string;
  /** IOAPICID[27:24] after reset (default 0, QEMU's ACPI_BUILD_IOAPIC_ID). */
  readonly id?: number;
  /** 0x11 (82093AA) or 0x20 (ICH, QEMU's default, with the EOI register). Default 0x20. */
  readonly version?: IoApicVersion;
  /** Default "electrical" (the datasheet); "logical" is QEMU's. */
  readonly polarity?: IoApicPolarity;
  /** Bit n set: the board drives pin n active-low (default none). */
  readonly activeLowPins?: number;
  /** QEMU's EOI storm guard; `false` turns it off. Default { limit: 10 000, delayNs: 10 ms }. */
  readonly stormGuard?: IoApicStormGuard | false;
}

/** What an IOREGSEL index selects. */
const enum Sel {
  Id,
  Ver,
  Arb,
  RteLo,
  RteHi,
  None,
}

function decodeSel(sel: number): Sel {
  switch (sel) {
    case IOAPIC_REG_ID:
      return Sel.Id;
    case IOAPIC_REG_VER:
      return Sel.Ver;
    case IOAPIC_REG_ARB:
      return Sel.Arb;
  }
  if (sel >= IOAPIC_REG_REDTBL_BASE && sel < IOAPIC_REG_REDTBL_BASE + 2 * IOAPIC_NUM_PINS) return sel & 1 ? Sel.RteHi : Sel.RteLo;
  return Sel.None;
}

/** What a window offset selects. */
const enum Win {
  RegSel,
  IoWin,
  Eoi,
  None,
}

function decodeWin(offset: number): Win {
  switch (offset) {
    case IOAPIC_MMIO.IOREGSEL.offset:
      return Win.RegSel;
    case IOAPIC_MMIO.IOWIN.offset:
      return Win.IoWin;
    case IOAPIC_MMIO.EOI.offset:
      return Win.Eoi;
    default:
      return Win.None;
  }
}

function unreachable(x: never): never {
  throw new Error(`ioapic: unreachable ${String(x)}`);
}

const ALL_PINS = (1 << IOAPIC_NUM_PINS) - 1;

export class IoApic implements MmioOps, IrqSink {
  readonly name: string;
  readonly version: IoApicVersion;
  readonly polarity: IoApicPolarity;
  readonly activeLowPins: number;

  private readonly clock: Clock;
  private readonly tracer: Tracer;
  private readonly msi: MsiSink;
  private readonly resetId: number;
  private readonly stormLimit: number;
  private readonly stormDelay: number;
  private readonly stormTimer: Timer;

  private regsel = 0;
  private id = 0;
  /** Redirection entries, low and high halves. */
  private readonly lo = new Uint32Array(IOAPIC_NUM_PINS);
  private readonly hi = new Uint32Array(IOAPIC_NUM_PINS);
  /** Bit n: the source on pin n asserts (logical level, as given to setIrq). */
  private sources = 0;
  /** QEMU's `irr`: level pins, asserted; edge pins, an edge awaiting service (transient). */
  private irr = 0;
  /**
   * Bit n: entry n has Remote IRR set. Derived from the entries (only the IOAPIC writes the bit;
   * it is read-only to software) so that an EOI broadcast visits just these pins: scanning all
   * 24 entries cost the x86-pc board 8 % of every tick (measured).
   */
  private remoteIrr = 0;
  /** Successive EOI re-deliveries per pin, for the storm guard (QEMU irq_eoi[]). */
  private readonly eoiRuns = new Uint32Array(IOAPIC_NUM_PINS);

  /** Messages sent (statistics). */
  deliveries = 0;

  constructor(props: IoApicProps) {
    this.clock = props.clock;
    this.tracer = props.tracer;
    this.msi = props.msi;
    this.name = props.name ?? "ioapic";
    this.version = props.version ?? 0x20;
    this.polarity = props.polarity ?? "electrical";
    this.resetId = props.id ?? 0;
    this.activeLowPins = props.activeLowPins ?? 0;
    if (this.version !== 0x11 && this.version !== 0x20) throw new RangeError(`${this.name}: version must be 0x11 or 0x20, got ${String(this.version)}`);
    if (!Number.isInteger(this.resetId) || this.resetId < 0 || this.resetId > 15) throw new RangeError(`${this.name}: id must be 0..15, got ${this.resetId}`);
    if (!Number.isInteger(this.activeLowPins) || this.activeLowPins < 0 || this.activeLowPins > ALL_PINS) {
      throw new RangeError(`${this.name}: activeLowPins must be a mask of pins 0..23`);
    }
    const guard = props.stormGuard ?? { limit: 10_000, delayNs: 10_000_000 };
    if (guard === false) {
      this.stormLimit = Number.POSITIVE_INFINITY;
      this.stormDelay = 0;
    } else {
      if (!Number.isSafeInteger(guard.limit) || guard.limit < 1) throw new RangeError(`${this.name}: stormGuard.limit must be a positive integer`);
      if (!Number.isSafeInteger(guard.delayNs) || guard.delayNs < 0) throw new RangeError(`${this.name}: stormGuard.delayNs must be a non-negative integer`);
      this.stormLimit = guard.limit;
      this.stormDelay = guard.delayNs;
    }
    this.stormTimer = this.clock.newTimer(`${this.name}.storm`, () => this.serviceAll());
    this.reset();
  }

  /** Power-on state (QEMU ioapic_reset_common): every entry masked and edge-triggered. */
  reset(): void {
    this.regsel = 0;
    this.id = this.resetId;
    this.lo.fill(IOAPIC.REDTBL_LO.reset);
    this.hi.fill(IOAPIC.REDTBL_HI.reset);
    this.irr = 0;
    this.remoteIrr = 0;
    this.eoiRuns.fill(0);
    this.stormTimer.del();
  }

  // ---------------------------------------------------------------------------------------------
  // Input pins

  /** Pin `pin`'s source asserts (`level` true) or releases it. A pin outside 0..23 is a wiring bug. */
  setIrq(pin: number, level: boolean): void {
    if (!Number.isInteger(pin) || pin < 0 || pin >= IOAPIC_NUM_PINS) throw new RangeError(`${this.name}: no input pin ${pin}`);
    const bit = 1 << pin;
    const was = this.asserted(pin);
    this.sources = level ? this.sources | bit : this.sources & ~bit;
    if (this.tracer.on) this.tracer.emit(ev.ioapic_set_irq, pin, level ? 1 : 0);
    const now = this.asserted(pin);
    if (now === was) return;
    const lo = this.lo[pin]!;
    if (lo & RTE_TRIGGER_LEVEL) {
      if (now) {
        this.irr |= bit;
        this.service(pin);
      } else {
        this.irr &= ~bit;
      }
    } else if (now && !(lo & RTE_MASK)) {
      this.irr |= bit;
      this.service(pin);
    }
  }

  /** Whether pin `pin` is asserted as the IOAPIC sees it (after board inversion and INTPOL). */
  private asserted(pin: number): boolean {
    const bit = 1 << pin;
    if (this.polarity === "logical") return (this.sources & bit) !== 0;
    const electricalHigh = ((this.sources ^ this.activeLowPins) & bit) !== 0;
    const activeLow = (this.lo[pin]! & RTE_INTPOL) !== 0;
    return electricalHigh !== activeLow;
  }

  /** Sends pin `pin`'s message if it is pending, unmasked and (level) not awaiting EOI (QEMU ioapic_service, per pin). */
  private service(pin: number): void {
    const bit = 1 << pin;
    if (!(this.irr & bit)) return;
    let lo = this.lo[pin]!;
    if (lo & RTE_MASK) return;
    const level = (lo & RTE_TRIGGER_LEVEL) !== 0;
    if (!level) this.irr &= ~bit;
    const mode = (lo >> 8) & 7;
    switch (mode) {
      case DeliveryMode.Fixed:
      case DeliveryMode.LowestPriority:
        break;
      case DeliveryMode.Smi:
      case DeliveryMode.Nmi:
      case DeliveryMode.Init:
      case DeliveryMode.ExtInt:
        if (this.tracer.on) this.tracer.emit(simEvents.unimp, this.name, `pin ${pin}: ${DELIVERY_MODE_NAMES[mode]!} delivery is not modelled; dropped`);
        return;
      default:
        if (this.tracer.on) this.tracer.emit(simEvents.guest_error, this.name, `pin ${pin}: reserved delivery mode ${mode}; dropped`);
        return;
    }
    if (level) {
      // Coalesce: the CPU is still working on the previous one.
      if (lo & RTE_REMOTE_IRR) return;
      lo |= RTE_REMOTE_IRR;
      this.lo[pin] = lo;
      this.remoteIrr |= 1 << pin;
      if (this.tracer.on) this.tracer.emit(ev.ioapic_set_remote_irr, pin);
    }
    const vector = lo & RTE_VECTOR_MASK;
    const dest = this.hi[pin]! >>> 24;
    const logical = (lo & RTE_DESTMOD) !== 0;
    this.deliveries++;
    if (this.tracer.on) this.tracer.emit(ev.ioapic_deliver, pin, vector, dest, logical ? 1 : 0, DELIVERY_MODE_NAMES[mode]!, level ? 1 : 0);
    this.msi.write32(msiAddress(dest, logical), msiData(vector, mode, level));
  }

  private serviceAll(): void {
    for (let pin = 0; pin < IOAPIC_NUM_PINS; pin++) this.service(pin);
  }

  // ---------------------------------------------------------------------------------------------
  // EOI

  /**
   * An EOI for `vector` (from a local APIC's broadcast, or this IOAPIC's EOI register): every
   * level entry with that vector and Remote IRR set is released, and re-delivers if its pin is
   * still asserted (QEMU ioapic_eoi_broadcast).
   */
  eoiBroadcast(vector: number): void {
    if (this.tracer.on) this.tracer.emit(ev.ioapic_eoi_broadcast, vector);
    // QEMU ioapic_eoi_broadcast scans every entry in pin order; only those with Remote IRR can
    // match, and lowest bit first keeps the order. A re-delivery that sets an entry's bit again
    // during the scan is not visited twice, as there.
    for (let pins = this.remoteIrr; pins !== 0; pins &= pins - 1) {
      const pin = 31 - Math.clz32(pins & -pins);
      const lo = this.lo[pin]!;
      if ((lo & RTE_VECTOR_MASK) !== vector || !(lo & RTE_TRIGGER_LEVEL)) continue;
      this.lo[pin] = lo & ~RTE_REMOTE_IRR;
      this.remoteIrr &= ~(1 << pin);
      if (this.tracer.on) this.tracer.emit(ev.ioapic_clear_remote_irr, pin, vector);
      if (!(lo & RTE_MASK) && this.irr & (1 << pin)) {
        if (++this.eoiRuns[pin]! >= this.stormLimit) {
          this.eoiRuns[pin] = 0;
          const deadline = this.clock.now + this.stormDelay;
          const pending = this.stormTimer.expires;
          if (pending === undefined || deadline < pending) this.stormTimer.mod(deadline);
          if (this.tracer.on) this.tracer.emit(ev.ioapic_eoi_delayed_reassert, pin);
        } else {
          this.service(pin);
        }
      } else {
        this.eoiRuns[pin] = 0;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // MMIO

  read(offset: number, size: 1 | 2 | 4): number {
    const val = this.readWin(offset, size);
    if (this.tracer.on) this.tracer.emit(ev.ioapic_mem_read, offset, this.regsel, size, val);
    return val;
  }

  private readWin(offset: number, size: 1 | 2 | 4): number {
    const w = decodeWin(offset);
    switch (w) {
      case Win.RegSel:
        return this.regsel;
      case Win.IoWin:
        if (size !== 4) return this.guestError(`${size}-byte read of IOWIN (must be 32-bit)`);
        return this.readReg();
      case Win.Eoi:
        return this.guestError("read of the write-only EOI register");
      case Win.None:
        return this.guestError(`read of unassigned offset 0x${offset.toString(16)}`);
      default:
        return unreachable(w);
    }
  }

  private readReg(): number {
    const sel = this.regsel;
    const s = decodeSel(sel);
    switch (s) {
      case Sel.Id:
        return IOAPIC.ID.f.ID.set(0, this.id);
      case Sel.Ver:
        return IOAPIC.VER.reset | this.version;
      case Sel.Arb:
        return IOAPIC.ARB.f.ARB_ID.set(0, this.id);
      case Sel.RteLo:
        return this.lo[(sel - IOAPIC_REG_REDTBL_BASE) >> 1]!;
      case Sel.RteHi:
        return this.hi[(sel - IOAPIC_REG_REDTBL_BASE) >> 1]!;
      case Sel.None:
        return this.guestError(`read of unassigned register 0x${sel.toString(16)}`);
      default:
        return unreachable(s);
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (this.tracer.on) this.tracer.emit(ev.ioapic_mem_write, offset, this.regsel, size, value >>> 0);
    const w = decodeWin(offset);
    switch (w) {
      case Win.RegSel: {
        const reg = IOAPIC_MMIO.IOREGSEL;
        if (reg.reservedBits(value) !== 0) this.guestError(`IOREGSEL write 0x${(value >>> 0).toString(16)} sets reserved bits`);
        this.regsel = reg.applyWrite(this.regsel, value);
        return;
      }
      case Win.IoWin:
        if (size !== 4) {
          this.guestError(`${size}-byte write of IOWIN (must be 32-bit)`);
          return;
        }
        this.writeReg(value >>> 0);
        return;
      case Win.Eoi:
        if (this.version !== 0x20) {
          this.guestError("EOI register write on a version 0x11 IOAPIC (no such register)");
          return;
        }
        if (size !== 4) {
          this.guestError(`${size}-byte write of the EOI register (must be 32-bit)`);
          return;
        }
        this.eoiBroadcast(IOAPIC_MMIO.EOI.f.VECTOR.get(value >>> 0));
        return;
      case Win.None:
        this.guestError(`write of unassigned offset 0x${offset.toString(16)}`);
        return;
      default:
        unreachable(w);
    }
  }

  private writeReg(value: number): void {
    const sel = this.regsel;
    const s = decodeSel(sel);
    switch (s) {
      case Sel.Id:
        if (IOAPIC.ID.reservedBits(value) !== 0) this.guestError(`IOAPICID write 0x${value.toString(16)} sets reserved bits`);
        this.id = IOAPIC.ID.f.ID.get(value);
        return;
      case Sel.Ver:
      case Sel.Arb:
        this.guestError(`write to read-only register 0x${sel.toString(16)}`);
        return;
      case Sel.RteLo: {
        const pin = (sel - IOAPIC_REG_REDTBL_BASE) >> 1;
        const reg = IOAPIC.REDTBL_LO;
        if (reg.reservedBits(value) !== 0) this.guestError(`IOREDTBL${pin} low write 0x${value.toString(16)} sets reserved bits`);
        this.lo[pin] = reg.applyWrite(this.lo[pin]!, value);
        this.entryWritten(pin);
        return;
      }
      case Sel.RteHi: {
        const pin = (sel - IOAPIC_REG_REDTBL_BASE) >> 1;
        const reg = IOAPIC.REDTBL_HI;
        if (reg.reservedBits(value) !== 0) this.guestError(`IOREDTBL${pin} high write 0x${value.toString(16)} sets reserved bits`);
        this.hi[pin] = reg.applyWrite(this.hi[pin]!, value);
        this.entryWritten(pin);
        return;
      }
      case Sel.None:
        this.guestError(`write of unassigned register 0x${sel.toString(16)}`);
        return;
      default:
        unreachable(s);
    }
  }

  /** After either half of entry `pin` changes (QEMU: fix edge Remote IRR, reset the storm count, service). */
  private entryWritten(pin: number): void {
    const bit = 1 << pin;
    let lo = this.lo[pin]!;
    if (!(lo & RTE_TRIGGER_LEVEL)) {
      lo &= ~RTE_REMOTE_IRR;
      this.lo[pin] = lo;
      this.remoteIrr &= ~bit;
      // MODEL: an edge pin only latches edges seen by setIrq; re-programming it makes none.
      this.irr &= ~bit;
    } else if (this.asserted(pin)) {
      this.irr |= bit;
    } else {
      this.irr &= ~bit;
    }
    this.eoiRuns[pin] = 0;
    this.service(pin);
  }

  private guestError(message: string): 0 {
    if (this.tracer.on) this.tracer.emit(simEvents.guest_error, this.name, message);
    return 0;
  }
}
