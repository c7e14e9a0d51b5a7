/**
 * The MediaTek GCE mailbox controller ("mtk_cmdq"): one mailbox channel per GCE hardware thread;
 * a packet sent on a channel runs on that thread.
 *
 * Seed era: patch 3/4 of the seed's series (v17, 2016–2017; the split controller of seed-era
 * copies, ../shared/spec/cmdq-gce.md §2), drivers/mailbox/mtk-cmdq-mailbox.c: the controller maps
 * each packet at send time; an idle thread is reset and started on the packet; a running thread
 * is suspended and the previous packet's final JUMP is patched to jump to the new one (or the PC
 * is moved straight to it when the thread already sits at or on its end); the interrupt handler
 * walks the thread's task list in submit order and completes every task the PC has left behind;
 * a per-thread 1000 ms timer fails whatever is still pending (a WFE on an event that never
 * comes); `atomic_exec` threads (seed binding cell) run appended packets without waiting again.
 * Mainline's later behaviour (priority register, flush, shutdown cleanup, rx_callback status)
 * is here too, as spec §2.4–§2.8 describe it.
 *
 * Seed defects (spec §6) and switches (KernelConfig.switches):
 * - #7 the task allocation in send_data was unchecked (an oops under memory pressure). Fixed as
 *   mainline: send_data returns -ENOMEM and the framework keeps the packet queued.
 * - #9 the 1000 ms per-thread timer is the seed's and is on by default; "cmdq.no-thread-timeout"
 *   removes it, as mainline 5.11+ (clients detect stuck packets themselves).
 * - #13 the seed exposed CMDQ_THR_MAX_COUNT = 4 threads, a fixed 0xffff IRQ mask and no
 *   priority. Default: mainline's thread_nr (16 on mt8173), GENMASK(thread_nr - 1, 0) and the
 *   PRIORITY register written from the DT cell; "cmdq.seed-threads" restores the seed's.
 * - #17 the seed's shutdown was empty: freeing a channel left its packets running and their
 *   callbacks pending. Default: mainline's (finished tasks succeed, the rest are aborted with
 *   -ECONNABORTED, the thread is disabled); "cmdq.seed-empty-shutdown" restores the seed's.
 * - #15 the seed's system suspend forced every busy thread's timer to expire (failing running
 *   packets); default: mainline's warning only; "cmdq.seed-suspend-timeout" restores it.
 * - binding: two `mboxes` cells are <thread atomic_exec> in the seed era and <thread priority>
 *   since 5.7; default 5.7+, "cmdq.seed-xlate" reads the seed's. Three cells are 4.19's
 *   <thread priority atomic_exec>.
 *
 * Completion reaches a client two ways: the seed's `pkt->cb.cb(struct cmdq_cb_data { err, data })`
 * and mainline's rx_callback (`mbox_chan_received_data` with `{ sta, pkt }`); statuses are 0,
 * -ENOEXEC (error IRQ), -ECONNABORTED (flush/shutdown) and, vplat's choice for the seed's
 * timeout, -ETIMEDOUT.
 *
 * Per-SoC data comes from the match table as mainline's: mt8173 (16 threads), mt8183 (24) and
 * mt8195 (24 threads, PC/END/JUMP addresses shifted right by 3, two GCE instances). Each GCE
 * node is its own controller; the clients' `mboxes` phandle picks one.
 *
 * Not modelled: clocks (`clk_enable` per busy thread; the GCE is always clocked, so mt8195's
 * collection of both GCEs' clocks through the `gce0`/`gce1` aliases and control_by_sw's GCTL
 * writes have nothing to do), runtime PM, the buffer-dump workqueue (the dump is printed inline).
 */
import { WARN, WARN_ON } from "../../include/linux/bug.js";
import { dev_err, dev_warn, type device } from "../../include/linux/device.js";
import { ERR_PTR, type ErrPtr } from "../../include/linux/err.js";
import { ECONNABORTED, EFAULT, EINVAL, ENOEXEC, ENOMEM, ETIMEDOUT } from "../../include/linux/errno.js";
import { IRQF_SHARED, IRQ_HANDLED, IRQ_NONE, type irqreturn_t } from "../../include/linux/interrupt.js";
import { local_irq_restore, local_irq_save } from "../../include/linux/irqflags.js";
import { ndelay } from "../../include/linux/delay.js";
import type { mbox_chan, mbox_chan_ops, mbox_controller } from "../../include/linux/mailbox_controller.js";
import { IORESOURCE_MEM, resource_size, type of_phandle_args } from "../../include/linux/of.js";
import {
  of_device_get_match_data,
  platform_get_irq,
  platform_get_resource,
  platform_set_drvdata,
  type of_device_id,
  type platform_device,
  type platform_driver,
} from "../../include/linux/platform_device.js";
import {
  CMDQ_CODE_JUMP,
  CMDQ_CODE_MASK,
  CMDQ_CODE_WFE,
  CMDQ_CODE_WRITE,
  CMDQ_CODE_EOC,
  CMDQ_INST_SIZE,
  CMDQ_JUMP_PASS,
  CMDQ_OP_CODE_SHIFT,
  CMDQ_SUBSYS_SHIFT,
  CMDQ_WFE_UPDATE,
  CMDQ_WFE_WAIT,
  CMDQ_WFE_WAIT_VALUE,
  SIZEOF_CMDQ_TASK,
  type cmdq_cb_data,
  type cmdq_pkt,
} from "../../include/linux/soc/mediatek/mtk-cmdq.js";
import { io_add, ioremap, readl, writel, type IoMem } from "../../include/asm/io.js";
import { kernel, switch_on } from "../../kernel/instance.js";
import { request_irq } from "../../kernel/irq/manage.js";
import { ktime_get } from "../../kernel/time/clocksource.js";
import { jiffies, mod_timer, msecs_to_jiffies, timer_setup, type timer_list } from "../../kernel/time/timer.js";
import { DMA_TO_DEVICE, GFP_ATOMIC, dma_map_single, dma_sync_single_for_cpu, dma_sync_single_for_device, dma_unmap_single, kfree, kmalloc, type KBuffer } from "../../mm/slab.js";
import { mbox_chan_init, mbox_chan_received_data, mbox_controller_init, mbox_controller_register } from "./mailbox.js";

/** Every switch that restores seed-era CMDQ behaviour (the boards' "seed" driver profile). */
export const CMDQ_SEED_SWITCHES: readonly string[] = Object.freeze([
  "cmdq.seed-threads",
  "cmdq.seed-xlate",
  "cmdq.seed-empty-shutdown",
  "cmdq.seed-suspend-timeout",
  "cmdq.seed-ignore-send-error",
]);

/** Seed: "main, sub, general(misc)" + one (2017 split version). */
const CMDQ_THR_MAX_COUNT = 4;
const CMDQ_TIMEOUT_MS = 1000;
/** Seed: fixed mask for the 16 hardware threads of mt8173. */
const CMDQ_IRQ_MASK = 0xffff;

export const CMDQ_CURR_IRQ_STATUS = 0x10;
export const CMDQ_THR_SLOT_CYCLES = 0x30;
export const CMDQ_THR_BASE = 0x100;
export const CMDQ_THR_SIZE = 0x80;
export const CMDQ_THR_WARM_RESET = 0x00;
export const CMDQ_THR_ENABLE_TASK = 0x04;
export const CMDQ_THR_SUSPEND_TASK = 0x08;
export const CMDQ_THR_CURR_STATUS = 0x0c;
export const CMDQ_THR_IRQ_STATUS = 0x10;
export const CMDQ_THR_IRQ_ENABLE = 0x14;
export const CMDQ_THR_CURR_ADDR = 0x20;
export const CMDQ_THR_END_ADDR = 0x24;
export const CMDQ_THR_WAIT_TOKEN = 0x30;
export const CMDQ_THR_PRIORITY = 0x40;

const CMDQ_THR_ACTIVE_SLOT_CYCLES = 0x3200;
const CMDQ_THR_ENABLED = 0x1;
const CMDQ_THR_DISABLED = 0x0;
const CMDQ_THR_SUSPEND = 0x1;
const CMDQ_THR_RESUME = 0x0;
const CMDQ_THR_STATUS_SUSPENDED = 1 << 1;
const CMDQ_THR_DO_WARM_RESET = 1 << 0;
const CMDQ_THR_IRQ_DONE = 0x1;
const CMDQ_THR_IRQ_ERROR = 0x12;
const CMDQ_THR_IRQ_EN = CMDQ_THR_IRQ_ERROR | CMDQ_THR_IRQ_DONE;
const CMDQ_THR_IS_WAITING = 0x8000_0000;

/** High words of the chaining JUMPs: op << 24 | mode (0 by offset, 1 absolute). */
const CMDQ_JUMP_BY_OFFSET = 0x1000_0000;
const CMDQ_JUMP_BY_PA = 0x1000_0001;

/** struct gce_plat (mainline per-SoC data). */
export interface gce_plat {
  readonly thread_nr: number;
  readonly shift: number;
  /** GCTL_VALUE toggled by software in runtime PM (not modelled: the GCE is always clocked). */
  readonly control_by_sw: boolean;
  /** GCE instances whose clocks the driver collects through the `gce0`/`gce1` aliases (not modelled). */
  readonly gce_num: number;
}

// Mainline drivers/mailbox/mtk-cmdq-mailbox.c (gce_plat_mt8173, _mt8183, _mt8195; spec §2.2).
const gce_plat_mt8173: gce_plat = Object.freeze({ thread_nr: 16, shift: 0, control_by_sw: false, gce_num: 1 });
const gce_plat_mt8183: gce_plat = Object.freeze({ thread_nr: 24, shift: 0, control_by_sw: false, gce_num: 1 });
const gce_plat_mt8195: gce_plat = Object.freeze({ thread_nr: 24, shift: 3, control_by_sw: true, gce_num: 2 });

/** vplat accounting (not in the C): what one thread's packets did, for reports. */
export interface cmdq_thread_stats {
  submitted: number;
  /** Completed with status 0. */
  done: number;
  /** Completed by an error interrupt (-ENOEXEC). */
  errors: number;
  /** Failed by the thread timer. */
  timeouts: number;
  /** Aborted by flush or shutdown (-ECONNABORTED). */
  aborted: number;
  /** Times the thread timer fired with work left ("timeout" printed). */
  timeout_events: number;
  /** Appends to a running thread: by patching the previous JUMP, or by moving the PC. */
  appended_jump: number;
  appended_direct: number;
  /** Instructions of the packets completed with status 0, by op code (index = op). */
  readonly ops: Uint32Array;
  /** Submit-to-completion time of successful packets (ns of virtual time). */
  latency_total: number;
  latency_max: number;
}

/** struct cmdq_thread. */
export interface cmdq_thread {
  chan: mbox_chan | null;
  readonly base: IoMem;
  readonly task_busy_list: cmdq_task[];
  readonly timeout: timer_list;
  atomic_exec: boolean;
  priority: number;
  readonly idx: number;
  readonly stats: cmdq_thread_stats;
}

/** struct cmdq_task. */
export interface cmdq_task {
  readonly cmdq: cmdq;
  readonly pa_base: number;
  readonly thread: cmdq_thread;
  readonly pkt: cmdq_pkt;
  /** kmalloc(sizeof(*task), GFP_ATOMIC). */
  readonly kmem: KBuffer;
  /** When it was sent, on the virtual clock printk stamps with (vplat accounting). */
  readonly submitted: number;
}

/** struct cmdq. */
export interface cmdq {
  readonly mbox: mbox_controller;
  readonly base: IoMem;
  readonly irq: number;
  readonly irq_mask: number;
  readonly pdata: gce_plat;
  readonly thread: cmdq_thread[];
  suspended: boolean;
}

function thread_stats_init(): cmdq_thread_stats {
  return {
    submitted: 0,
    done: 0,
    errors: 0,
    timeouts: 0,
    aborted: 0,
    timeout_events: 0,
    appended_jump: 0,
    appended_direct: 0,
    ops: new Uint32Array(256),
    latency_total: 0,
    latency_max: 0,
  };
}

function cmdq_of(chan: mbox_chan): cmdq {
  return chan.mbox.dev!.driver_data as cmdq;
}

function thread_reg(thread: cmdq_thread, reg: number): IoMem {
  return io_add(thread.base, reg);
}

/**
 * readl_poll_timeout_atomic(addr, val, cond, delay_us, timeout_us) (include/linux/iopoll.h):
 * busy-reads until `cond(val)` or the timeout; 0 or -ETIMEDOUT. MODEL: a zero delay spins in
 * 100 ns steps of virtual time (frozen time would never reach the timeout otherwise).
 */
function readl_poll_timeout_atomic(addr: IoMem, cond: (val: number) => boolean, delay_us: number, timeout_us: number): number {
  if (cond(readl(addr))) return 0;
  // The deadline is taken at the first miss: time is frozen until the loop delays, so it is the same.
  const deadline = ktime_get() + timeout_us * 1000;
  for (;;) {
    ndelay(delay_us === 0 ? 100 : delay_us * 1000);
    if (cond(readl(addr))) return 0;
    if (ktime_get() > deadline) return cond(readl(addr)) ? 0 : -ETIMEDOUT;
  }
}

function cmdq_thread_suspend(cmdq: cmdq, thread: cmdq_thread): number {
  writel(CMDQ_THR_SUSPEND, thread_reg(thread, CMDQ_THR_SUSPEND_TASK));
  // If already disabled, treat as suspended successful.
  if (!(readl(thread_reg(thread, CMDQ_THR_ENABLE_TASK)) & CMDQ_THR_ENABLED)) return 0;
  if (readl_poll_timeout_atomic(thread_reg(thread, CMDQ_THR_CURR_STATUS), (s) => (s & CMDQ_THR_STATUS_SUSPENDED) !== 0, 0, 10) !== 0) {
    dev_err(cmdq.mbox.dev, `suspend GCE thread 0x${(thread.base - cmdq.base).toString(16)} failed`);
    return -EFAULT;
  }
  return 0;
}

function cmdq_thread_resume(thread: cmdq_thread): void {
  writel(CMDQ_THR_RESUME, thread_reg(thread, CMDQ_THR_SUSPEND_TASK));
}

function cmdq_thread_reset(cmdq: cmdq, thread: cmdq_thread): number {
  writel(CMDQ_THR_DO_WARM_RESET, thread_reg(thread, CMDQ_THR_WARM_RESET));
  if (readl_poll_timeout_atomic(thread_reg(thread, CMDQ_THR_WARM_RESET), (v) => (v & CMDQ_THR_DO_WARM_RESET) === 0, 0, 10) !== 0) {
    dev_err(cmdq.mbox.dev, `reset GCE thread 0x${(thread.base - cmdq.base).toString(16)} failed`);
    return -EFAULT;
  }
  // Seed: slot cycles on every reset (mainline writes them once in cmdq_init).
  writel(CMDQ_THR_ACTIVE_SLOT_CYCLES, io_add(cmdq.base, CMDQ_THR_SLOT_CYCLES));
  return 0;
}

function cmdq_thread_disable(cmdq: cmdq, thread: cmdq_thread): void {
  cmdq_thread_reset(cmdq, thread);
  writel(CMDQ_THR_DISABLED, thread_reg(thread, CMDQ_THR_ENABLE_TASK));
}

/** Notify GCE to re-fetch commands by setting the GCE thread PC. */
function cmdq_thread_invalidate_fetched_data(thread: cmdq_thread): void {
  writel(readl(thread_reg(thread, CMDQ_THR_CURR_ADDR)), thread_reg(thread, CMDQ_THR_CURR_ADDR));
}

/** Instructions in a packet (CMDQ_NUM_CMD). */
function CMDQ_NUM_CMD(pkt: cmdq_pkt): number {
  return Math.floor(pkt.cmd_buf_size / CMDQ_INST_SIZE);
}

function pkt_word(pkt: cmdq_pkt, i: number): { lo: number; hi: number } {
  const view = pkt.va_base!.view;
  return { lo: view.getUint32(i * 8, true), hi: view.getUint32(i * 8 + 4, true) };
}

function set_pkt_word(pkt: cmdq_pkt, i: number, hi: number, lo: number): void {
  const view = pkt.va_base!.view;
  view.setUint32(i * 8, lo >>> 0, true);
  view.setUint32(i * 8 + 4, hi >>> 0, true);
}

/** Let the previous task jump to this task: its final JUMP becomes JUMP_BY_PA to `task`. */
function cmdq_task_insert_into_thread(task: cmdq_task): void {
  const thread = task.thread;
  const prev_task = thread.task_busy_list[thread.task_busy_list.length - 1]!;
  dma_sync_single_for_cpu(prev_task.pa_base, prev_task.pkt.cmd_buf_size, DMA_TO_DEVICE);
  set_pkt_word(prev_task.pkt, CMDQ_NUM_CMD(prev_task.pkt) - 1, CMDQ_JUMP_BY_PA, task.pa_base >>> task.cmdq.pdata.shift);
  dma_sync_single_for_device(prev_task.pa_base, prev_task.pkt.cmd_buf_size, DMA_TO_DEVICE);
  cmdq_thread_invalidate_fetched_data(thread);
}

/** A "wait and clear" WFE (UPDATE | WAIT | WAIT_VALUE), whatever the event. */
function cmdq_command_is_wfe(lo: number, hi: number): boolean {
  return hi >>> CMDQ_OP_CODE_SHIFT === CMDQ_CODE_WFE && lo >>> 0 === (CMDQ_WFE_UPDATE | CMDQ_WFE_WAIT | CMDQ_WFE_WAIT_VALUE) >>> 0;
}

/**
 * atomic_exec: tasks on one display thread are assumed to wait for the same event, so an
 * appended task's waits become no-op jumps ("only wait event at first task").
 */
function cmdq_task_remove_wfe(task: cmdq_task): void {
  dma_sync_single_for_cpu(task.pa_base, task.pkt.cmd_buf_size, DMA_TO_DEVICE);
  for (let i = 0; i < CMDQ_NUM_CMD(task.pkt); i++) {
    const { lo, hi } = pkt_word(task.pkt, i);
    if (cmdq_command_is_wfe(lo, hi)) set_pkt_word(task.pkt, i, CMDQ_JUMP_BY_OFFSET, CMDQ_JUMP_PASS);
  }
  dma_sync_single_for_device(task.pa_base, task.pkt.cmd_buf_size, DMA_TO_DEVICE);
}

function cmdq_thread_is_in_wfe(thread: cmdq_thread): boolean {
  return (readl(thread_reg(thread, CMDQ_THR_WAIT_TOKEN)) & CMDQ_THR_IS_WAITING) !== 0;
}

function cmdq_thread_wait_end(thread: cmdq_thread, end_pa: number): void {
  if (readl_poll_timeout_atomic(thread_reg(thread, CMDQ_THR_CURR_ADDR), (curr) => curr === end_pa, 1, 20) !== 0) {
    dev_err(thread.chan!.mbox.dev, "GCE thread cannot run to end.");
  }
}

function timer_enabled(): boolean {
  return !switch_on("cmdq.no-thread-timeout");
}

/** cmdq_task_exec(): starts `pkt` on an idle thread or appends it to a running one. */
function cmdq_task_exec(pkt: cmdq_pkt, thread: cmdq_thread): number {
  const cmdq = cmdq_of(thread.chan!);
  // Client should not flush new tasks if suspended.
  WARN_ON(cmdq.suspended, "cmdq_task_exec: flush while suspended");
  if (pkt.va_base === null) return -EINVAL;
  const kmem = kmalloc(SIZEOF_CMDQ_TASK, GFP_ATOMIC);
  // Seed: kzalloc result unchecked (NULL dereference). Mainline returns -ENOMEM; the framework keeps the packet queued.
  if (kmem === null) return -ENOMEM;
  const task: cmdq_task = {
    cmdq,
    pa_base: dma_map_single(pkt.va_base, pkt.cmd_buf_size, DMA_TO_DEVICE),
    thread,
    pkt,
    kmem,
    submitted: kernel().host.clock.now,
  };
  const shift = cmdq.pdata.shift;
  thread.stats.submitted++;

  if (thread.task_busy_list.length === 0) {
    WARN_ON(cmdq_thread_reset(cmdq, thread) < 0, "cmdq_thread_reset");
    writel(task.pa_base >>> shift, thread_reg(thread, CMDQ_THR_CURR_ADDR));
    writel((task.pa_base + pkt.cmd_buf_size) >>> shift, thread_reg(thread, CMDQ_THR_END_ADDR));
    // 4.19+: the priority from the DT cell (the seed had none).
    if (!switch_on("cmdq.seed-threads")) writel(thread.priority, thread_reg(thread, CMDQ_THR_PRIORITY));
    writel(CMDQ_THR_IRQ_EN, thread_reg(thread, CMDQ_THR_IRQ_ENABLE));
    writel(CMDQ_THR_ENABLED, thread_reg(thread, CMDQ_THR_ENABLE_TASK));
    if (timer_enabled()) mod_timer(thread.timeout, jiffies() + msecs_to_jiffies(CMDQ_TIMEOUT_MS));
  } else {
    WARN_ON(cmdq_thread_suspend(cmdq, thread) < 0, "cmdq_thread_suspend");
    const curr_pa = readl(thread_reg(thread, CMDQ_THR_CURR_ADDR)) * 2 ** shift;
    const end_pa = readl(thread_reg(thread, CMDQ_THR_END_ADDR)) * 2 ** shift;
    if (thread.atomic_exec) {
      // Atomic execution: only wait for the event in the first task and never pause a running one.
      if (!cmdq_thread_is_in_wfe(thread)) {
        // GCE is executing if the command is not WFE: let it run to the end, then start this task.
        cmdq_thread_resume(thread);
        cmdq_thread_wait_end(thread, end_pa >>> shift);
        WARN_ON(cmdq_thread_suspend(cmdq, thread) < 0, "cmdq_thread_suspend");
        writel(task.pa_base >>> shift, thread_reg(thread, CMDQ_THR_CURR_ADDR));
        thread.stats.appended_direct++;
      } else {
        cmdq_task_insert_into_thread(task);
        cmdq_task_remove_wfe(task);
        thread.stats.appended_jump++;
      }
    } else if (curr_pa === end_pa - CMDQ_INST_SIZE || curr_pa === end_pa) {
      // Check boundary: the PC is on the last packet's final JUMP or at its end: set it to this task directly.
      writel(task.pa_base >>> shift, thread_reg(thread, CMDQ_THR_CURR_ADDR));
      thread.stats.appended_direct++;
    } else {
      cmdq_task_insert_into_thread(task);
      thread.stats.appended_jump++;
    }
    writel((task.pa_base + pkt.cmd_buf_size) >>> shift, thread_reg(thread, CMDQ_THR_END_ADDR));
    cmdq_thread_resume(thread);
  }
  thread.task_busy_list.push(task);
  return 0;
}

/** Accounts a finished task (vplat statistics). */
function account(task: cmdq_task, sta: number, timeout: boolean): void {
  const s = task.thread.stats;
  if (sta === 0) {
    s.done++;
    const lat = kernel().host.clock.now - task.submitted;
    s.latency_total += lat;
    if (lat > s.latency_max) s.latency_max = lat;
    const n = CMDQ_NUM_CMD(task.pkt);
    const view = task.pkt.va_base!.view;
    for (let i = 0; i < n; i++) s.ops[view.getUint32(i * 8 + 4, true) >>> CMDQ_OP_CODE_SHIFT]!++;
  } else if (timeout) s.timeouts++;
  else if (sta === -ECONNABORTED) s.aborted++;
  else s.errors++;
}

/**
 * cmdq_task_exec_done(): unmaps the packet, reports `sta` to the client (the seed's packet
 * callback with err = sta ≠ 0, and mainline's rx_callback) and unlinks the task.
 */
function cmdq_task_exec_done(task: cmdq_task, sta: number, timeout = false): void {
  account(task, sta, timeout);
  dma_unmap_single(task.pa_base, task.pkt.cmd_buf_size, DMA_TO_DEVICE);
  const list = task.thread.task_busy_list;
  const i = list.indexOf(task);
  if (i >= 0) list.splice(i, 1);
  const pkt = task.pkt;
  const cb = pkt.cb.cb;
  const data: cmdq_cb_data = { err: sta !== 0, data: pkt.cb.data, sta, pkt };
  if (cb !== null) cb(data);
  const chan = task.thread.chan;
  if (chan !== null) mbox_chan_received_data(chan, data);
}

const CODE_NAMES: Readonly<Record<number, string>> = { [CMDQ_CODE_JUMP]: "jump", [CMDQ_CODE_EOC]: "eoc" };

/** The seed's buffer dump (cmdq_buf_dump_work), printed at once: one line per instruction. */
function cmdq_buf_dump(task: cmdq_task, timeout: boolean, pa_curr: number): void {
  const dev = task.cmdq.mbox.dev;
  const what = timeout ? "timeout" : "error";
  dev_err(dev, `dump ${what} task start ----------`);
  dev_err(dev, `pa_curr - pa_base = 0x${(pa_curr - task.pa_base).toString(16)}`);
  for (let i = 0; i < CMDQ_NUM_CMD(task.pkt); i++) {
    const { lo, hi } = pkt_word(task.pkt, i);
    const off = `0x${(i * 8).toString(16).padStart(8, "0")}`;
    const cmd = `0x${hi.toString(16).padStart(8, "0")}${lo.toString(16).padStart(8, "0")}`;
    const op = hi >>> CMDQ_OP_CODE_SHIFT;
    switch (op) {
      case CMDQ_CODE_WRITE: {
        const subsys = (hi >>> CMDQ_SUBSYS_SHIFT) & 0x1f;
        dev_err(dev, `${off} ${cmd} write register subsys ${subsys} offset 0x${(hi & 0xffff).toString(16)} with value 0x${lo.toString(16).padStart(8, "0")}`);
        break;
      }
      case CMDQ_CODE_WFE:
        dev_err(dev, `${off} ${cmd} ${cmdq_command_is_wfe(lo, hi) ? "wait for" : "clear"} event ${hi & 0x1ff}`);
        break;
      case CMDQ_CODE_MASK:
        dev_err(dev, `${off} ${cmd} mask 0x${(~lo >>> 0).toString(16).padStart(8, "0")}`);
        break;
      default:
        dev_err(dev, `${off} ${cmd} ${CODE_NAMES[op] ?? "unknown"}`);
    }
  }
  dev_err(dev, `dump ${what} task end   ----------`);
}

function cmdq_task_handle_error(task: cmdq_task, pa_curr: number): void {
  const thread = task.thread;
  dev_err(task.cmdq.mbox.dev, `task 0x${task.pa_base.toString(16)} error`);
  cmdq_buf_dump(task, false, pa_curr);
  WARN_ON(cmdq_thread_suspend(task.cmdq, thread) < 0, "cmdq_thread_suspend");
  const next_task = thread.task_busy_list[0];
  if (next_task !== undefined) writel(next_task.pa_base >>> task.cmdq.pdata.shift, thread_reg(thread, CMDQ_THR_CURR_ADDR));
  cmdq_thread_resume(thread);
}

/** cmdq_thread_irq_handler(): completes the tasks the PC has passed; called with the channel lock. */
function cmdq_thread_irq_handler(cmdq: cmdq, thread: cmdq_thread): void {
  const irq_flag = readl(thread_reg(thread, CMDQ_THR_IRQ_STATUS));
  writel(~irq_flag >>> 0, thread_reg(thread, CMDQ_THR_IRQ_STATUS));
  // Another CPU may have released (reset / disabled) this thread before we took the lock.
  if (!(readl(thread_reg(thread, CMDQ_THR_ENABLE_TASK)) & CMDQ_THR_ENABLED)) return;
  let err: boolean;
  if (irq_flag & CMDQ_THR_IRQ_ERROR) err = true;
  else if (irq_flag & CMDQ_THR_IRQ_DONE) err = false;
  else return;

  const curr_pa = readl(thread_reg(thread, CMDQ_THR_CURR_ADDR)) * 2 ** cmdq.pdata.shift;
  let curr_task: cmdq_task | null = null;
  // list_for_each_entry_safe: a snapshot, so completions may unlink (and callbacks submit) freely.
  for (const task of [...thread.task_busy_list]) {
    const task_end_pa = task.pa_base + task.pkt.cmd_buf_size;
    if (curr_pa >= task.pa_base && curr_pa < task_end_pa) curr_task = task;
    if (curr_task === null || curr_pa === task_end_pa - CMDQ_INST_SIZE) {
      cmdq_task_exec_done(task, 0);
      kfree(task.kmem);
    } else if (err) {
      cmdq_task_exec_done(task, -ENOEXEC);
      cmdq_task_handle_error(curr_task, curr_pa);
      kfree(task.kmem);
    }
    if (curr_task !== null) break;
  }

  if (thread.task_busy_list.length === 0) cmdq_thread_disable(cmdq, thread);
  else if (timer_enabled()) mod_timer(thread.timeout, jiffies() + msecs_to_jiffies(CMDQ_TIMEOUT_MS));
}

/** cmdq_irq_handler(): the GCE interrupt ("mtk_cmdq", shared): every thread whose bit is clear. */
function cmdq_irq_handler(_irq: number, cmdq: cmdq): irqreturn_t {
  // CURR_IRQ_STATUS is active-low: a 0 bit is a thread with an interrupt pending.
  const irq_status = readl(io_add(cmdq.base, CMDQ_CURR_IRQ_STATUS)) & cmdq.irq_mask;
  if (!((irq_status ^ cmdq.irq_mask) >>> 0)) return IRQ_NONE;
  for (let bit = 0; bit < 32; bit++) {
    if (!((cmdq.irq_mask >>> bit) & 1) || (irq_status >>> bit) & 1) continue;
    const thread = cmdq.thread[bit];
    // Seed: with 4 threads and a 0xffff mask, bits 4..15 indexed past cmdq->thread[].
    if (thread === undefined) {
      WARN(true, `cmdq: interrupt of GCE thread ${bit}, which the driver does not own`);
      continue;
    }
    const flags = local_irq_save();
    try {
      cmdq_thread_irq_handler(cmdq, thread);
    } finally {
      local_irq_restore(flags);
    }
  }
  return IRQ_HANDLED;
}

/** cmdq_thread_handle_timeout(): the thread timer expired with work pending. */
function cmdq_thread_handle_timeout(cmdq: cmdq, thread: cmdq_thread): void {
  const flags = local_irq_save();
  try {
    WARN_ON(cmdq_thread_suspend(cmdq, thread) < 0, "cmdq_thread_suspend");
    // Although IRQ is disabled, GCE continues to execute. It may have pending IRQ before the GCE
    // thread was suspended, so check this condition again.
    cmdq_thread_irq_handler(cmdq, thread);
    if (thread.task_busy_list.length === 0) {
      cmdq_thread_resume(thread);
      return;
    }
    dev_err(cmdq.mbox.dev, "timeout");
    thread.stats.timeout_events++;
    let first_task = true;
    for (const task of [...thread.task_busy_list]) {
      if (first_task) {
        cmdq_buf_dump(task, true, readl(thread_reg(thread, CMDQ_THR_CURR_ADDR)) * 2 ** cmdq.pdata.shift);
        first_task = false;
      }
      cmdq_task_exec_done(task, -ETIMEDOUT, true);
      kfree(task.kmem);
    }
    cmdq_thread_resume(thread);
    cmdq_thread_disable(cmdq, thread);
  } finally {
    local_irq_restore(flags);
  }
}

function cmdq_mbox_send_data(chan: mbox_chan, data: unknown): number {
  return cmdq_task_exec(data as cmdq_pkt, chan.con_priv as cmdq_thread);
}

function cmdq_mbox_startup(_chan: mbox_chan): number {
  return 0;
}

/**
 * cmdq_mbox_shutdown() (mainline): tasks the GCE finished complete with 0, the rest with
 * -ECONNABORTED, and the thread is disabled. "cmdq.seed-empty-shutdown": does nothing.
 */
function cmdq_mbox_shutdown(chan: mbox_chan): void {
  if (switch_on("cmdq.seed-empty-shutdown")) return;
  const thread = chan.con_priv as cmdq_thread;
  const cmdq = cmdq_of(chan);
  const flags = local_irq_save();
  try {
    if (thread.task_busy_list.length === 0) return;
    WARN_ON(cmdq_thread_suspend(cmdq, thread) < 0, "cmdq_thread_suspend");
    // make sure executed tasks have success callback
    cmdq_thread_irq_handler(cmdq, thread);
    if (thread.task_busy_list.length === 0) return;
    for (const task of [...thread.task_busy_list]) {
      cmdq_task_exec_done(task, -ECONNABORTED);
      kfree(task.kmem);
    }
    cmdq_thread_disable(cmdq, thread);
  } finally {
    local_irq_restore(flags);
  }
}

/**
 * cmdq_mbox_flush() (mainline 2020): if the thread waits in a WFE, abort every queued task
 * (-ECONNABORTED) and disable it; otherwise let it run and busy-wait until it disables itself.
 * Quirk kept: `timeout` is used as microseconds although mbox_flush documents milliseconds.
 */
function cmdq_mbox_flush(chan: mbox_chan, timeout: number): number {
  const thread = chan.con_priv as cmdq_thread;
  const cmdq = cmdq_of(chan);
  const flags = local_irq_save();
  let wait = false;
  try {
    if (thread.task_busy_list.length === 0) return 0;
    WARN_ON(cmdq_thread_suspend(cmdq, thread) < 0, "cmdq_thread_suspend");
    if (!cmdq_thread_is_in_wfe(thread)) {
      wait = true;
      cmdq_thread_resume(thread);
    } else {
      for (const task of [...thread.task_busy_list]) {
        cmdq_task_exec_done(task, -ECONNABORTED);
        kfree(task.kmem);
      }
      cmdq_thread_resume(thread);
      cmdq_thread_disable(cmdq, thread);
    }
  } finally {
    local_irq_restore(flags);
  }
  if (!wait) return 0;
  if (readl_poll_timeout_atomic(thread_reg(thread, CMDQ_THR_ENABLE_TASK), (enable) => enable === 0, 1, timeout) !== 0) {
    dev_err(cmdq.mbox.dev, `Fail to wait GCE thread 0x${(thread.base - cmdq.base).toString(16)} done`);
    return -EFAULT;
  }
  return 0;
}

/** The seed had `last_tx_done` (always true); unused with TXDONE_BY_ACK. */
function cmdq_mbox_last_tx_done(_chan: mbox_chan): boolean {
  return true;
}

export const cmdq_mbox_chan_ops = Object.freeze({
  send_data: cmdq_mbox_send_data,
  startup: cmdq_mbox_startup,
  shutdown: cmdq_mbox_shutdown,
  flush: cmdq_mbox_flush,
  last_tx_done: cmdq_mbox_last_tx_done,
} as const satisfies mbox_chan_ops);

/**
 * cmdq_xlate(): `<&gce thread …>` → the thread's channel; -EINVAL for a thread the controller
 * does not have. Cells after the thread: 2 cells <priority> (5.7+) or <atomic_exec> (seed,
 * "cmdq.seed-xlate"); 3 cells <priority atomic_exec> (4.19–5.6).
 */
function cmdq_xlate(mbox: mbox_controller, sp: of_phandle_args): mbox_chan | ErrPtr {
  const ind = sp.args[0] ?? -1;
  if (ind < 0 || ind >= mbox.num_chans) return ERR_PTR(-EINVAL);
  const chan = mbox.chans[ind]!;
  const thread = chan.con_priv as cmdq_thread;
  if (sp.args_count >= 3) {
    thread.priority = sp.args[1]!;
    thread.atomic_exec = sp.args[2] !== 0;
  } else if (switch_on("cmdq.seed-xlate")) {
    thread.atomic_exec = (sp.args[1] ?? 0) !== 0;
  } else {
    thread.priority = sp.args[1] ?? 0;
  }
  thread.chan = chan;
  return chan;
}

/** dev_pm_ops.suspend: no new packets until resume; warns about packets still running. */
function cmdq_suspend(dev: device): number {
  const cmdq = dev.driver_data as cmdq;
  cmdq.suspended = true;
  let task_running = false;
  for (const thread of cmdq.thread) {
    if (thread.task_busy_list.length !== 0) {
      // Seed: force the timer, failing what runs (the seed then schedule()s to let it fire).
      if (switch_on("cmdq.seed-suspend-timeout")) mod_timer(thread.timeout, jiffies() + 1);
      task_running = true;
      break;
    }
  }
  if (task_running) dev_warn(dev, "exist running task(s) in suspend");
  return 0;
}

function cmdq_resume(dev: device): number {
  (dev.driver_data as cmdq).suspended = false;
  return 0;
}

function cmdq_probe(pdev: platform_device): number {
  const dev = pdev.dev;
  const res = platform_get_resource(pdev, IORESOURCE_MEM, 0);
  const base = res === null ? null : ioremap(res.start, resource_size(res));
  if (base === null) {
    dev_err(dev, "failed to ioremap gce");
    return -EINVAL;
  }
  // Seed: `if (!cmdq->irq)` on an unsigned copy let a negative errno through; mainline checks < 0.
  const irq = platform_get_irq(pdev, 0);
  if (irq < 0) {
    dev_err(dev, "failed to get irq");
    return irq;
  }
  const pdata = of_device_get_match_data(dev) as gce_plat | undefined;
  if (pdata === undefined) {
    dev_err(dev, "failed to get match data");
    return -EINVAL;
  }
  const seed = switch_on("cmdq.seed-threads");
  const nr = seed ? CMDQ_THR_MAX_COUNT : pdata.thread_nr;
  const mbox = mbox_controller_init();
  const threads: cmdq_thread[] = [];
  const c: cmdq = {
    mbox,
    base,
    irq,
    irq_mask: seed ? CMDQ_IRQ_MASK : (2 ** pdata.thread_nr - 1) >>> 0,
    pdata,
    thread: threads,
    suspended: false,
  };
  for (let i = 0; i < nr; i++) {
    const thread: cmdq_thread = {
      chan: null,
      base: io_add(base, CMDQ_THR_BASE + CMDQ_THR_SIZE * i),
      task_busy_list: [],
      timeout: timer_setup(() => cmdq_thread_handle_timeout(c, thread)),
      atomic_exec: false,
      priority: 0,
      idx: i,
      stats: thread_stats_init(),
    };
    threads.push(thread);
  }
  platform_set_drvdata(pdev, c);

  let err = request_irq(irq, cmdq_irq_handler, IRQF_SHARED, "mtk_cmdq", c);
  if (err < 0) {
    dev_err(dev, `failed to register ISR (${err})`);
    return err;
  }
  mbox.dev = dev;
  mbox.chans = threads.map((t) => mbox_chan_init(mbox, t));
  mbox.num_chans = nr;
  mbox.ops = cmdq_mbox_chan_ops;
  mbox.of_xlate = cmdq_xlate;
  // make use of TXDONE_BY_ACK
  mbox.txdone_irq = false;
  mbox.txdone_poll = false;
  err = mbox_controller_register(mbox);
  if (err < 0) {
    dev_err(dev, `failed to register mailbox: ${err}`);
    return err;
  }
  return 0;
}

export const cmdq_of_ids: readonly of_device_id<gce_plat>[] = Object.freeze([
  { compatible: "mediatek,mt8173-gce", data: gce_plat_mt8173 },
  { compatible: "mediatek,mt8183-gce", data: gce_plat_mt8183 },
  { compatible: "mediatek,mt8195-gce", data: gce_plat_mt8195 },
]);

/** The platform driver (builtin_platform_driver(cmdq_drv)); the board registers it at boot. */
export const cmdq_drv: platform_driver = Object.freeze({
  probe: cmdq_probe,
  driver: Object.freeze({ name: "mtk_cmdq", of_match_table: cmdq_of_ids, pm: Object.freeze({ suspend: cmdq_suspend, resume: cmdq_resume }) }),
});

/** The controller bound to `dev` (for reports and tests), or null. */
export function cmdq_get(dev: device): cmdq | null {
  return dev.driver?.name === "mtk_cmdq" ? (dev.driver_data as cmdq) : null;
}
