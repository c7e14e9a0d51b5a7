/**
 * Interrupt lines and their handlers (kernel/irq/manage.c, irqdesc.c, handle.c, spurious.c):
 * request_irq / free_irq with shared lines, affinity (including the 2007 `set_pending_irq`,
 * applied at the line's next interrupt), the flow that runs a line's handlers, and the
 * spurious-interrupt detector that disables a line nobody handles.
 */
import { BUG_ON, WARN } from "../../include/linux/bug.js";
import type { cpumask_t } from "../../include/linux/cpumask.js";
import { EBUSY, EINVAL } from "../../include/linux/errno.js";
import { irq_enter, irq_exit } from "../../include/linux/hardirq.js";
import {
  IRQF_SHARED,
  IRQF_TRIGGER_MASK,
  IRQ_NONE,
  NR_IRQS,
  type irq_chip,
  type irq_handler_t,
  type irqreturn_t,
} from "../../include/linux/interrupt.js";
import { kernel, perKernel } from "../instance.js";
import { irqEvents } from "./trace-events.js";
import { printk, KERN_ERR } from "../printk/printk.js";

export interface irqaction {
  readonly handler: irq_handler_t;
  readonly flags: number;
  readonly name: string;
  readonly dev_id: unknown;
}

export interface irq_desc {
  readonly irq: number;
  chip: irq_chip | null;
  action: irqaction[];
  /** Nested disable count; a line disabled for spurious interrupts has depth ≥ 1. */
  depth: number;
  affinity: cpumask_t;
  /** A move requested with set_pending_irq, applied at the next interrupt (IRQ_MOVE_PENDING). */
  pending_mask: cpumask_t | null;
  /** Interrupts handled per CPU (kstat_irqs). */
  readonly kstat: number[];
  /** Spurious detection (note_interrupt): counts within the current window of 100 000. */
  irq_count: number;
  irqs_unhandled: number;
  /** Interrupts no handler claimed, over the line's life. */
  unhandled_total: number;
}

const statics = perKernel(() => ({ descs: new Map<number, irq_desc>() }));

/** irq_to_desc(): the descriptor, created on first use; undefined for an impossible number. */
export function irq_to_desc(irq: number): irq_desc | undefined {
  if (!Number.isInteger(irq) || irq < 0 || irq >= NR_IRQS) return undefined;
  const descs = statics().descs;
  let d = descs.get(irq);
  if (d === undefined) {
    d = {
      irq,
      chip: null,
      action: [],
      depth: 0,
      affinity: (1 << kernel().host.nr_cpu_ids) - 1,
      pending_mask: null,
      kstat: new Array<number>(kernel().host.nr_cpu_ids).fill(0),
      irq_count: 0,
      irqs_unhandled: 0,
      unhandled_total: 0,
    };
    descs.set(irq, d);
  }
  return d;
}

/** Every line that has a descriptor, in number order (for /proc/interrupts-like reports). */
export function irq_descs(): irq_desc[] {
  return [...statics().descs.values()].sort((a, b) => a.irq - b.irq);
}

/** irq_set_chip(): the arch code says which controller serves a line. */
export function irq_set_chip(irq: number, chip: irq_chip): number {
  const d = irq_to_desc(irq);
  if (d === undefined) return -EINVAL;
  d.chip = chip;
  return 0;
}

/**
 * request_irq(): adds `handler` to line `irq`. Sharing needs IRQF_SHARED on every handler and
 * the same trigger type; the first handler starts the line up.
 */
export function request_irq<D>(irq: number, handler: irq_handler_t<D>, flags: number, name: string, dev_id: D): number {
  const desc = irq_to_desc(irq);
  if (desc === undefined || typeof handler !== "function") return -EINVAL;
  if (flags & IRQF_SHARED && (dev_id === null || dev_id === undefined)) return -EINVAL;
  const first = desc.action[0];
  if (first !== undefined) {
    const shareable = first.flags & flags & IRQF_SHARED && (first.flags & IRQF_TRIGGER_MASK) === (flags & IRQF_TRIGGER_MASK);
    if (!shareable) {
      printk(`${KERN_ERR}genirq: Flags mismatch irq ${irq}. ${hex8(flags)} (${name}) vs. ${hex8(first.flags)} (${first.name})`);
      return -EBUSY;
    }
  }
  desc.action.push({ handler: handler as irq_handler_t, flags, name, dev_id });
  if (first === undefined) {
    desc.depth = 0;
    desc.chip?.irq_startup?.(irq);
    desc.chip?.irq_set_affinity?.(irq, desc.affinity);
  }
  return 0;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

/** free_irq(): removes the handler registered with `dev_id`; the last one shuts the line down. */
export function free_irq(irq: number, dev_id: unknown): void {
  const desc = irq_to_desc(irq);
  const i = desc?.action.findIndex((a) => a.dev_id === dev_id) ?? -1;
  if (desc === undefined || i < 0) {
    WARN(true, `Trying to free already-free IRQ ${irq}`);
    return;
  }
  desc.action.splice(i, 1);
  if (desc.action.length === 0) desc.chip?.irq_shutdown?.(irq);
}

/** irq_set_affinity(): routes the line to `mask` now. */
export function irq_set_affinity(irq: number, mask: cpumask_t): number {
  const desc = irq_to_desc(irq);
  if (desc === undefined || mask === 0) return -EINVAL;
  const ret = desc.chip?.irq_set_affinity?.(irq, mask) ?? 0;
  if (ret === 0) desc.affinity = mask;
  return ret;
}

/** set_pending_irq() (2007 API): the line moves to `mask` at its next interrupt. */
export function set_pending_irq(irq: number, mask: cpumask_t): void {
  const desc = irq_to_desc(irq);
  if (desc !== undefined) desc.pending_mask = mask;
}

export function disable_irq_nosync(irq: number): void {
  const desc = irq_to_desc(irq);
  if (desc === undefined) return;
  if (desc.depth++ === 0) desc.chip?.irq_disable?.(irq);
}

export function enable_irq(irq: number): void {
  const desc = irq_to_desc(irq);
  if (desc === undefined) return;
  if (WARN(desc.depth === 0, `Unbalanced enable for IRQ ${irq}`)) return;
  if (--desc.depth === 0) desc.chip?.irq_enable?.(irq);
}

/**
 * generic_handle_irq(): runs every handler of `irq` on the current CPU inside irq_enter/irq_exit
 * and feeds the result to the spurious detector. Returns IRQ_HANDLED if any handler claimed it.
 */
export function generic_handle_irq(irq: number): irqreturn_t {
  const desc = irq_to_desc(irq);
  // The message is built only on the failing path: this runs on every interrupt.
  if (desc === undefined) BUG_ON(true, `generic_handle_irq(${irq}): no such line`);
  const d = desc!;
  const k = kernel();
  d.kstat[k.cpu]!++;
  if (d.pending_mask !== null) {
    // IRQ_MOVE_PENDING: the affinity change takes effect now, while the line is quiet.
    const mask = d.pending_mask;
    d.pending_mask = null;
    irq_set_affinity(irq, mask);
  }
  irq_enter();
  let ret: irqreturn_t = IRQ_NONE;
  const tracer = k.host.tracer;
  try {
    const actions = d.action;
    for (let i = 0; i < actions.length; i++) {
      const a = actions[i]!;
      if (tracer.on) tracer.emit(irqEvents.irq_handler_entry, k.cpu, irq, a.name);
      const r = a.handler(irq, a.dev_id);
      if (tracer.on) tracer.emit(irqEvents.irq_handler_exit, k.cpu, irq, r);
      ret = (ret | r) as irqreturn_t;
    }
  } finally {
    irq_exit();
  }
  note_interrupt(d, ret);
  return ret;
}

/**
 * note_interrupt() (kernel/irq/spurious.c): if 99 900 of 100 000 interrupts on a line went
 * unhandled, report "nobody cared" and disable the line, so an interrupt storm cannot wedge the
 * machine.
 */
function note_interrupt(desc: irq_desc, ret: irqreturn_t): void {
  if (ret === IRQ_NONE) {
    desc.irqs_unhandled++;
    desc.unhandled_total++;
  }
  if (++desc.irq_count < 100_000) return;
  desc.irq_count = 0;
  if (desc.irqs_unhandled > 99_900) {
    printk(`${KERN_ERR}irq ${desc.irq}: nobody cared (try booting with the "irqpoll" option)`);
    printk(`${KERN_ERR}Disabling IRQ #${desc.irq}`);
    disable_irq_nosync(desc.irq);
  }
  desc.irqs_unhandled = 0;
}
