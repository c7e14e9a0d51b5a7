/**
 * The HPET driver of seed 004 ("[PATCH 3/5] RT kernel: HPET as per CPU eventsource", 2007,
 * arch/x86_64/kernel/hpet.c), every function, on the 2007 clockevents API; plus the pieces of
 * 2.6.21 it builds on (hpet_timer_stop_set_go, the HPET clocksource, the legacy channel-0
 * clock event of i386's hpet.c, which the boot uses until the LAPICs take over).
 *
 * Default behaviour fixes each of the seed's defects as mainline did (spec §4); the seed as
 * written is the profile "seed-2007", which turns on one switch per defect:
 *
 * | switch                         | §4 | seed as written                                         | fixed (default)                                   |
 * |--------------------------------|----|---------------------------------------------------------|---------------------------------------------------|
 * | hpet.find-first-bit-4          | 1  | find_first_bit(map, sizeof(unsigned int)) = 4 bits → 4  | searches all 32 bits                              |
 * | hpet.cpu-check-off-by-one      | 2  | `cpu > NR_CPUS`                                         | `cpu >= NR_CPUS`                                  |
 * | hpet.unsigned-irq-check        | 3  | `irq < 0` on an unsigned irq never fires                | signed check                                      |
 * | hpet.error-path-drops-timer    | 4  | num_timers_used = i - 1                                 | num_timers_used = i                               |
 * | hpet.truncated-mult            | 5  | mult = 2^22 / (period / 10^6), shift 22 (+1.219 %)      | mult/shift from the exact frequency, shift 32     |
 * | hpet.no-missed-event-check     | 6  | hpet_next_event always returns 0                        | -ETIME when < HPET_MIN_CYCLES ahead or passed     |
 * | hpet.no-free-irq               | 7  | cleanup leaves the IRQs requested                       | free_irq on the failure path                      |
 * | hpet.percpu-by-cpu-count       | 8  | per-CPU only if num_possible_cpus() <= 2                | per-CPU if every CPU gets a routable timer        |
 * | hpet.software-periodic         | 10 | advertises PERIODIC, re-arms `now + tick` in the IRQ    | one-shot only; the core runs the periodic tick    |
 * | hpet.min-delta-one-jiffy       | 11 | min_delta_ns = delta2ns(hpet_tick): one jiffy           | HPET_MIN_PROG_DELTA = 192 ticks                   |
 * | hpet.cmp-before-cfg            | –  | comparator written while timer 0 is still periodic      | configuration first, then the comparator          |
 *
 * The profile also sets the core's 2007 behaviour: "clockevents.delta2ns-2007" (truncating
 * conversion), "clockevents.min-adjust-2007" (the uncapped retry) and "lapic.unused-rearms".
 * Kept as the seed has it in both: the interrupt self-test that needs a working tick (§4 #9),
 * level-triggered active-low IOAPIC routing of pins 21–23, registration on each CPU through
 * on_each_cpu, and the printk messages, word for word.
 */
import { cpumask_of_cpu, type cpumask_t } from "../../../include/linux/cpumask.js";
import { ENODEV, ETIME } from "../../../include/linux/errno.js";
import { irq_enter, irq_exit } from "../../../include/linux/hardirq.js";
import { IRQF_NOBALANCING, IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, type irqreturn_t } from "../../../include/linux/interrupt.js";
import { local_irq_restore, local_irq_save } from "../../../include/linux/irqflags.js";
import { FSEC_PER_NSEC, FSEC_PER_SEC } from "../../../include/linux/math64.js";
import { io_add, ioremap, readl, writel, type IoMem } from "../../../include/asm/io.js";
import { msleep } from "../../../kernel/time/timer.js";
import type { Co } from "../../../../sim/task.js";
import { free_irq, request_irq, set_pending_irq } from "../../../kernel/irq/manage.js";
import {
  DEFINE_PER_CPU,
  NR_CPUS,
  kernel,
  num_possible_cpus,
  on_each_cpu,
  per_cpu,
  perKernel,
  smp_processor_id,
  switch_on,
  this_cpu_ptr,
} from "../../../kernel/instance.js";
import { printk, KERN_DEBUG } from "../../../kernel/printk/printk.js";
import {
  CLOCK_EVT_FEAT_ONESHOT,
  CLOCK_EVT_FEAT_PERIODIC,
  CLOCK_EVT_MODE_ONESHOT,
  CLOCK_EVT_MODE_PERIODIC,
  CLOCK_EVT_MODE_RESUME,
  CLOCK_EVT_MODE_SHUTDOWN,
  clock_event_device_init,
  clockevent_delta2ns,
  clockevents_calc_mult_shift,
  clockevents_register_device,
  type clock_event_device,
  type clock_event_mode,
} from "../../../kernel/time/clockevents.js";
import { CLOCK_SOURCE_IS_CONTINUOUS, clocksource_register, type clocksource } from "../../../kernel/time/clocksource.js";
import {
  HPET_CFG,
  HPET_CFG_ENABLE,
  HPET_CFG_LEGACY,
  HPET_COUNTER,
  HPET_ID,
  HPET_ID_NUMBER,
  HPET_ID_NUMBER_SHIFT,
  HPET_MMAP_SIZE,
  HPET_PERIOD,
  HPET_STATUS,
  HPET_T0_CFG,
  HPET_T0_CMP,
  HPET_T1_CFG,
  HPET_TN_32BIT,
  HPET_TN_ENABLE,
  HPET_TN_LEVEL,
  HPET_TN_PERIODIC,
  HPET_TN_ROUTE_SHIFT,
  HPET_TN_SETVAL,
  HPET_Tn_CFG,
  HPET_Tn_CMP,
} from "../include/asm/hpet.js";
import { exit_idle } from "./idle.js";
import { io_apic_set_pci_routing } from "./io_apic.js";

/** The switches a "seed-2007" profile turns on (see the table above). */
export const HPET_SEED_2007_SWITCHES: readonly string[] = [
  "hpet.find-first-bit-4",
  "hpet.cpu-check-off-by-one",
  "hpet.unsigned-irq-check",
  "hpet.error-path-drops-timer",
  "hpet.truncated-mult",
  "hpet.no-missed-event-check",
  "hpet.no-free-irq",
  "hpet.percpu-by-cpu-count",
  "hpet.software-periodic",
  "hpet.min-delta-one-jiffy",
  "hpet.cmp-before-cfg",
  "clockevents.delta2ns-2007",
  "clockevents.min-adjust-2007",
  "lapic.unused-rearms",
];

const HPET_SHIFT = 22;
const HPET_MASK = 0xffff_ffff;
/** Mainline's margins (arch/x86/kernel/hpet.c): -ETIME below 128 cycles, programs at least 192. */
const HPET_MIN_CYCLES = 128;
const HPET_MIN_PROG_DELTA = HPET_MIN_CYCLES + (HPET_MIN_CYCLES >> 1);

const HPET_DEV_FLAG_ONESHOT = 0x1;
const HPET_DEV_FLAG_PERIODIC = 0x2;
const HPET_DEV_FLAG_TEST = 0x10;
const HPET_INTERRUPT_TEST_COUNT = 5;
const HPET_PERCPU_EVENT = 1;
const HPET_GLOBAL_EVENT = 2;
/** `unsigned int irq = -1`. */
const UINT_MINUS_ONE = 0xffff_ffff;

/** struct hpet_dev */
export interface hpet_dev {
  num: number;
  cpu: number;
  cpu_mask: cpumask_t;
  irq: number;
  tick: number;
  count: number;
  flags: number;
  name: string;
}

const statics = perKernel(() => ({
  /** Boot parameters and firmware: nohpet, the ACPI address, a PCI-quirk address. */
  nohpet: false,
  hpet_address: 0,
  force_hpet_address: 0,
  hpet_virt_address: null as IoMem | null,
  hpet_period: 0,
  /** HPET ticks in one jiffy. */
  hpet_tick: 0,
  num_timers_used: 0,
  assigned_irqs_map: 0,
  cpu_hpet_irq: new Array<number>(NR_CPUS).fill(UINT_MINUS_ONE),
  cpu_hpet_dev_allocated: false,
  clockevent_hpet: null as clock_event_device | null,
  /** The legacy channel-0 device of the boot (global_clock_event), and whether it still owns channel 0. */
  legacy: null as clock_event_device | null,
  legacy_owns_t0: true,
  /** Outcome of the eventsource init, for reports. */
  selftest: "not run" as "not run" | "passed" | "failed" | "irq allocation failed" | "setup failed",
  percpu_timer: 0,
}));

/** Per-CPU hpet_dev and hpet_events (DEFINE_PER_CPU / alloc_percpu). */
const cpu_hpet_dev = DEFINE_PER_CPU<hpet_dev>(() => ({ num: 0, cpu: 0, cpu_mask: 0, irq: 0, tick: 0, count: 0, flags: 0, name: "" }));
const hpet_events = DEFINE_PER_CPU<{ evt: clock_event_device | null }>(() => ({ evt: null }));

function hpet_readl(a: number): number {
  return readl(io_add(statics().hpet_virt_address!, a));
}

function hpet_writel(d: number, a: number): void {
  writel(d >>> 0, io_add(statics().hpet_virt_address!, a));
}

/* ---------------------------------------------------------------------------------------------
 * Boot configuration (nohpet, hpet_address, force_hpet_address).
 */

export interface hpet_boot_params {
  readonly nohpet?: boolean;
  /** The ACPI HPET table's address; 0 = none; absent: keep what firmware parsing set. */
  readonly hpet_address?: number;
  /** An address the PCI quirks found; 0 = none. */
  readonly force_hpet_address?: number;
}

export function hpet_setup(p: hpet_boot_params): void {
  const s = statics();
  s.nohpet = p.nohpet ?? false;
  if (p.hpet_address !== undefined) s.hpet_address = p.hpet_address;
  s.force_hpet_address = p.force_hpet_address ?? 0;
}

/** `hpet_address = …` (a global in C): what the device tree's dtb_setup_hpet() found. */
export function set_hpet_address(address: number): void {
  statics().hpet_address = address;
}

/** hpet_init()-era mapping: period and hpet_tick from the capability register. */
function hpet_map(): boolean {
  const s = statics();
  s.hpet_virt_address = ioremap(s.hpet_address, HPET_MMAP_SIZE);
  s.hpet_period = hpet_readl(HPET_PERIOD);
  if (s.hpet_period < 100_000 || s.hpet_period > 100_000_000) return false;
  const FSEC_PER_TICK = FSEC_PER_SEC / kernel().config.HZ;
  s.hpet_tick = Math.floor((FSEC_PER_TICK + s.hpet_period / 2) / s.hpet_period);
  return true;
}

/* ---------------------------------------------------------------------------------------------
 * 2.6.21's legacy mode: channel 0 periodic on IRQ 0 (hpet_timer_stop_set_go), and the channel-0
 * clock event device i386's hpet.c registers (rating 50) so the boot CPU ticks before its LAPIC.
 */

function hpet_timer_stop_set_go(tick: number): number {
  let cfg = hpet_readl(HPET_CFG);
  cfg &= ~(HPET_CFG_ENABLE | HPET_CFG_LEGACY);
  hpet_writel(cfg, HPET_CFG);
  hpet_writel(0, HPET_COUNTER);
  hpet_writel(0, HPET_COUNTER + 4);
  if (tick) {
    hpet_writel(HPET_TN_ENABLE | HPET_TN_PERIODIC | HPET_TN_SETVAL | HPET_TN_32BIT, HPET_T0_CFG);
    hpet_writel(statics().hpet_tick, HPET_T0_CMP); // next interrupt
    hpet_writel(statics().hpet_tick, HPET_T0_CMP); // period
    cfg |= HPET_CFG_LEGACY;
  }
  cfg |= HPET_CFG_ENABLE;
  hpet_writel(cfg, HPET_CFG);
  return 0;
}

/*
 * MODEL: 2.6.21 x86-64 had no clock event device on channel 0; its IRQ 0 timer simply stopped
 * when the seed's eventsource took the timers (hpet_timer_stop). The stand-in device does the
 * same: once the seed owns channel 0 it no longer touches it, until free_exit gives it back.
 */
function hpet_legacy_set_mode(mode: clock_event_mode, _evt: clock_event_device): void {
  const s = statics();
  if (!s.legacy_owns_t0) return;
  switch (mode) {
    case CLOCK_EVT_MODE_PERIODIC:
      hpet_timer_stop_set_go(s.hpet_tick);
      return;
    case CLOCK_EVT_MODE_ONESHOT: {
      const cfg = hpet_readl(HPET_T0_CFG) & ~HPET_TN_PERIODIC;
      hpet_writel(cfg | HPET_TN_ENABLE | HPET_TN_32BIT, HPET_T0_CFG);
      hpet_writel(hpet_readl(HPET_CFG) | HPET_CFG_LEGACY | HPET_CFG_ENABLE, HPET_CFG);
      return;
    }
    case CLOCK_EVT_MODE_SHUTDOWN:
    case 0:
      hpet_writel(hpet_readl(HPET_T0_CFG) & ~HPET_TN_ENABLE, HPET_T0_CFG);
      return;
    case CLOCK_EVT_MODE_RESUME:
      hpet_writel(hpet_readl(HPET_CFG) | HPET_CFG_LEGACY, HPET_CFG);
      return;
  }
}

/**
 * 2.6.24's hpet_next_event for channel 0: -ETIME only when the counter is already past. Once the
 * seed owns channel 0 the stand-in is the stopped IRQ 0 timer of 2.6.21 (see
 * hpet_legacy_set_mode): it accepts and never fires, so a CPU relying on it for broadcast loses
 * its tick in deep idle, as it would have with no broadcast device at all.
 */
function hpet_legacy_next_event(delta: number, _evt: clock_event_device): number {
  if (!statics().legacy_owns_t0) return 0;
  const cnt = (hpet_readl(HPET_COUNTER) + delta) >>> 0;
  hpet_writel(cnt, HPET_T0_CMP);
  return ((hpet_readl(HPET_COUNTER) - cnt) | 0) > 0 ? -ETIME : 0;
}

/** Registers channel 0 in legacy mode as the boot CPU's first tick device (hpet_enable). */
export function hpet_enable_legacy_clockevent(): clock_event_device | null {
  const s = statics();
  if (s.legacy !== null) return s.legacy;
  if (s.hpet_virt_address === null) return null;
  const evt = clock_event_device_init({
    name: "hpet",
    features: CLOCK_EVT_FEAT_PERIODIC | CLOCK_EVT_FEAT_ONESHOT,
    set_mode: hpet_legacy_set_mode,
    set_next_event: hpet_legacy_next_event,
    rating: 50,
    irq: 0,
    cpumask: cpumask_of_cpu(0),
  });
  clockevents_calc_mult_shift(evt, Math.floor(FSEC_PER_SEC / s.hpet_period), 149);
  evt.min_delta_ns = clockevent_delta2ns(0x30, evt);
  evt.max_delta_ns = clockevent_delta2ns(0x7fff_ffff, evt);
  s.legacy = evt;
  clockevents_register_device(evt);
  return evt;
}

/** The legacy channel-0 device, the IRQ 0 timer interrupt's target (global_clock_event). */
export function hpet_legacy_event(): clock_event_device | null {
  return statics().legacy;
}

/* ---------------------------------------------------------------------------------------------
 * Clocksource.
 */

function read_hpet(): number {
  return hpet_readl(HPET_COUNTER);
}

/** init_hpet_clocksource(): mult = (period << 22) / 10^6, as the seed's tree computes it. */
function init_hpet_clocksource(): number {
  const s = statics();
  if (!s.hpet_address) return -ENODEV;
  const clocksource_hpet: clocksource = {
    name: "hpet",
    rating: 250,
    read: read_hpet,
    mask: HPET_MASK,
    mult: 0,
    shift: HPET_SHIFT,
    flags: CLOCK_SOURCE_IS_CONTINUOUS,
  };
  clocksource_hpet.mult = Math.floor((s.hpet_period * 2 ** HPET_SHIFT) / FSEC_PER_NSEC);
  return clocksource_register(clocksource_hpet);
}

/* ---------------------------------------------------------------------------------------------
 * Eventsource (the seed).
 */

function hpet_normal_interrupt_test(_irq: number, dev: hpet_dev): irqreturn_t {
  dev.count++;
  if (dev.count < HPET_INTERRUPT_TEST_COUNT) {
    const flags = local_irq_save();
    const readin = hpet_readl(HPET_COUNTER);
    hpet_writel(readin + dev.tick, HPET_Tn_CMP(dev.num));
    local_irq_restore(flags);
  }
  return IRQ_HANDLED;
}

/** find_first_bit(addr, size): the first set bit below `size`, or `size`. */
function find_first_bit(map: number, size: number): number {
  for (let i = 0; i < size; i++) if ((map >>> i) & 1) return i;
  return size;
}

/** hpet_assign_irq(): one IRQ per CPU, from the timer's route capability limited to 21–23. */
function hpet_assign_irq(dev: hpet_dev): number {
  const s = statics();
  let irq = UINT_MINUS_ONE;
  const cpu = dev.cpu;
  let ret = 0;
  dev.irq = UINT_MINUS_ONE;
  if (switch_on("hpet.cpu-check-off-by-one") ? cpu > NR_CPUS : cpu >= NR_CPUS) return -1;
  if (s.cpu_hpet_irq[cpu] === undefined) {
    // cpu == NR_CPUS passed the check: C reads one past cpu_hpet_irq[].
    throw new RangeError(`hpet_assign_irq: cpu_hpet_irq[${cpu}] is past the end of the array (NR_CPUS = ${NR_CPUS})`);
  }
  if (s.cpu_hpet_irq[cpu] === UINT_MINUS_ONE) {
    // TBD in the seed: only IOAPIC sharable interrupts 21..23 ("IRQ 20 seems to have some problem").
    let possible_irqs_map = hpet_readl(HPET_Tn_CFG(dev.num) + 4);
    possible_irqs_map &= 0xe00000;
    const avail_irqs_map = possible_irqs_map & ~s.assigned_irqs_map;
    if (!avail_irqs_map) return -1;
    irq = find_first_bit(avail_irqs_map, switch_on("hpet.find-first-bit-4") ? 4 : 32);
    const irqSigned = irq | 0;
    if (switch_on("hpet.unsigned-irq-check") ? irq > 31 : irqSigned > 31 || irqSigned < 0) return -1;
    s.assigned_irqs_map |= 1 << irq;
    s.cpu_hpet_irq[cpu] = irq;
  }
  dev.irq = s.cpu_hpet_irq[cpu]!;
  if (dev.irq !== UINT_MINUS_ONE) {
    // "BIOS does not list these interrupts in tables. We set the routing here."
    ret = io_apic_set_pci_routing(0, irq, irq, 1, 1);
  }
  return ret;
}

function hpet_setup_cfg(dev: hpet_dev, enable: boolean): void {
  const cfg = HPET_TN_32BIT | HPET_TN_LEVEL | (dev.irq << HPET_TN_ROUTE_SHIFT);
  hpet_writel(enable ? cfg | HPET_TN_ENABLE : cfg, HPET_Tn_CFG(dev.num));
}

/**
 * hpet_setup_timer_on(): request the IRQ, arm the first test interrupt, enable the channel.
 * The seed writes the comparator before the configuration; timer 0 still has TYPE_CNF set from
 * the boot's legacy periodic mode then, and a comparator write to a periodic channel without
 * VAL_SET only changes its increment (§1.8), so its first interrupt comes at the stale
 * comparator and the self-test fails. Fixed: configure (one-shot) first, then write the
 * comparator, as mainline orders set_state_oneshot before set_next_event.
 */
function hpet_setup_timer_on(dev: hpet_dev): number {
  if (dev.num === 0) statics().legacy_owns_t0 = false;
  set_pending_irq(dev.irq, cpumask_of_cpu(dev.cpu));
  if (request_irq(dev.irq, hpet_normal_interrupt, IRQF_SHARED | IRQF_NOBALANCING, dev.name, dev)) return -1;
  const cmp_first = switch_on("hpet.cmp-before-cfg");
  if (!cmp_first) hpet_setup_cfg(dev, true);
  const readin = hpet_readl(HPET_COUNTER);
  hpet_writel(readin + statics().hpet_tick, HPET_Tn_CMP(dev.num));
  if (cmp_first) hpet_setup_cfg(dev, true);
  return 0;
}

function hpet_timer_setup(mode: clock_event_mode, _evt: clock_event_device): void {
  const hdev = this_cpu_ptr(cpu_hpet_dev);
  const flags = local_irq_save();
  hdev.flags &= ~(HPET_DEV_FLAG_ONESHOT | HPET_DEV_FLAG_PERIODIC);
  switch (mode) {
    case CLOCK_EVT_MODE_PERIODIC:
    case CLOCK_EVT_MODE_ONESHOT: {
      hdev.flags |= mode === CLOCK_EVT_MODE_PERIODIC ? HPET_DEV_FLAG_PERIODIC : HPET_DEV_FLAG_ONESHOT;
      let readin = hpet_readl(HPET_COUNTER);
      hpet_writel(readin + hdev.tick, HPET_Tn_CMP(hdev.num));
      readin = hpet_readl(HPET_Tn_CFG(hdev.num));
      hpet_writel(readin | HPET_TN_ENABLE, HPET_Tn_CFG(hdev.num));
      break;
    }
    case CLOCK_EVT_MODE_SHUTDOWN: {
      const readin = hpet_readl(HPET_Tn_CFG(hdev.num));
      hpet_writel(readin & ~HPET_TN_ENABLE, HPET_Tn_CFG(hdev.num));
      break;
    }
    default:
      break;
  }
  local_irq_restore(flags);
}

/**
 * hpet_next_event(): comparator = counter + delta. Fixed: mainline's check that the comparator
 * is at least HPET_MIN_CYCLES ahead of the counter after the write; otherwise the equality
 * comparator would next match only after the 32-bit counter wraps (≈ 300 s at 14.318 MHz).
 */
function hpet_next_event(delta: number, _evt: clock_event_device): number {
  const hdev = this_cpu_ptr(cpu_hpet_dev);
  const flags = local_irq_save();
  let readin = hpet_readl(HPET_COUNTER);
  const cnt = (readin + delta) >>> 0;
  hpet_writel(cnt, HPET_Tn_CMP(hdev.num));
  readin = hpet_readl(HPET_Tn_CFG(hdev.num));
  hpet_writel(readin | HPET_TN_ENABLE, HPET_Tn_CFG(hdev.num));
  hdev.count++;
  const margin = (cnt - hpet_readl(HPET_COUNTER)) | 0;
  local_irq_restore(flags);
  if (switch_on("hpet.no-missed-event-check")) return 0;
  return margin < HPET_MIN_CYCLES ? -ETIME : 0;
}

function hpet_normal_interrupt(irq: number, dev: hpet_dev): irqreturn_t {
  const hevt = this_cpu_ptr(hpet_events).evt;
  const status = hpet_readl(HPET_STATUS);
  if (!(status & (1 << dev.num))) return IRQ_NONE;
  hpet_writel(1 << dev.num, HPET_STATUS);
  if (dev.flags & HPET_DEV_FLAG_TEST) return hpet_normal_interrupt_test(irq, dev);
  dev.count++;
  if (dev.flags & HPET_DEV_FLAG_ONESHOT) {
    const readin = hpet_readl(HPET_Tn_CFG(dev.num));
    hpet_writel(readin & ~HPET_TN_ENABLE, HPET_Tn_CFG(dev.num));
  } else if (dev.flags & HPET_DEV_FLAG_PERIODIC) {
    const readin = hpet_readl(HPET_COUNTER);
    hpet_writel(readin + dev.tick, HPET_Tn_CMP(dev.num));
  }
  if (hevt === null || hevt.event_handler === null) {
    printk(`Spurious HPET timer interrupt on HPET timer ${dev.num}`);
    return IRQ_HANDLED;
  }
  exit_idle();
  irq_enter();
  try {
    hevt.event_handler(hevt);
  } finally {
    irq_exit();
  }
  return IRQ_HANDLED;
}

/** setup_cpu_hpet_timer(): runs on each CPU (or CPU 0) to register its copy of clockevent_hpet. */
function setup_cpu_hpet_timer(param: number): void {
  const template = statics().clockevent_hpet!;
  const hevt: clock_event_device = { ...template };
  if (param === HPET_PERCPU_EVENT) hevt.cpumask = cpumask_of_cpu(smp_processor_id());
  else if (param === HPET_GLOBAL_EVENT) hevt.cpumask = cpumask_of_cpu(0);
  hevt.irq = this_cpu_ptr(cpu_hpet_dev).irq;
  this_cpu_ptr(hpet_events).evt = hevt;
  clockevents_register_device(hevt);
}

/** Timers whose route capability offers one of the pins the seed uses (21–23). */
function routable_timers(num_timers: number): number {
  let n = 0;
  for (let i = 0; i < num_timers; i++) if (hpet_readl(HPET_Tn_CFG(i) + 4) & 0xe00000) n++;
  return n;
}

/** init_hpet_eventsource(): the seed's setup, self-test and registration. A kernel-thread call. */
function* init_hpet_eventsource(): Co<number> {
  const s = statics();
  const id = hpet_readl(HPET_ID);
  const num_timers = ((id & HPET_ID_NUMBER) >>> HPET_ID_NUMBER_SHIFT) + 1; // value read out starts from 0
  const cpus = num_possible_cpus();
  const percpu_ok = switch_on("hpet.percpu-by-cpu-count")
    ? cpus <= 2 && cpus <= num_timers
    : cpus <= Math.min(routable_timers(num_timers), 3);
  let percpu_timer: number;
  if (percpu_ok) {
    percpu_timer = 1;
    s.num_timers_used = cpus;
  } else {
    percpu_timer = 0;
    s.num_timers_used = 1;
  }
  s.percpu_timer = percpu_timer;
  s.cpu_hpet_dev_allocated = true;
  printk(`Dump percpu_timer ${percpu_timer}, num_timers_used ${s.num_timers_used}, num_timers ${num_timers}`);

  const hdev: hpet_dev[] = [];
  for (let i = 0; i < s.num_timers_used; i++) {
    const d = per_cpu(cpu_hpet_dev, i);
    hdev.push(d);
    d.num = i;
    d.cpu = i;
    d.tick = s.hpet_tick;
    d.count = 0;
    d.flags |= HPET_DEV_FLAG_TEST;
    d.name = `hpet${i}`;
    const assigned = hpet_assign_irq(d);
    const irqBad = switch_on("hpet.unsigned-irq-check") ? false : (d.irq | 0) < 0;
    if (assigned || irqBad) {
      printk(`${KERN_DEBUG}HPET IRQ allocation failed`);
      s.selftest = "irq allocation failed";
      return free_exit();
    }
  }

  for (let i = 0; i < s.num_timers_used; i++) {
    if (hpet_setup_timer_on(hdev[i]!)) {
      s.num_timers_used = switch_on("hpet.error-path-drops-timer") ? i - 1 : i;
      s.selftest = "setup failed";
      return free_irq_exit(hdev);
    }
  }

  // Start the timers and test events.
  hpet_writel(hpet_readl(HPET_CFG) | HPET_CFG_ENABLE, HPET_CFG);
  yield* msleep((HPET_INTERRUPT_TEST_COUNT * 2 * 1000) / kernel().config.HZ);
  for (let i = 0; i < s.num_timers_used; i++) hdev[i]!.flags &= ~HPET_DEV_FLAG_TEST;
  for (let i = 0; i < s.num_timers_used; i++) {
    if (hdev[i]!.count < HPET_INTERRUPT_TEST_COUNT) {
      s.selftest = "failed";
      return free_irq_exit(hdev);
    }
  }
  s.selftest = "passed";
  register_hpet_clockevents(percpu_timer);
  return 0;
}

/** The mult/shift/min/max computation and the registration on each CPU or CPU 0. */
function register_hpet_clockevents(percpu_timer: number): void {
  const s = statics();
  const software_periodic = switch_on("hpet.software-periodic");
  const evt = clock_event_device_init({
    name: "hpet",
    features: CLOCK_EVT_FEAT_ONESHOT | (software_periodic ? CLOCK_EVT_FEAT_PERIODIC : 0),
    shift: HPET_SHIFT,
    rating: 110,
    set_mode: hpet_timer_setup,
    set_next_event: hpet_next_event,
    cpumask: 0,
  });
  if (switch_on("hpet.truncated-mult")) {
    // Convert hpet_period to ticks/ns, then the multiplier with HPET_SHIFT.
    const tmp = Math.floor(s.hpet_period / FSEC_PER_NSEC);
    evt.mult = Math.floor(2 ** HPET_SHIFT / tmp);
  } else {
    const freq = Math.floor(FSEC_PER_SEC / s.hpet_period);
    clockevents_calc_mult_shift(evt, freq, Math.max(1, Math.floor(0x7fff_ffff / freq)));
  }
  evt.min_delta_ns = clockevent_delta2ns(switch_on("hpet.min-delta-one-jiffy") ? s.hpet_tick : HPET_MIN_PROG_DELTA, evt);
  evt.max_delta_ns = clockevent_delta2ns(0x7fff_ffff, evt);
  printk(`${KERN_DEBUG}hpet max_delta_ns: ${evt.max_delta_ns}`);
  printk(`${KERN_DEBUG}hpet min_delta_ns: ${evt.min_delta_ns}`);
  printk(`${KERN_DEBUG}hpet mult: ${evt.mult}`);
  s.clockevent_hpet = evt;
  if (percpu_timer) {
    on_each_cpu(setup_cpu_hpet_timer, HPET_PERCPU_EVENT);
  } else {
    // Reduce the rating as the event device is not per CPU.
    evt.rating -= 20;
    setup_cpu_hpet_timer(HPET_GLOBAL_EVENT);
  }
}

/** The cleanup of `free_irq_exit:` then `free_exit:`. */
function free_irq_exit(hdev: readonly hpet_dev[]): number {
  const s = statics();
  hpet_timer_stop();
  if (!switch_on("hpet.no-free-irq")) {
    for (let i = 0; i < s.num_timers_used; i++) free_irq(hdev[i]!.irq, hdev[i]);
  }
  return free_exit();
}

function free_exit(): number {
  const s = statics();
  if (!s.force_hpet_address) {
    // Switch back to legacy mode.
    s.legacy_owns_t0 = true;
    hpet_timer_stop_set_go(s.hpet_tick);
    s.num_timers_used = 2;
  } else {
    s.num_timers_used = 0;
  }
  return -1;
}

/* ---------------------------------------------------------------------------------------------
 * Core init, stop and resume.
 */

function hpet_timer_reset(resume: boolean): number {
  const s = statics();
  let cfg = hpet_readl(HPET_CFG);
  cfg &= ~HPET_CFG_ENABLE;
  hpet_writel(cfg, HPET_CFG);
  hpet_writel(0, HPET_COUNTER);
  hpet_writel(0, HPET_COUNTER + 4);
  if (!resume) {
    cfg = hpet_readl(HPET_CFG);
    cfg &= ~(HPET_CFG_ENABLE | HPET_CFG_LEGACY);
    hpet_writel(cfg, HPET_CFG);
    // Disable HPET timer 0 and 1.
    hpet_writel(~HPET_TN_ENABLE & hpet_readl(HPET_T0_CFG), HPET_T0_CFG);
    hpet_writel(~HPET_TN_ENABLE & hpet_readl(HPET_T1_CFG), HPET_T1_CFG);
    return 0;
  }
  // Set up as many timers as enabled earlier, without enabling them; the timer subsystem
  // restarts them, as they are in one-shot mode.
  if (s.cpu_hpet_dev_allocated) {
    for (let i = 0; i < s.num_timers_used; i++) hpet_setup_cfg(per_cpu(cpu_hpet_dev, i), false);
  }
  cfg |= HPET_CFG_ENABLE;
  hpet_writel(cfg, HPET_CFG);
  return 0;
}

/** Used to halt the timer from time.c. */
export function hpet_timer_stop(): number {
  return hpet_timer_reset(false);
}

/** Used to restart the timer after resume from time.c. */
export function hpet_timer_reenable(): number {
  return hpet_timer_reset(true);
}

/** Maps the HPET for time_init: true when one is present and sane. */
export function hpet_time_init(): boolean {
  const s = statics();
  if (s.nohpet) return false;
  const addr = s.hpet_address || s.force_hpet_address;
  if (!addr) return false;
  s.hpet_address = addr;
  return hpet_map();
}

/** init_hpet_generic_timer(): the seed's entry (a device initcall), run as a kernel thread. */
export function* init_hpet_generic_timer(): Co<number> {
  const s = statics();
  if (s.nohpet) return -ENODEV;
  if (!s.hpet_address) s.hpet_address = s.force_hpet_address;
  else hpet_timer_stop();
  if (!s.hpet_address) return -ENODEV;
  if (s.hpet_virt_address === null && !hpet_map()) return -ENODEV;
  let ret = init_hpet_clocksource();
  if (!ret) printk(`${KERN_DEBUG}Successfully registered HPET clocksource`);
  else printk(`${KERN_DEBUG}HPET clocksource init failed`);
  ret |= yield* init_hpet_eventsource();
  if (!ret) printk(`${KERN_DEBUG}Successfully registered HPET eventsource`);
  else printk(`${KERN_DEBUG}HPET eventsource init failed`);
  if (ret) {
    // 2.6.21: on failure the HPET is left running, for the clocksource at least.
    hpet_writel(hpet_readl(HPET_CFG) | HPET_CFG_ENABLE, HPET_CFG);
  }
  return ret;
}

/** What a report shows of the driver's decisions. */
export function hpet_report(): { selftest: string; percpu: boolean; timers_used: number; irqs: number[]; mult: number; shift: number; min_delta_ns: number; max_delta_ns: number } | null {
  const s = statics();
  const evt = s.clockevent_hpet;
  return {
    selftest: s.selftest,
    percpu: s.percpu_timer === 1,
    timers_used: s.num_timers_used,
    irqs: s.cpu_hpet_irq.filter((i) => i !== UINT_MINUS_ONE),
    mult: evt?.mult ?? 0,
    shift: evt?.shift ?? 0,
    min_delta_ns: evt?.min_delta_ns ?? 0,
    max_delta_ns: evt?.max_delta_ns ?? 0,
  };
}

/** The per-CPU HPET device of `cpu`, once registered. */
export function hpet_event(cpu: number): clock_event_device | null {
  return per_cpu(hpet_events, cpu).evt;
}
