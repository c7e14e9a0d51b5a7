/**
 * A server for the subset of QEMU's qtest protocol the HPET needs (QEMU 7.2 softmmu/qtest.c),
 * so one script drives QEMU and vplat alike: text lines in, reply lines and asynchronous
 * `IRQ raise N` / `IRQ lower N` lines out.
 *
 * Commands: readb/readw/readl/readq ADDR, writeb/writew/writel/writeq ADDR VALUE, clock_step
 * [NS], clock_set NS, irq_intercept_in|irq_intercept_out QOM-PATH, endianness. Replies use
 * QEMU's formats (`OK`, `OK 0x%016x` for every read, `OK <ns>` for the clock commands, `FAIL …`).
 * Where QEMU would abort on a malformed command (a missing or unparsable argument, an empty
 * line) this server replies `FAIL …` and carries on.
 *
 * The machine is the part of a PC these commands reach: a clock, a bus with 128 MiB of RAM at 0
 * (for FSB writes) and the HPET at 0xFED00000, whose outputs drive the 24 I/O APIC inputs
 * (GSIs). `irq_intercept_in ioapic` reports every call that changes what the intercept last
 * saw, exactly as QEMU's qtest_irq_handler does. With `pit: true` the 8254's reset-state
 * channel 0 output drives the HPET's legacy input, as on QEMU's `-machine pc,pit=on`.
 *
 * Timing: a virtual-clock timer due at the current instant (QEMU arms these after a 32-bit
 * wrap or an overflowing 64-bit delay) does not fire inside `clock_step` without argument or
 * `clock_step 0`; QEMU's main loop runs it after the reply, so this server fires due timers after
 * every command's reply.
 */
import { Bus, Region, type MmioOps } from "../sim/bus.js";
import { Clock, type Timer } from "../sim/clock.js";
import { IrqLine, type IrqSink } from "../sim/irq.js";
import { Tracer } from "../sim/trace.js";
import { HPET_DEFAULT_BASE, Hpet } from "../hw/timer/hpet.js";
import { SPEC_PROFILE, qemuProfile, type HpetProfileName, type QemuMachine } from "../hw/timer/hpet.profiles.js";

export const GSI_COUNT = 24;
/** QEMU's default `-m 128M`. */
export const DEFAULT_RAM_SIZE = 128 * 1024 * 1024;

export interface QtestOptions {
  /** pc (i440fx) or q35: the HPET's route capability in the `qemu-7.2` profile (default pc). */
  readonly machine?: QemuMachine;
  /** HPET behaviour profile (default spec). */
  readonly profile?: HpetProfileName;
  /** Number of HPET timers (QEMU `-global hpet.timers=N`; default 3). */
  readonly timers?: number;
  /** FSB delivery capability in the `qemu-7.2` profile (QEMU `-global hpet.msi=on`); `spec` timers always have it. */
  readonly msi?: boolean;
  /** The 8254 PIT's output on the HPET's legacy input (QEMU `-machine pc,pit=on`). */
  readonly pit?: boolean;
  readonly ramSize?: number;
}

/** A QOM path names the I/O APIC if it is a suffix of its full path (QEMU object_resolve_path, partial). */
function namesIoapic(path: string, machine: QemuMachine): boolean {
  const full = ["machine", machine === "pc" ? "i440fx" : "q35", "ioapic"];
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.length === 0 || parts.length > full.length) return false;
  if (path.startsWith("/") && parts.length !== full.length) return false;
  return parts.every((p, i) => p === full[full.length - parts.length + i]);
}

/** An I/O APIC input whose every `set` the qtest intercept sees (QEMU's qemu_irq has no memory of its level). */
class GsiLine extends IrqLine {
  constructor(
    name: string,
    tracer: Tracer,
    private readonly gsi: number,
    private readonly server: QtestServer,
  ) {
    super(name, tracer);
  }

  override set(level: boolean): void {
    super.set(level);
    this.server.gsiSet(this.gsi, level);
  }
}

/** Sparse RAM: 4 KiB pages allocated on first write; unwritten memory reads 0. */
class Ram implements MmioOps {
  private readonly pages = new Map<number, Uint8Array>();

  private byte(addr: number): number {
    return this.pages.get(Math.floor(addr / 4096))?.[addr % 4096] ?? 0;
  }

  private setByte(addr: number, v: number): void {
    const key = Math.floor(addr / 4096);
    let page = this.pages.get(key);
    if (page === undefined) {
      page = new Uint8Array(4096);
      this.pages.set(key, page);
    }
    page[addr % 4096] = v;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + this.byte(offset + i);
    return v;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    for (let i = 0; i < size; i++) this.setByte(offset + i, Math.floor(value / 2 ** (8 * i)) & 0xff);
  }

  read64(offset: number): bigint {
    return (BigInt(this.read(offset + 4, 4)) << 32n) | BigInt(this.read(offset, 4));
  }

  write64(offset: number, value: bigint): void {
    this.write(offset, 4, Number(value & 0xffff_ffffn));
    this.write(offset + 4, 4, Number((value >> 32n) & 0xffff_ffffn));
  }
}

const PIT_FREQ = 1_193_182n;
const NS_PER_S = 1_000_000_000n;

/**
 * The i8254's channel 0 output in its reset state (mode 3, count 65536: an 18.2 Hz square
 * wave), the only part of the PIT a session without port I/O can observe. Transition times and
 * levels follow QEMU hw/timer/i8254_common.c (pit_get_out, pit_get_next_transition_time) and
 * i8254.c (pit_irq_timer_update, pit_irq_control), rounding included. Its input is QEMU's
 * `pit_enabled` (the HPET's legacy-routing output).
 */
class ResetStatePit implements IrqSink {
  private readonly timer: Timer;
  private disabled = true;
  private next = 0;
  private readonly count = 0x1_0000n;

  constructor(
    private readonly clock: Clock,
    private readonly out: IrqSink,
  ) {
    this.timer = clock.newTimer("pit.ch0", () => this.update(this.next));
  }

  setIrq(_pin: number, enable: boolean): void {
    if (enable) {
      this.disabled = false;
      this.update(this.clock.now);
    } else {
      this.disabled = true;
      this.timer.del();
    }
  }

  private update(now: number): void {
    if (this.disabled) return;
    const d = (BigInt(now) * PIT_FREQ) / NS_PER_S;
    const half = (this.count + 1n) >> 1n;
    const base = (d / this.count) * this.count;
    const nextTick = d - base < half ? base + half : base + this.count;
    let next = Number((nextTick * NS_PER_S) / PIT_FREQ);
    if (next <= now) next = now + 1;
    this.out.setIrq(0, d % this.count < half);
    this.next = next;
    this.timer.mod(next);
  }
}

/** Parses like strtoull/strtoll with base 0 (0x… hex, 0… octal, else decimal), the whole word. */
function parseInteger(word: string | undefined, signed: boolean): bigint | undefined {
  if (word === undefined) return undefined;
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(word);
  if (m === null) return undefined;
  const digits = m[2]!;
  const magnitude = /^0[xX]/.test(digits) ? BigInt(digits) : digits.length > 1 && digits.startsWith("0") ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
  const negative = m[1] === "-";
  if (signed) {
    const v = negative ? -magnitude : magnitude;
    return v < -(1n << 63n) || v >= 1n << 63n ? undefined : v;
  }
  if (magnitude >= 1n << 64n) return undefined;
  return negative ? BigInt.asUintN(64, -magnitude) : magnitude;
}

function ascii(text: string): Uint8Array {
  const b = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i) & 0xff;
  return b;
}

const IRQ_RAISE = Array.from({ length: GSI_COUNT }, (_, g) => ascii(`IRQ raise ${g}\n`));
const IRQ_LOWER = Array.from({ length: GSI_COUNT }, (_, g) => ascii(`IRQ lower ${g}\n`));
const CLOCK_STEP = ascii("clock_step");
const NL = 10;
const latin1 = new TextDecoder("latin1");

/** Addresses past this are outside the bus's number range; they behave as unmapped. */
const MAX_ADDR = BigInt(Number.MAX_SAFE_INTEGER - 8);

export class QtestServer {
  readonly clock = new Clock();
  readonly tracer = new Tracer(this.clock);
  readonly bus = new Bus(this.tracer, "ignore");
  readonly hpet: Hpet;
  /** The I/O APIC inputs (GSIs 0–23). */
  readonly gsi: readonly IrqLine[];
  readonly machine: QemuMachine;

  /** Output not yet taken, as bytes: protocol replies are ASCII (QEMU's are too). */
  private out = new Uint8Array(1 << 20);
  private outLen = 0;
  /** A line begun by earlier input, waiting for its newline. */
  private pending = new Uint8Array(256);
  private pendingLen = 0;
  private intercepted: "in" | "out" | undefined;
  /** What the intercept last reported per GSI (QEMU's irq_levels, cleared when the session opens). */
  private readonly irqLevels = new Uint8Array(GSI_COUNT);

  constructor(options: QtestOptions = {}) {
    this.machine = options.machine ?? "pc";
    const profileName = options.profile ?? "spec";
    const msi = options.msi ?? false;
    const lines: IrqLine[] = [];
    for (let g = 0; g < GSI_COUNT; g++) lines.push(new GsiLine(`ioapic.in${g}`, this.tracer, g, this));
    this.gsi = lines;
    const profile = profileName === "qemu-7.2" ? qemuProfile(this.machine, msi) : SPEC_PROFILE;
    this.hpet = new Hpet(this.clock, this.bus, this.tracer, {
      profile,
      irqs: lines,
      ...(options.timers === undefined ? {} : { timers: options.timers }),
    });
    this.bus.map(new Region("ram", 0, options.ramSize ?? DEFAULT_RAM_SIZE, new Ram(), { sizes: [1, 2, 4, 8], unaligned: true }));
    this.bus.map(this.hpet.region(HPET_DEFAULT_BASE));
    if (options.pit === true) this.hpet.pitEnable.connect(new ResetStatePit(this.clock, this.hpet.legacyIn), 0);
  }

  /**
   * Feeds protocol input (any chunking) as text; returns the output it produced. Only complete
   * lines are processed; a final line without its newline waits for more input, as in QEMU.
   */
  feed(text: string): string {
    return latin1.decode(this.feedBytes(ascii(text)));
  }

  /**
   * Feeds protocol input as bytes; returns the output as a view that stays valid until the next
   * call (the process's stdin-to-stdout path, without strings in between).
   */
  feedBytes(chunk: Uint8Array): Uint8Array {
    let start = 0;
    if (this.pendingLen > 0) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.keep(chunk, 0);
        return this.takeBytes();
      }
      this.keep(chunk.subarray(0, nl), 0);
      this.line(this.pending, 0, this.pendingLen);
      this.pendingLen = 0;
      start = nl + 1;
    }
    for (;;) {
      const end = chunk.indexOf(NL, start);
      if (end < 0) break;
      this.line(chunk, start, end);
      start = end + 1;
    }
    if (start < chunk.length) this.keep(chunk, start);
    return this.takeBytes();
  }

  /** Output produced since the last call, as text. */
  takeOutput(): string {
    return latin1.decode(this.takeBytes());
  }

  private takeBytes(): Uint8Array {
    const out = this.out.subarray(0, this.outLen);
    this.outLen = 0;
    return out;
  }

  /** Appends bytes of an unfinished line. */
  private keep(bytes: Uint8Array, from: number): void {
    const n = bytes.length - from;
    if (this.pendingLen + n > this.pending.length) {
      const grown = new Uint8Array(Math.max(this.pending.length * 2, this.pendingLen + n));
      grown.set(this.pending.subarray(0, this.pendingLen));
      this.pending = grown;
    }
    this.pending.set(bytes.subarray(from), this.pendingLen);
    this.pendingLen += n;
  }

  /** One line of input, bytes [start, end) of `buf`. */
  private line(buf: Uint8Array, start: number, end: number): void {
    // The command of a stepping loop, recognised without making a string of it.
    let isStep = end - start === CLOCK_STEP.length;
    for (let i = 0; isStep && i < CLOCK_STEP.length; i++) isStep = buf[start + i] === CLOCK_STEP[i];
    this.command(isStep ? "clock_step" : latin1.decode(buf.subarray(start, end)));
  }

  /** Processes one line (without its newline); replies are appended to the output. */
  command(line: string): void {
    try {
      if (line === "clock_step") this.clockStep(undefined);
      else this.dispatch((line.endsWith("\r") ? line.slice(0, -1) : line).split(" "));
    } catch (err) {
      // A model bug must not take the session down: report it as QEMU reports failures.
      this.put(`FAIL internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    // QEMU's main loop runs timers that are already due once the command has been answered.
    const clock = this.clock;
    const due = clock.nextDeadline();
    if (due !== undefined && due <= clock.now) clock.run(clock.now);
  }

  private room(n: number): void {
    if (this.outLen + n <= this.out.length) return;
    const grown = new Uint8Array(Math.max(this.out.length * 2, this.outLen + n));
    grown.set(this.out.subarray(0, this.outLen));
    this.out = grown;
  }

  private putBytes(b: Uint8Array): void {
    this.room(b.length);
    this.out.set(b, this.outLen);
    this.outLen += b.length;
  }

  /** Appends text (ASCII). */
  private put(text: string): void {
    this.room(text.length);
    const out = this.out;
    let n = this.outLen;
    for (let i = 0; i < text.length; i++) out[n++] = text.charCodeAt(i) & 0xff;
    this.outLen = n;
  }

  /** Appends `OK <ns>\n`, the clock commands' reply, formatting the number in place. */
  private putTime(ns: number): void {
    this.room(24);
    const out = this.out;
    let n = this.outLen;
    out[n++] = 0x4f; // O
    out[n++] = 0x4b; // K
    out[n++] = 0x20;
    // Two halves below 2^31 keep the digit loop in small-integer arithmetic.
    const hi = Math.floor(ns / 100_000_000) | 0;
    let lo = (ns - hi * 100_000_000) | 0;
    const digits = this.digits;
    let k = 0;
    if (hi > 0) {
      for (let i = 0; i < 8; i++) {
        digits[k++] = 48 + (lo % 10);
        lo = (lo / 10) | 0;
      }
      for (let h = hi; h > 0; h = (h / 10) | 0) digits[k++] = 48 + (h % 10);
    } else {
      do {
        digits[k++] = 48 + (lo % 10);
        lo = (lo / 10) | 0;
      } while (lo > 0);
    }
    while (k > 0) out[n++] = digits[--k]!;
    out[n++] = NL;
    this.outLen = n;
  }

  private readonly digits = new Uint8Array(20);

  /** @internal A GSI line was set (by the HPET or a legacy source). */
  gsiSet(gsi: number, level: boolean): void {
    if (this.intercepted !== "in") return;
    const l = level ? 1 : 0;
    if (this.irqLevels[gsi] === l) return;
    this.irqLevels[gsi] = l;
    this.putBytes(level ? IRQ_RAISE[gsi]! : IRQ_LOWER[gsi]!);
  }

  private dispatch(words: readonly string[]): void {
    const cmd = words[0] ?? "";
    switch (cmd) {
      case "readb":
      case "readw":
      case "readl":
      case "readq":
        this.read(cmd, words[1]);
        return;
      case "writeb":
      case "writew":
      case "writel":
      case "writeq":
        this.write(cmd, words[1], words[2]);
        return;
      case "clock_step":
        this.clockStep(words[1]);
        return;
      case "clock_set":
        this.clockSet(words[1]);
        return;
      case "irq_intercept_in":
      case "irq_intercept_out":
        this.intercept(cmd === "irq_intercept_in" ? "in" : "out", words[1]);
        return;
      case "endianness":
        this.put("OK little\n");
        return;
      case "":
        this.put(words.length === 1 ? "FAIL empty command\n" : "FAIL Unknown command ''\n");
        return;
      default:
        this.put(`FAIL Unknown command '${cmd}'\n`);
    }
  }

  private fail(message: string): void {
    this.put(`FAIL ${message}\n`);
  }

  private address(cmd: string, word: string | undefined): bigint | undefined {
    const addr = parseInteger(word, false);
    if (addr === undefined) this.fail(word === undefined ? `${cmd}: missing address` : `${cmd}: invalid address '${word}'`);
    return addr;
  }

  private read(cmd: "readb" | "readw" | "readl" | "readq", word: string | undefined): void {
    const a = this.address(cmd, word);
    if (a === undefined) return;
    let v: bigint;
    if (a > MAX_ADDR) v = cmd === "readq" ? 0xffff_ffff_ffff_ffffn : BigInt(cmd === "readb" ? 0xff : cmd === "readw" ? 0xffff : 0xffff_ffff);
    else {
      const addr = Number(a);
      switch (cmd) {
        case "readb":
          v = BigInt(this.bus.read8(addr));
          break;
        case "readw":
          v = BigInt(this.bus.read16(addr));
          break;
        case "readl":
          v = BigInt(this.bus.read32(addr));
          break;
        case "readq":
          v = this.bus.read64(addr);
          break;
      }
    }
    this.put(`OK 0x${v.toString(16).padStart(16, "0")}\n`);
  }

  private write(cmd: "writeb" | "writew" | "writel" | "writeq", addrWord: string | undefined, valueWord: string | undefined): void {
    const a = this.address(cmd, addrWord);
    if (a === undefined) return;
    const value = parseInteger(valueWord, false);
    if (value === undefined) {
      this.fail(valueWord === undefined ? `${cmd}: missing value` : `${cmd}: invalid value '${valueWord}'`);
      return;
    }
    if (a <= MAX_ADDR) {
      const addr = Number(a);
      switch (cmd) {
        case "writeb":
          this.bus.write8(addr, Number(value & 0xffn));
          break;
        case "writew":
          this.bus.write16(addr, Number(value & 0xffffn));
          break;
        case "writel":
          this.bus.write32(addr, Number(value & 0xffff_ffffn));
          break;
        case "writeq":
          this.bus.write64(addr, value);
          break;
      }
    }
    this.put("OK\n");
  }

  private clockStep(word: string | undefined): void {
    const now = this.clock.now;
    if (word === undefined) {
      // Advance exactly to the next deadline; a deadline already due (or none) leaves the clock.
      const next = this.clock.nextDeadline();
      if (next !== undefined && next > now) this.warp(next);
    } else {
      const ns = parseInteger(word, true);
      if (ns === undefined) {
        this.fail(`clock_step: invalid step '${word}'`);
        return;
      }
      if (ns > 0n && !this.warp(BigInt(now) + ns)) return;
    }
    this.putTime(this.clock.now);
  }

  private clockSet(word: string | undefined): void {
    const ns = parseInteger(word, true);
    if (ns === undefined) {
      this.fail(word === undefined ? "clock_set: missing time" : `clock_set: invalid time '${word}'`);
      return;
    }
    if (ns > BigInt(this.clock.now) && !this.warp(ns)) return;
    this.putTime(this.clock.now);
  }

  /** Runs the clock to `dest`, firing every event on the way; refuses times vplat cannot represent. */
  private warp(dest: bigint | number): boolean {
    if (dest > Number.MAX_SAFE_INTEGER) {
      this.fail(`clock: ${dest} ns is beyond vplat's virtual time range (2^53 ns)`);
      return false;
    }
    this.clock.run(Number(dest));
    return true;
  }

  private intercept(mode: "in" | "out", path: string | undefined): void {
    if (path === undefined) {
      this.fail(`irq_intercept_${mode}: missing QOM path`);
      return;
    }
    if (!namesIoapic(path, this.machine)) {
      this.put("FAIL Unknown device\n");
      return;
    }
    if (this.intercepted !== undefined) {
      // QEMU allows one intercepted device; asking again for it is fine, whatever the direction.
      this.put("OK\n");
      return;
    }
    // The I/O APIC has no unnamed outputs: intercepting them succeeds and reports nothing.
    this.intercepted = mode;
    this.put("OK\n");
  }
}
