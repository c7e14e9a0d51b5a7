/**
 * A CMDQ client that submits a prepared command buffer once per frame, as kernel code through
 * the whole stack: seed 000's helper builds each packet (cmdq_pkt_create, then, like the DRM
 * crtc, cmdq_pkt_clear_event + cmdq_pkt_wfe on the path's mutex stream EOF so the packet runs
 * once per frame, then the program's instructions with cmdq_pkt_append_command), and
 * cmdq_pkt_flush_async hands it to the mailbox framework and the GCE controller driver. The
 * thread waits for each packet's callback before building the next, as mtk_drm_client_thread
 * waits for its page flip.
 *
 * A packet that fails (GCE error, the controller's thread timeout) is counted and the next
 * frame goes on; a packet that cannot be built or submitted stops the client with a kernel log
 * message, since retrying at the same instant would never let time advance.
 */
import type { Co } from "../../sim/task.js";
import type { device } from "../../linux/include/linux/device.js";
import { IS_ERR, PTR_ERR } from "../../linux/include/linux/err.js";
import type { cmdq_cb_data, cmdq_pkt } from "../../linux/include/linux/soc/mediatek/mtk-cmdq.js";
import { kthread_run } from "../../linux/kernel/instance.js";
import { pr_err } from "../../linux/kernel/printk/printk.js";
import { completion, complete, wait_for_completion } from "../../linux/kernel/sched/completion.js";
import {
  cmdq_mbox_create,
  cmdq_pkt_append_command,
  cmdq_pkt_clear_event,
  cmdq_pkt_create,
  cmdq_pkt_destroy,
  cmdq_pkt_flush_async,
  cmdq_pkt_wfe,
} from "../../linux/drivers/soc/mediatek/mtk-cmdq-helper.js";
import type { Machine } from "../machine.js";

export interface CmdqProgramClientProps {
  /** The client device whose `mboxes` entry `channel` is used (mt8173: mmsys). */
  readonly dev: device;
  readonly channel: number;
  /** (lo, hi) u32 pairs, as the assembler produces them. */
  readonly words: Uint32Array;
  /** The seed `enum cmdq_event` each packet first clears and waits for, or null to submit back to back. */
  readonly frameEvent: number | null;
  /** Packets to submit (Infinity: until the run ends). */
  readonly frames: number;
}

export interface CmdqProgramClientStats {
  readonly channel: number;
  /** Instructions per packet, the frame wait included. */
  instructionsPerPacket: number;
  submitted: number;
  completed: number;
  /** Packets whose callback reported an error (GCE error, thread timeout, abort). */
  failed: number;
  /** Why the client stopped early, e.g. "cmdq_mbox_create: -517", or null. */
  stopped: string | null;
}

/** Starts the client as a kernel thread on CPU 0 and returns its live statistics. */
export function startCmdqProgramClient(machine: Machine, props: CmdqProgramClientProps): CmdqProgramClientStats {
  const stats: CmdqProgramClientStats = {
    channel: props.channel,
    instructionsPerPacket: props.words.length / 2 + (props.frameEvent === null ? 0 : 2) + (endsFinalized(props.words) ? 0 : 2),
    submitted: 0,
    completed: 0,
    failed: 0,
    stopped: null,
  };
  machine.inKernel(0, () => kthread_run(clientThread(props, stats), `cmdq-program${props.channel}`, 0));
  return stats;
}

/** Whether the program ends as cmdq_pkt_finalize would (IRQ EOC, then one instruction), so flush adds nothing. */
function endsFinalized(w: Uint32Array): boolean {
  const i = w.length - 4;
  return i >= 0 && w[i] === CMDQ_EOC_IRQ_LO && w[i + 1] === CMDQ_EOC_HI;
}

/** EOC with IRQ_EN: 0x40000000_00000001 (cmdq_pkt_finalize). */
const CMDQ_EOC_IRQ_LO = 0x0000_0001;
const CMDQ_EOC_HI = 0x4000_0000;

interface PacketDone {
  readonly done: completion;
  readonly pkt: cmdq_pkt;
  err: boolean;
}

function* clientThread(props: CmdqProgramClientProps, stats: CmdqProgramClientStats): Co {
  const client = cmdq_mbox_create(props.dev, props.channel);
  if (IS_ERR(client)) return stop(stats, `cmdq_mbox_create: ${PTR_ERR(client)}`);
  for (let frame = 0; frame < props.frames; frame++) {
    const ptr: { value: cmdq_pkt | null } = { value: null };
    let ret = cmdq_pkt_create(ptr);
    const pkt = ptr.value;
    if (ret < 0 || pkt === null) return stop(stats, `cmdq_pkt_create: ${ret}`);
    ret = buildPacket(pkt, props);
    const ctx: PacketDone = { done: new completion(), pkt, err: false };
    if (ret === 0) ret = cmdq_pkt_flush_async(client, pkt, onPacketDone, ctx);
    if (ret < 0) {
      cmdq_pkt_destroy(pkt);
      return stop(stats, `frame ${frame}: ${ret}`);
    }
    stats.submitted++;
    yield* wait_for_completion(ctx.done);
    if (ctx.err) stats.failed++;
    else stats.completed++;
  }
}

/** The frame wait (as mtk_drm_crtc_hw_config), then the program's instructions. 0 or -errno. */
function buildPacket(pkt: cmdq_pkt, props: CmdqProgramClientProps): number {
  let ret = 0;
  if (props.frameEvent !== null) {
    ret = cmdq_pkt_clear_event(pkt, props.frameEvent);
    if (ret === 0) ret = cmdq_pkt_wfe(pkt, props.frameEvent);
  }
  const w = props.words;
  for (let i = 0; ret === 0 && i < w.length; i += 2) {
    const hi = w[i + 1]!;
    ret = cmdq_pkt_append_command(pkt, hi >>> 24, hi & 0x00ff_ffff, w[i]!);
  }
  return ret;
}

/** The packet's callback (interrupt context): wake the thread, free the packet. */
function onPacketDone(data: cmdq_cb_data): void {
  const ctx = data.data as PacketDone;
  ctx.err = data.err;
  cmdq_pkt_destroy(ctx.pkt);
  complete(ctx.done);
}

function stop(stats: CmdqProgramClientStats, why: string): void {
  stats.stopped = why;
  pr_err(`cmdq-program: client on channel ${stats.channel} stopped: ${why}`);
}
