/**
 * The x86-pc board, built from its device tree (boards/x86-pc.dts, or any tree whose root is
 * `vplat,x86-pc`, in the binding of Linux's CE4100 tree): one CPU with a local APIC per /cpus
 * node (`reg` = APIC id, 0..N-1), the IOAPIC of the `intel,ce4100-ioapic` node, the HPET of the
 * `intel,ce4100-hpet` node, RAM from the memory node, and a 2007-era x86-64 kernel running seed
 * 004's HPET driver. The kernel learns the same from the tree, as arch/x86/kernel/devicetree.c
 * does (x86_dtb_parse_smp_config: hpet_address, the LAPIC and IOAPIC addresses, the APIC ids).
 *
 * Options that describe hardware edit the tree first (`cpus: 4` writes four cpu nodes,
 * `hpet.present: false` removes the HPET node), so the tree is always what runs; `dtsOverlay`
 * merges DTS statements after boards/x86-pc.dts.
 *
 * Wiring: HPET outputs drive the same-numbered inputs of the IOAPIC (its legacy route drives
 * input 2 for timer 0 and 8 for timer 1); inputs 16–23 are PCI-style active-low lines; the IOAPIC
 * and the HPET's FSB route send messages to the LAPIC window; each LAPIC's INTR goes to its CPU,
 * which enters the kernel's do_IRQ at an event boundary.
 *
 * Boot, in order (init/main.c and smpboot of the era): the device tree is parsed, the boot CPU
 * sets up its LAPIC and the IOAPIC, time_init registers the TSC clocksource and the HPET's legacy
 * channel as the first tick, the LAPIC timer is calibrated against the TSC, every CPU registers
 * its LAPIC timer, then the seed's init_hpet_generic_timer runs as a kernel thread (its self-test
 * sleeps).
 *
 * MODEL: the local APICs must sit at 0xfee00000, where the IOAPIC's and the HPET's interrupt
 * messages go; one IOAPIC.
 */
import type { IrqSink } from "../../sim/irq.js";
import { sleep, type Co } from "../../sim/task.js";
import { ApicBus } from "../../hw/intc/apic.js";
import { APIC_DEFAULT_BASE, APIC_WINDOW_SIZE } from "../../hw/intc/apic.regs.js";
import { IoApic } from "../../hw/intc/ioapic.js";
import { IOAPIC_WINDOW_SIZE } from "../../hw/intc/ioapic.regs.js";
import { Hpet } from "../../hw/timer/hpet.js";
import { ICH_PERIOD_FS, QEMU_INTCAP, type HpetProfileName } from "../../hw/timer/hpet.profiles.js";
import { Region } from "../../sim/bus.js";
import { kthread_run, per_cpu } from "../../linux/kernel/instance.js";
import { irq_descs } from "../../linux/kernel/irq/manage.js";
import { dmesg } from "../../linux/kernel/printk/printk.js";
import { tick_broadcast_delivered, tick_broadcast_device } from "../../linux/kernel/time/tick-broadcast.js";
import { TICK_NSEC, tick_cpu_device } from "../../linux/kernel/time/tick-common.js";
import { jiffies, pending_timers } from "../../linux/kernel/time/timer.js";
import { ktime_get, current_clocksource } from "../../linux/kernel/time/clocksource.js";
import { apic_main_timer, calibrate_APIC_clock, setup_APIC_timer, setup_local_APIC } from "../../linux/arch/x86/kernel/apic.js";
import { HPET_SEED_2007_SWITCHES, hpet_report, hpet_setup, init_hpet_generic_timer } from "../../linux/arch/x86/kernel/hpet.js";
import { cpu_idle_deep, idle_stats } from "../../linux/arch/x86/kernel/idle.js";
import { setup_IO_APIC } from "../../linux/arch/x86/kernel/io_apic.js";
import { dtb_apic_ids, mp_ioapics, mp_lapic_addr, mpc_ioapic_addr, nr_ioapics, x86_dtb_parse_smp_config } from "../../linux/arch/x86/kernel/devicetree.js";
import { for_each_of_cpu_node, of_detach_node, of_get_cpu_hwid, resource_size } from "../../linux/include/linux/of.js";
import { do_IRQ, spurious_interrupts } from "../../linux/arch/x86/kernel/irq.js";
import { time_init, timer_resume, timer_suspend } from "../../linux/arch/x86/kernel/time.js";
import { Machine } from "../machine.js";
import { BoardError, availableCompatible, builtinBoardTree, memoryNode, nodeName, regOf, setCpuCount, type BoardTree } from "./board-tree.js";

export type DriverProfile = "fixed" | "seed-2007";

export interface X86PcProps {
  readonly cpus?: number;
  readonly HZ?: 100 | 250 | 1000;
  readonly tickMode?: "periodic" | "oneshot";
  /** Kernel behaviour: "fixed" (default) or the seed as written; `switches` override single ones. */
  readonly driverProfile?: DriverProfile;
  readonly switches?: Readonly<Record<string, boolean>>;
  /** HPET device: profile, timers, period, route capability of every timer, presence. */
  readonly hpet?: {
    readonly present?: boolean;
    readonly profile?: HpetProfileName;
    readonly timers?: number;
    readonly periodFs?: number;
    readonly routeCap?: number;
  };
  /** Boot parameters: `nohpet`, and a PCI-quirk address to use when ACPI gives none. */
  readonly nohpet?: boolean;
  readonly forceHpetAddress?: boolean;
  /** The CPUs' APIC timers keep running in deep idle (ARAT); default false, as on 2007 parts. */
  readonly arat?: boolean;
  readonly tscHz?: number;
  /** Boot option "apicmaintimer": the boot CPU's LAPIC timer replaces the IRQ 0 timer (seed's lapic_timer_setup). */
  readonly apicMainTimer?: boolean;
  /** Interrupt entry latency in ns (default 500, a 2007-era CPU's entry path). */
  readonly irqEntryNs?: number;
  /** DTS statements merged after boards/x86-pc.dts (`&hpet { reg = <0xfed01000 0x400>; };`). */
  readonly dtsOverlay?: string;
  /** A tree to run instead of boards/x86-pc.dts (what bootDeviceTree passes for `--dts`/`--dtb`). */
  readonly tree?: BoardTree;
}

/** Where boards/x86-pc.dts puts the HPET (the PC's usual address). */
export const HPET_BASE = 0xfed0_0000;
/** PCI INTx inputs 16–23 are active low. */
const ACTIVE_LOW_PINS = 0x00ff_0000;

/** The switches of a driver profile, with explicit overrides applied. */
export function profileSwitches(profile: DriverProfile, overrides: Readonly<Record<string, boolean>> = {}): Record<string, boolean> {
  const base: Record<string, boolean> = {};
  if (profile === "seed-2007") for (const s of HPET_SEED_2007_SWITCHES) base[s] = true;
  return { ...base, ...overrides };
}

export interface CpuReport {
  readonly cpu: number;
  readonly tickDevice: string;
  readonly ticks: number;
  /** Tick rate against true time since boot, in ppm (negative: ticks lost). */
  readonly driftPpm: number;
  readonly lastTickNs: number;
  readonly interrupts: number;
  /** Spurious APIC interrupts taken. */
  readonly spurious: number;
  /** timer_list entries waiting on this CPU's tick (what a dead tick strands). */
  readonly pendingTimers: number;
  readonly deepIdleNs: number;
}

/** What the kernel read from the device tree (x86_dtb_parse_smp_config). */
export interface X86DeviceTreeReport {
  readonly file: string;
  /** Local APIC ids of the /cpus nodes, in tree order. */
  readonly apicIds: readonly number[];
  readonly lapicAddress: number;
  readonly ioapics: ReadonlyArray<{ readonly id: number; readonly address: number; readonly gsiBase: number; readonly gsiEnd: number }>;
  /** The `intel,ce4100-hpet` node's address, or null when the tree has none. */
  readonly hpetAddress: number | null;
}

export interface X86Report {
  readonly timeNs: number;
  readonly devicetree: X86DeviceTreeReport;
  readonly jiffies: number;
  readonly jiffiesDriftPpm: number;
  readonly ktimeNs: number;
  readonly clocksource: string;
  readonly broadcastDevice: string | null;
  readonly broadcastTicks: readonly number[];
  readonly cpus: readonly CpuReport[];
  readonly irqs: ReadonlyArray<{ irq: number; handlers: readonly string[]; count: number; unhandled: number; disabled: boolean }>;
  readonly hpet: ReturnType<typeof hpet_report>;
  readonly warnings: readonly string[];
  readonly faults: readonly string[];
  readonly busErrors: number;
}

export class X86Pc {
  readonly machine: Machine;
  readonly apic: ApicBus;
  readonly ioapic: IoApic;
  readonly hpet: Hpet | null;
  /** The tree the board runs: its nodes, labels and file. */
  readonly tree: BoardTree;
  /** The HPET's address (its node's `reg`), or null without one. */
  readonly hpetBase: number | null;
  private readonly wires: PinWires;
  readonly props: Required<Pick<X86PcProps, "cpus" | "HZ" | "driverProfile">> & X86PcProps;
  private booted = false;
  private bootNs = 0;

  constructor(props: X86PcProps = {}) {
    if (props.cpus !== undefined && (!Number.isInteger(props.cpus) || props.cpus < 1 || props.cpus > 8)) throw new RangeError(`x86-pc: cpus must be 1..8, got ${props.cpus}`);
    if (props.tree !== undefined && props.dtsOverlay !== undefined) {
      throw new BoardError("x86-pc: dtsOverlay extends boards/x86-pc.dts; with your own tree, write the statements into it");
    }
    const tree = props.tree ?? builtinBoardTree("x86-pc.dts", props.dtsOverlay);
    if (props.cpus !== undefined) setCpuCount(tree, props.cpus);
    if (props.hpet?.present === false) for (const np of availableCompatible(tree, HPET_COMPATIBLE)) of_detach_node(np);
    this.tree = tree;
    const cpus = x86CpuCount(tree);
    this.props = { ...props, cpus, HZ: props.HZ ?? 1000, driverProfile: props.driverProfile ?? "fixed" };
    const mem = memoryNode(tree);
    if (mem === null) throw new BoardError(`x86-pc: ${tree.file} has no memory node (device_type = "memory")`);
    const ram = regOf(tree, mem);
    const m = new Machine({
      cpus,
      kernel: {
        HZ: this.props.HZ,
        tick_mode: props.tickMode ?? "periodic",
        switches: profileSwitches(this.props.driverProfile, props.switches),
      },
      ram: { base: ram.start, bytes: new Uint8Array(resource_size(ram)) },
      cpuCounterHz: props.tscHz ?? 2_000_000_000,
      irqEntryNs: props.irqEntryNs ?? 500,
    });
    this.machine = m;
    this.apic = new ApicBus({ clock: m.clock, tracer: m.tracer, cpus, currentCpu: () => m.accessCpu, stopsInDeepIdle: props.arat !== true });
    m.bus.map(new Region("lapic", lapicBase(tree), APIC_WINDOW_SIZE, this.apic));
    this.ioapic = new IoApic({ clock: m.clock, tracer: m.tracer, msi: m.bus, activeLowPins: ACTIVE_LOW_PINS });
    m.bus.map(new Region("ioapic", ioapicBase(tree), IOAPIC_WINDOW_SIZE, this.ioapic));
    this.apic.addEoiListener(this.ioapic);
    this.wires = new PinWires(this.ioapic, m);
    const hpetNode = availableCompatible(tree, HPET_COMPATIBLE)[0];
    this.hpetBase = hpetNode === undefined ? null : regOf(tree, hpetNode).start;
    this.hpet = this.hpetBase === null ? null : this.makeHpet(this.hpetBase);
    m.attachCpus(this.apic.lapics, do_IRQ);
    m.onDeepIdle = (cpu, on) => this.apic.lapics[cpu]!.setDeepIdle(on);
  }

  private makeHpet(base: number): Hpet {
    const m = this.machine;
    const h = this.props.hpet ?? {};
    const routeCap = h.routeCap ?? QEMU_INTCAP.q35;
    const hpet = new Hpet(m.clock, m.bus, m.tracer, {
      profile: h.profile ?? "spec",
      timers: h.timers ?? 3,
      periodFs: h.periodFs ?? ICH_PERIOD_FS,
      timerCaps: { routeCap },
    });
    m.bus.map(hpet.region(base));
    hpet.connect(this.wires);
    return hpet;
  }

  /** Boots the kernel (returns at once; the boot's blocking parts run as the clock runs). */
  boot(): this {
    if (this.booted) throw new Error("x86-pc: already booted");
    this.booted = true;
    const m = this.machine;
    const p = this.props;
    this.bootNs = m.clock.now;
    const force = this.hpetBase !== null && p.forceHpetAddress === true;
    m.inKernel(0, () => {
      x86_dtb_parse_smp_config(this.tree.root);
      apic_main_timer(p.apicMainTimer === true);
      setup_local_APIC();
      if (nr_ioapics() > 0) setup_IO_APIC(mpc_ioapic_addr(0));
      // MODEL: forceHpetAddress boots as if the firmware tables left the HPET out (the tree's
      // address is dropped) and a chipset quirk found it at that address.
      hpet_setup({ nohpet: p.nohpet ?? false, ...(force ? { hpet_address: 0 } : {}), force_hpet_address: force ? (this.hpetBase ?? 0) : 0 });
      time_init();
      calibrate_APIC_clock();
      setup_APIC_timer();
    });
    for (let cpu = 1; cpu < p.cpus; cpu++) {
      m.inKernel(cpu, () => {
        setup_local_APIC();
        setup_APIC_timer();
      });
    }
    // Device initcalls run once the CPUs are up and ticking (MODEL: 1 ms after SMP bring-up),
    // by which time the ticks held back by the calibration's disabled interrupts have run.
    const clock = m.clock;
    function* initcalls(): Co<number> {
      yield* sleep(clock, 1_000_000);
      return yield* init_hpet_generic_timer();
    }
    m.inKernel(0, () => kthread_run(initcalls(), "hpet-init", 0));
    return this;
  }

  /** Runs the machine until absolute virtual time `until`. */
  runUntil(until: number): void {
    this.machine.clock.run(until);
  }

  runFor(ns: number): void {
    this.machine.clock.run(this.machine.clock.now + ns);
  }

  /** A CPU that sleeps in deep idle for `idleNs` out of every `periodNs`, from now on. */
  idlePattern(cpu: number, periodNs: number, idleNs: number): void {
    if (!(idleNs > 0 && idleNs < periodNs)) throw new RangeError(`idle pattern: need 0 < idle (${idleNs}) < period (${periodNs})`);
    const clock = this.machine.clock;
    function* loop(): Co {
      for (;;) {
        yield* cpu_idle_deep(idleNs);
        yield* sleep(clock, periodNs - idleNs);
      }
    }
    this.machine.inKernel(cpu, () => kthread_run(loop(), `idle${cpu}`, cpu));
  }

  /** Suspends at `at` and resumes `duration` ns later (timer_suspend / timer_resume). */
  suspendResume(at: number, duration: number): void {
    const m = this.machine;
    m.clock.newTimer("suspend", () => {
      m.faultsHit.push(`${m.clock.now} ns: suspend for ${duration} ns`);
      m.inKernel(0, () => timer_suspend());
      for (let cpu = 0; cpu < this.props.cpus; cpu++) m.cpus[cpu]!.stall(m.clock.now + duration);
    }).mod(at);
    m.clock.newTimer("resume", () => m.inKernel(0, () => timer_resume())).mod(at + duration);
  }

  /** Drops the next rising edge on IOAPIC input `pin` at or after `at` (a lost interrupt). */
  dropInterrupt(pin: number, at: number): void {
    this.filterPin(pin, at, "drop");
  }

  /** Delivers the next rising edge on IOAPIC input `pin` at or after `at` twice. */
  duplicateInterrupt(pin: number, at: number): void {
    this.filterPin(pin, at, "duplicate");
  }

  private filterPin(pin: number, at: number, what: "drop" | "duplicate"): void {
    if (!Number.isInteger(pin) || pin < 0 || pin > 23) throw new RangeError(`x86-pc: no IOAPIC input ${pin}`);
    this.wires.inject(pin, at, what);
  }

  /** Halts the HPET main counter at `at` (as firmware in SMM might). */
  haltHpet(at: number): void {
    const m = this.machine;
    m.clock.newTimer("hpet-halt", () => {
      m.faultsHit.push(`${m.clock.now} ns: HPET counter halted`);
      const base = this.hpetBase ?? HPET_BASE;
      m.bus.write32(base + 0x10, m.bus.read32(base + 0x10) & ~1);
    }).mod(at);
  }

  /** Everything a user reads after a run. */
  report(): X86Report {
    const m = this.machine;
    const now = m.clock.now;
    return m.inKernel(0, () => {
      const tick = TICK_NSEC();
      const ppm = (count: number, since: number) => (now > since ? ((count * tick - (now - since)) / (now - since)) * 1e6 : 0);
      const cpus: CpuReport[] = [];
      for (let cpu = 0; cpu < this.props.cpus; cpu++) {
        const td = per_cpu(tick_cpu_device, cpu);
        cpus.push({
          cpu,
          tickDevice: td.evtdev?.name ?? "none",
          ticks: td.ticks,
          driftPpm: ppm(td.ticks, td.started),
          lastTickNs: td.last_tick,
          interrupts: m.cpus[cpu]!.interrupts,
          spurious: spurious_interrupts(cpu),
          pendingTimers: pending_timers(cpu),
          deepIdleNs: idle_stats(cpu).deep_ns,
        });
      }
      const bc = tick_broadcast_device();
      const hpetNode = availableCompatible(this.tree, HPET_COMPATIBLE)[0];
      return {
        timeNs: now,
        devicetree: {
          file: this.tree.file,
          apicIds: [...dtb_apic_ids()],
          lapicAddress: mp_lapic_addr(),
          ioapics: mp_ioapics().map((io) => ({ id: io.apicid, address: io.apicaddr, gsiBase: io.gsi_base, gsiEnd: io.gsi_end })),
          hpetAddress: hpetNode === undefined ? null : regOf(this.tree, hpetNode).start,
        },
        jiffies: jiffies(),
        jiffiesDriftPpm: ppm(jiffies(), this.bootNs),
        ktimeNs: ktime_get(),
        clocksource: current_clocksource().name,
        broadcastDevice: bc?.name ?? null,
        broadcastTicks: cpus.map((c) => tick_broadcast_delivered(c.cpu)),
        cpus,
        irqs: irq_descs()
          .filter((d) => d.action.length > 0 || d.kstat.some((n) => n > 0))
          .map((d) => ({ irq: d.irq, handlers: d.action.map((a) => a.name), count: d.kstat.reduce((a, b) => a + b, 0), unhandled: d.unhandled_total, disabled: d.depth > 0 })),
        hpet: hpet_report(),
        warnings: [...m.kernel.warnings],
        faults: [...m.faultsHit],
        busErrors: m.bus.errors,
      };
    });
  }

  /** The kernel log, as dmesg prints it. */
  dmesg(): string {
    return dmesg(this.machine.kernel.log);
  }
}

const HPET_COMPATIBLE = "intel,ce4100-hpet";

/** CPUs of the tree: its cpu nodes, whose APIC ids must be 0..N-1 in order (the LAPIC model's numbering). */
function x86CpuCount(tree: BoardTree): number {
  const nodes = for_each_of_cpu_node(tree.root);
  if (nodes.length < 1 || nodes.length > 8) throw new BoardError(`x86-pc: ${tree.file} lists ${nodes.length} CPUs under /cpus; the board runs 1..8`);
  nodes.forEach((np, i) => {
    const id = of_get_cpu_hwid(np, 0);
    if (id !== i) throw new BoardError(`x86-pc: ${nodeName(tree, np)}: reg = <${id === 0xffff_ffff ? "none" : id}>; the local APIC ids must be 0..${nodes.length - 1} in tree order`);
  });
  return nodes.length;
}

/** The local APIC's address: the `intel,ce4100-lapic` node's, APIC_DEFAULT_BASE without one. */
function lapicBase(tree: BoardTree): number {
  const np = availableCompatible(tree, "intel,ce4100-lapic")[0];
  if (np === undefined) return APIC_DEFAULT_BASE;
  const base = regOf(tree, np).start;
  if (base !== APIC_DEFAULT_BASE) {
    throw new BoardError(`x86-pc: ${nodeName(tree, np)}: the local APIC model sits at 0x${APIC_DEFAULT_BASE.toString(16)} (the interrupt-message window), not 0x${base.toString(16)}`);
  }
  return base;
}

/** The address of the one IOAPIC (`intel,ce4100-ioapic`). */
function ioapicBase(tree: BoardTree): number {
  const nodes = availableCompatible(tree, "intel,ce4100-ioapic");
  const np = nodes[0];
  if (np === undefined || nodes.length > 1) throw new BoardError(`x86-pc: ${tree.file} has ${nodes.length} intel,ce4100-ioapic nodes; the board models one IOAPIC`);
  return regOf(tree, np).start;
}

/**
 * The wires from the HPET's outputs to the IOAPIC's inputs, where a lost or doubled interrupt
 * can be injected: the next rising edge on a pin at or after a time is dropped or delivered twice.
 */
class PinWires implements IrqSink {
  private readonly rules: Array<{ pin: number; at: number; what: "drop" | "duplicate" }> = [];

  constructor(
    private readonly target: IrqSink,
    private readonly machine: Machine,
  ) {}

  inject(pin: number, at: number, what: "drop" | "duplicate"): void {
    this.rules.push({ pin, at, what });
  }

  setIrq(pin: number, level: boolean): void {
    const m = this.machine;
    const i = level && this.rules.length !== 0 ? this.rules.findIndex((r) => r.pin === pin && m.clock.now >= r.at) : -1;
    if (i >= 0) {
      const { what } = this.rules.splice(i, 1)[0]!;
      m.faultsHit.push(`${m.clock.now} ns: ${what === "drop" ? "dropped" : "duplicated"} an interrupt on IOAPIC input ${pin}`);
      if (what === "drop") return;
      this.target.setIrq(pin, true);
      this.target.setIrq(pin, false);
    }
    this.target.setIrq(pin, level);
  }
}
