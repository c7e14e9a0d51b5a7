/**
 * MediaTek DRM crtc as a CMDQ client (drivers/gpu/drm/mediatek/mtk_drm_crtc.c, now mtk_crtc.c;
 * ../shared/spec/cmdq-gce.md §5.1), in the seed era's style: a new packet per frame built with the
 * seed helper, submitted with cmdq_pkt_flush_async, the packet freed by its callback.
 *
 * Per frame (atomic_flush → mtk_drm_crtc_hw_config):
 *   cmdq_pkt_create; cmdq_pkt_clear_event(ev); cmdq_pkt_wfe(ev)   — wait for the *next* mutex
 *   stream EOF (the end of the active period), not a stale one;
 *   the layer registers of every plane (mtk_ovl_layer_config) and the frame's other register
 *   writes, through cmdq_pkt_write / cmdq_pkt_write_mask on each component's cmdq_base;
 *   cmdq_pkt_flush_async (finalize: EOC + JUMP); cmdq_vblank_cnt = 3.
 * Completion (ddp_cmdq_cb, interrupt context): the page flip completes (the pending vblank event
 * is sent), cmdq_vblank_cnt = 0, the packet is destroyed.
 * Timeout detection (mtk_crtc_ddp_irq on the OVL frame-done interrupt): every vblank decrements
 * cmdq_vblank_cnt; reaching 0 logs "mtk_crtc %d CMDQ execute command timeout!".
 * Without a mailbox channel the crtc falls back to CPU writes in the vblank interrupt.
 *
 * MODEL: the frame's "other register writes" (`mtk_crtc_state.extra`) stand for the tables DRM
 * also loads through CMDQ (gamma/PQ LUTs); they target words of the OVL/RDMA windows, which the
 * display model treats as configuration registers. The event and each component's GCE window
 * come from the device tree in whichever binding era it is written (mtk_crtc_cmdq_event,
 * mtk_ddp_comp_cmdq_base; docs/boards.md has the table); a tree without them gets the seed's
 * CMDQ_EVENT_MUTEXn_STREAM_EOF and subsys-from-`reg`.
 * A failed packet (callback err) still completes the flip, flagged, so userspace is not left
 * waiting; mainline leaves the event pending.
 *
 * `mtk_drm_client_thread` stands in for the DRM core and a compositor: commit a frame, wait for
 * its page-flip event, commit the next.
 */
import type { Co } from "../../../../../sim/task.js";
import { io_add, ioremap, writel, type IoMem } from "../../../../include/asm/io.js";
import { WARN_ONCE } from "../../../../include/linux/bug.js";
import { dev_dbg, dev_err, device_create, type device } from "../../../../include/linux/device.js";
import { IS_ERR, PTR_ERR } from "../../../../include/linux/err.js";
import { EINVAL } from "../../../../include/linux/errno.js";
import { IRQ_HANDLED, IRQ_NONE, type irqreturn_t } from "../../../../include/linux/interrupt.js";
import { local_irq_restore, local_irq_save } from "../../../../include/linux/irqflags.js";
import {
  of_address_to_resource,
  of_find_property,
  of_property_read_u32,
  of_property_read_u32_index,
  of_walk,
  resource_init,
  resource_size,
  type device_node,
} from "../../../../include/linux/of.js";
import { of_find_device_by_node, of_irq_get } from "../../../../include/linux/platform_device.js";
import {
  CMDQ_EVENT_MUTEX0_STREAM_EOF,
  type cmdq_base,
  type cmdq_cb_data,
  type cmdq_client,
  type cmdq_client_reg,
  type cmdq_pkt,
} from "../../../../include/linux/soc/mediatek/mtk-cmdq.js";
import { pr_err } from "../../../../kernel/printk/printk.js";
import { request_irq } from "../../../../kernel/irq/manage.js";
import { completion, complete, wait_for_completion } from "../../../../kernel/sched/completion.js";
import { ktime_get } from "../../../../kernel/time/clocksource.js";
import {
  cmdq_dev_get_client_reg,
  cmdq_event_from_hw,
  cmdq_event_to_hw,
  cmdq_mbox_create,
  cmdq_mbox_destroy,
  cmdq_pkt_clear_event,
  cmdq_pkt_create,
  cmdq_pkt_destroy,
  cmdq_pkt_flush_async,
  cmdq_pkt_wfe,
  cmdq_pkt_write,
  cmdq_pkt_write_mask,
  cmdq_register_device,
} from "../../../soc/mediatek/mtk-cmdq-helper.js";

// mtk_disp_ovl.c registers (mt8173).
export const DISP_REG_OVL_INTEN = 0x0004;
export const DISP_REG_OVL_INTSTA = 0x0008;
export const DISP_REG_OVL_SRC_CON = 0x002c;
export const DISP_REG_OVL_CON = (n: number) => 0x0030 + 0x20 * n;
export const DISP_REG_OVL_SRC_SIZE = (n: number) => 0x0038 + 0x20 * n;
export const DISP_REG_OVL_OFFSET = (n: number) => 0x003c + 0x20 * n;
export const DISP_REG_OVL_PITCH = (n: number) => 0x0044 + 0x20 * n;
export const DISP_REG_OVL_RDMA_CTRL = (n: number) => 0x00c0 + 0x20 * n;
export const DISP_REG_OVL_RDMA_GMC = (n: number) => 0x00c8 + 0x20 * n;
export const DISP_REG_OVL_ADDR_MT8173 = 0x0f40;
export const DISP_REG_OVL_ADDR = (n: number) => DISP_REG_OVL_ADDR_MT8173 + 0x20 * n;
const OVL_FME_CPL_INT = 1 << 1;
const OVL_RDMA_MEM_GMC = 0x4040_2020;
const OVL_LAYER_NR = 4;

/** Which binding gave a component its GCE window (see mtk_ddp_comp_cmdq_base). */
export type mtk_ddp_cmdq_source = "mediatek,gce-client-reg" | "mediatek,gce-subsys" | "reg";

/** A DDP component the crtc writes: its registers by CPU and by GCE, and its interrupt. */
export interface mtk_ddp_comp {
  readonly name: string;
  readonly dev: device;
  readonly regs: IoMem;
  /** The subsys and base GCE writes use; null when the binding gives none (writes go by CPU). */
  readonly cmdq_base: cmdq_base | null;
  /** The binding it came from, and the error cmdq_dev_get_client_reg returned (0 otherwise). */
  readonly cmdq_source: mtk_ddp_cmdq_source;
  readonly cmdq_err: number;
  readonly irq: number;
}

/** One plane (OVL layer) of a frame. */
export interface mtk_plane_state {
  readonly enable: boolean;
  readonly addr: number;
  readonly pitch: number;
  readonly width: number;
  readonly height: number;
  readonly x: number;
  readonly y: number;
  /** OVL_CON value (format, alpha). */
  readonly con: number;
}

/**
 * A frame's configuration: the planes, then further register writes as flat triplets
 * (component index, offset, value, component index, …).
 */
export interface mtk_crtc_state {
  readonly planes: readonly mtk_plane_state[];
  readonly extra: ArrayLike<number>;
}

/** struct drm_pending_vblank_event, as userspace receives the page-flip event. */
export interface drm_pending_vblank_event {
  readonly seq: number;
  /** ktime of the commit and of the flip. */
  readonly committed: number;
  completed: number;
  /** The configuration did not reach the hardware (packet error or timeout). */
  err: boolean;
  readonly done: completion;
}

export interface mtk_crtc_stats {
  commits: number;
  flips: number;
  /** Callbacks with err (GCE error IRQ, controller timeout, abort). */
  cb_errors: number;
  /** "CMDQ execute command timeout!" reports. */
  cmdq_timeouts: number;
  /** Submissions the helper refused (flush_async < 0). */
  submit_errors: number;
  vblanks: number;
  /** Frames configured by CPU writes in the vblank interrupt (no mailbox). */
  cpu_configs: number;
}

/** struct mtk_drm_crtc (the parts the CMDQ flow uses). */
export interface mtk_drm_crtc {
  readonly index: number;
  readonly ddp_comp: readonly mtk_ddp_comp[];
  readonly cmdq_client: cmdq_client | null;
  /** The seed's enum cmdq_event this crtc waits for, its hardware id, and where it came from. */
  readonly cmdq_event: number;
  readonly cmdq_event_hw: number;
  readonly cmdq_event_source: mtk_crtc_event_source;
  /** The entry of the tree's event list (or the seed's MUTEXn) it reads. */
  readonly cmdq_event_index: number;
  /**
   * Why the crtc writes by CPU: the error of the mailbox request (`mboxes`) or of the event
   * lookup (`mediatek,gce-events`, `mutex-event-eof`), with the property; 0 / null when it has
   * its channel (vplat accounting for the board's binding report).
   */
  readonly cmdq_err: number;
  readonly cmdq_err_prop: "mboxes" | mtk_crtc_event_source | null;
  cmdq_vblank_cnt: number;
  /** CPU path: the configuration to write at the next vblank, and its event. */
  pending_state: mtk_crtc_state | null;
  pending_event: drm_pending_vblank_event | null;
  seq: number;
  readonly stats: mtk_crtc_stats;
  /** Where userspace reads page-flip events (drm_send_event); the board listens here. */
  event_listener: ((crtc: mtk_drm_crtc, ev: drm_pending_vblank_event) => void) | null;
}

/**
 * Whether the tree `np` belongs to is written for a 5.7+ kernel: some node has a
 * `mediatek,gce-client-reg` (vplat: the ports serve every binding era, and read a tree the way
 * the kernel it was written for does).
 */
export function mtk_tree_has_gce_client_reg(np: device_node | null): boolean {
  let root = np;
  while (root?.parent != null) root = root.parent;
  let found = false;
  if (root !== null) of_walk(root, (n) => (found ||= of_find_property(n, "mediatek,gce-client-reg") !== null));
  return found;
}

/**
 * The component's GCE window, by the binding era its tree is written in:
 * - `mediatek,gce-client-reg = <&gce subsys offset size>` (5.7+): cmdq_dev_get_client_reg() as
 *   mtk_ddp_comp_init does; GCE writes go to `offset + register` in `subsys`, which the seed's
 *   cmdq_pkt_write computes from a base of `offset` (only its low 16 bits reach the
 *   instruction). In such a tree a node without the property gets the parse error (-ENOENT),
 *   as from mainline. An error leaves no window (mainline would then write to subsys 0; here
 *   the CPU writes, with a WARN).
 * - `mediatek,gce-subsys = <id>` (4.19–5.6): that subsys, the offset from `reg`.
 * - neither, in a tree without client regs (the seed's 2016 binding): seed 000's
 *   cmdq_register_device derives the subsys from `reg` (null outside 0x1400xxxx–0x1402xxxx).
 */
export function mtk_ddp_comp_cmdq_base(dev: device, pa: number): { base: cmdq_base | null; source: mtk_ddp_cmdq_source; err: number } {
  const np = dev.of_node;
  if (of_find_property(np, "mediatek,gce-client-reg") !== null || (of_find_property(np, "mediatek,gce-subsys") === null && mtk_tree_has_gce_client_reg(np))) {
    const reg: cmdq_client_reg = { subsys: 0, offset: 0, size: 0 };
    const err = cmdq_dev_get_client_reg(dev, reg, 0);
    if (err !== 0) dev_dbg(dev, "get mediatek,gce-client-reg fail!");
    return { base: err === 0 ? { subsys: reg.subsys, base: reg.offset } : null, source: "mediatek,gce-client-reg", err };
  }
  const subsys = { value: 0 };
  if (of_property_read_u32(np, "mediatek,gce-subsys", subsys) === 0) {
    return { base: { subsys: subsys.value & 0xff, base: pa >>> 0 }, source: "mediatek,gce-subsys", err: 0 };
  }
  return { base: cmdq_register_device(dev), source: "reg", err: 0 };
}

/** mtk_ddp_comp_init(): a component from its DT node. */
export function mtk_ddp_comp_init(np: device_node, name: string): mtk_ddp_comp | null {
  const res = resource_init();
  if (of_address_to_resource(np, 0, res) !== 0) return null;
  const regs = ioremap(res.start, resource_size(res));
  if (regs === null) return null;
  const dev = of_find_device_by_node(np)?.dev ?? device_create(np.full_name, np, "platform");
  const cmdq = mtk_ddp_comp_cmdq_base(dev, res.start);
  return { name, dev, regs, cmdq_base: cmdq.base, cmdq_source: cmdq.source, cmdq_err: cmdq.err, irq: of_irq_get(np, 0) };
}

/** mtk_ddp_write(): by GCE when building a packet, else by CPU. */
function mtk_ddp_write(pkt: cmdq_pkt | null, value: number, comp: mtk_ddp_comp, offset: number): void {
  if (pkt !== null && comp.cmdq_base !== null) {
    cmdq_pkt_write(pkt, value, comp.cmdq_base, offset);
    return;
  }
  WARN_ONCE(pkt !== null, `mtk_ddp_write: ${comp.name} has no GCE subsys; written by CPU`);
  writel(value, io_add(comp.regs, offset));
}

function mtk_ddp_write_mask(pkt: cmdq_pkt | null, value: number, comp: mtk_ddp_comp, offset: number, mask: number): void {
  if (pkt !== null && comp.cmdq_base !== null) {
    cmdq_pkt_write_mask(pkt, value, comp.cmdq_base, offset, mask);
    return;
  }
  WARN_ONCE(pkt !== null, `mtk_ddp_write_mask: ${comp.name} has no GCE subsys; written by CPU`);
  // The CPU path has no read-modify-write of a shadow it cannot see; it writes the masked bits.
  writel(value & mask, io_add(comp.regs, offset));
}

/** mtk_ovl_layer_config() + layer_on/off for layer `idx` of the OVL `ovl`. */
function mtk_ovl_layer_config(ovl: mtk_ddp_comp, idx: number, state: mtk_plane_state, pkt: cmdq_pkt | null): void {
  if (!state.enable) {
    mtk_ddp_write_mask(pkt, 0, ovl, DISP_REG_OVL_SRC_CON, 1 << idx);
    mtk_ddp_write(pkt, 0, ovl, DISP_REG_OVL_RDMA_CTRL(idx));
    return;
  }
  mtk_ddp_write(pkt, state.con >>> 0, ovl, DISP_REG_OVL_CON(idx));
  mtk_ddp_write(pkt, state.pitch & 0xffff, ovl, DISP_REG_OVL_PITCH(idx));
  mtk_ddp_write(pkt, ((state.height << 16) | (state.width & 0xffff)) >>> 0, ovl, DISP_REG_OVL_SRC_SIZE(idx));
  mtk_ddp_write(pkt, ((state.y << 16) | (state.x & 0xffff)) >>> 0, ovl, DISP_REG_OVL_OFFSET(idx));
  mtk_ddp_write(pkt, state.addr >>> 0, ovl, DISP_REG_OVL_ADDR(idx));
  // mtk_ovl_layer_on()
  mtk_ddp_write(pkt, 0x1, ovl, DISP_REG_OVL_RDMA_CTRL(idx));
  mtk_ddp_write(pkt, OVL_RDMA_MEM_GMC, ovl, DISP_REG_OVL_RDMA_GMC(idx));
  mtk_ddp_write_mask(pkt, 1 << idx, ovl, DISP_REG_OVL_SRC_CON, 1 << idx);
}

/** mtk_crtc_ddp_config(): the frame's registers, into `pkt` (GCE) or by CPU (pkt null). */
function mtk_crtc_ddp_config(crtc: mtk_drm_crtc, state: mtk_crtc_state, pkt: cmdq_pkt | null): void {
  const ovl = crtc.ddp_comp[0]!;
  const n = Math.min(state.planes.length, OVL_LAYER_NR);
  for (let i = 0; i < n; i++) mtk_ovl_layer_config(ovl, i, state.planes[i]!, pkt);
  const extra = state.extra;
  for (let i = 0; i + 2 < extra.length; i += 3) {
    const comp = crtc.ddp_comp[extra[i]!];
    if (comp !== undefined) mtk_ddp_write(pkt, extra[i + 2]!, comp, extra[i + 1]!);
  }
}

function mtk_drm_send_event(crtc: mtk_drm_crtc, ev: drm_pending_vblank_event, err: boolean): void {
  ev.err = err;
  ev.completed = ktime_get();
  crtc.stats.flips++;
  complete(ev.done);
  crtc.event_listener?.(crtc, ev);
}

interface cmdq_cb_ctx {
  readonly crtc: mtk_drm_crtc;
  readonly pkt: cmdq_pkt;
  readonly event: drm_pending_vblank_event | null;
}

/** ddp_cmdq_cb(): the frame's packet finished (or failed); runs in interrupt context. */
function ddp_cmdq_cb(data: cmdq_cb_data): void {
  const ctx = data.data as cmdq_cb_ctx;
  const crtc = ctx.crtc;
  if (data.err) crtc.stats.cb_errors++;
  else crtc.cmdq_vblank_cnt = 0;
  if (ctx.event !== null) mtk_drm_send_event(crtc, ctx.event, data.err);
  cmdq_pkt_destroy(ctx.pkt);
}

/**
 * mtk_drm_crtc_hw_config(): builds and submits the frame's packet. Returns 0 or -errno; on
 * failure the event completes with err.
 */
function mtk_drm_crtc_hw_config(crtc: mtk_drm_crtc, state: mtk_crtc_state, event: drm_pending_vblank_event | null): number {
  const client = crtc.cmdq_client!;
  const pkt_ptr: { value: cmdq_pkt | null } = { value: null };
  let ret = cmdq_pkt_create(pkt_ptr);
  const pkt = pkt_ptr.value;
  if (ret < 0 || pkt === null) {
    dev_err(client.client.dev, `mtk_crtc ${crtc.index} failed to create cmdq packet (${ret})`);
    return fail(crtc, event, ret < 0 ? ret : -EINVAL);
  }
  ret = cmdq_pkt_clear_event(pkt, crtc.cmdq_event);
  if (ret === 0) ret = cmdq_pkt_wfe(pkt, crtc.cmdq_event);
  if (ret === 0) mtk_crtc_ddp_config(crtc, state, pkt);
  if (ret === 0) ret = cmdq_pkt_flush_async(client, pkt, ddp_cmdq_cb, { crtc, pkt, event } satisfies cmdq_cb_ctx);
  if (ret < 0) {
    cmdq_pkt_destroy(pkt);
    return fail(crtc, event, ret);
  }
  crtc.cmdq_vblank_cnt = 3;
  return 0;
}

function fail(crtc: mtk_drm_crtc, event: drm_pending_vblank_event | null, ret: number): number {
  crtc.stats.submit_errors++;
  if (event !== null) mtk_drm_send_event(crtc, event, true);
  return ret;
}

/**
 * mtk_drm_crtc_atomic_flush(): commits `state`; `event` completes at the page flip.
 * Returns 0 or -errno.
 */
export function mtk_drm_crtc_atomic_flush(crtc: mtk_drm_crtc, state: mtk_crtc_state, event: drm_pending_vblank_event | null): number {
  crtc.stats.commits++;
  if (crtc.cmdq_client !== null) return mtk_drm_crtc_hw_config(crtc, state, event);
  const flags = local_irq_save();
  crtc.pending_state = state;
  crtc.pending_event = event;
  local_irq_restore(flags);
  return 0;
}

/** mtk_crtc_ddp_irq(): the vblank (OVL frame done): CPU-path config and the CMDQ timeout countdown. */
export function mtk_crtc_ddp_irq(crtc: mtk_drm_crtc): void {
  crtc.stats.vblanks++;
  if (crtc.cmdq_client === null) {
    const state = crtc.pending_state;
    if (state !== null) {
      mtk_crtc_ddp_config(crtc, state, null);
      crtc.stats.cpu_configs++;
      crtc.pending_state = null;
      const ev = crtc.pending_event;
      crtc.pending_event = null;
      if (ev !== null) mtk_drm_send_event(crtc, ev, false);
    }
    return;
  }
  if (crtc.cmdq_vblank_cnt > 0 && --crtc.cmdq_vblank_cnt === 0) {
    crtc.stats.cmdq_timeouts++;
    pr_err(`mtk_crtc ${crtc.index} CMDQ execute command timeout!`);
  }
}

/** mtk_disp_ovl_irq_handler(): acknowledge (write 0 to INTSTA) and report the vblank. */
function mtk_disp_ovl_irq_handler(_irq: number, crtc: mtk_drm_crtc): irqreturn_t {
  const ovl = crtc.ddp_comp[0];
  if (ovl === undefined) return IRQ_NONE;
  writel(0x0, io_add(ovl.regs, DISP_REG_OVL_INTSTA));
  mtk_crtc_ddp_irq(crtc);
  return IRQ_HANDLED;
}

/** Where a crtc's event comes from: the tree (5.12+ mutex node, or 4.19's mmsys), or the seed's enum. */
export type mtk_crtc_event_source = "mediatek,gce-events" | "mutex-event-eof" | "seed";

interface mtk_crtc_event {
  readonly event: number;
  readonly hw: number;
  readonly source: mtk_crtc_event_source;
  readonly err: number;
}

/**
 * The event crtc `i` waits for: entry `i` of the mutex node's `mediatek,gce-events` (mainline:
 * of_property_read_u32_index(priv->mutex_node, …, i)), else of mmsys's `mutex-event-eof`
 * (4.19–5.6 binding), else the seed's CMDQ_EVENT_MUTEXi_STREAM_EOF. The tree names hardware ids;
 * the seed's helper takes its enum, so the id is translated (-EINVAL when the seed has no enum
 * for it).
 */
function mtk_crtc_cmdq_event(mmsys_dev: device, mutex_node: device_node | null, i: number): mtk_crtc_event {
  const sources = [
    [mutex_node, "mediatek,gce-events"],
    [mmsys_dev.of_node, "mutex-event-eof"],
  ] as const;
  for (const [np, prop] of sources) {
    if (of_find_property(np, prop) === null) continue;
    const hw = { value: -1 };
    const ret = of_property_read_u32_index(np, prop, i, hw);
    if (ret !== 0) return { event: -1, hw: -1, source: prop, err: ret };
    const event = cmdq_event_from_hw(hw.value);
    return { event, hw: hw.value, source: prop, err: event < 0 ? event : 0 };
  }
  const event = CMDQ_EVENT_MUTEX0_STREAM_EOF + i;
  return { event, hw: cmdq_event_to_hw(event), source: "seed", err: 0 };
}

/**
 * mtk_drm_crtc_create(): crtc `index` of the mmsys device `mmsys_dev`, on the components `comps`
 * (the OVL first), waiting for event `mutex` of the tree's list (default: its own index; see
 * mtk_crtc_cmdq_event; `mutex_node` is the display mutex's node). Uses mailbox channel `index` of
 * mmsys's `mboxes` when it can be had; on any mailbox error (including -EPROBE_DEFER), or when
 * the event cannot be read (the channel is freed then), it falls back to CPU writes, as mainline
 * does.
 */
export function mtk_drm_crtc_create(
  mmsys_dev: device,
  index: number,
  comps: readonly mtk_ddp_comp[],
  mutex: number = index,
  mutex_node: device_node | null = null,
): mtk_drm_crtc | null {
  if (comps.length === 0) return null;
  const client = cmdq_mbox_create(mmsys_dev, index);
  const ev = mtk_crtc_cmdq_event(mmsys_dev, mutex_node, mutex);
  let cmdq_client: cmdq_client | null = null;
  let cmdq_err = 0;
  let cmdq_err_prop: mtk_drm_crtc["cmdq_err_prop"] = null;
  if (IS_ERR(client)) {
    dev_dbg(mmsys_dev, `mtk_crtc ${index} failed to create mailbox client (${client}), writing register by CPU now`);
    cmdq_err = PTR_ERR(client);
    cmdq_err_prop = "mboxes";
  } else if (ev.err < 0) {
    dev_dbg(mmsys_dev, `mtk_crtc ${index} failed to read ${ev.source} property`);
    cmdq_mbox_destroy(client);
    cmdq_err = ev.err;
    cmdq_err_prop = ev.source;
  } else {
    cmdq_client = client;
  }
  const crtc: mtk_drm_crtc = {
    index,
    ddp_comp: comps,
    cmdq_client,
    cmdq_event: ev.event,
    cmdq_event_hw: ev.hw,
    cmdq_event_source: ev.source,
    cmdq_event_index: mutex,
    cmdq_err,
    cmdq_err_prop,
    cmdq_vblank_cnt: 0,
    pending_state: null,
    pending_event: null,
    seq: 0,
    stats: { commits: 0, flips: 0, cb_errors: 0, cmdq_timeouts: 0, submit_errors: 0, vblanks: 0, cpu_configs: 0 },
    event_listener: null,
  };
  const ovl = comps[0]!;
  if (ovl.irq > 0 && request_irq(ovl.irq, mtk_disp_ovl_irq_handler, 0, "mtk_disp_ovl", crtc) === 0) {
    // mtk_ovl_enable_vblank()
    writel(0x0, io_add(ovl.regs, DISP_REG_OVL_INTSTA));
    writel(OVL_FME_CPL_INT, io_add(ovl.regs, DISP_REG_OVL_INTEN));
  }
  return crtc;
}

/** mtk_drm_crtc_destroy(): frees the mailbox client (the controller aborts queued packets). */
export function mtk_drm_crtc_destroy(crtc: mtk_drm_crtc): void {
  if (crtc.cmdq_client !== null) cmdq_mbox_destroy(crtc.cmdq_client);
}

/** A new page-flip event for the next commit. */
export function drm_crtc_new_event(crtc: mtk_drm_crtc): drm_pending_vblank_event {
  return { seq: crtc.seq++, committed: ktime_get(), completed: -1, err: false, done: new completion() };
}

/** What the stand-in compositor commits: frame number → configuration. */
export type mtk_drm_frame_source = (frame: number) => mtk_crtc_state;

/**
 * The DRM core + compositor stand-in, as a kernel thread: commit frame n, wait for its page-flip
 * event, commit frame n + 1; `frames` commits (Infinity: forever).
 */
export function* mtk_drm_client_thread(crtc: mtk_drm_crtc, source: mtk_drm_frame_source, frames = Infinity): Co<number> {
  let n = 0;
  for (; n < frames; n++) {
    const ev = drm_crtc_new_event(crtc);
    const ret = mtk_drm_crtc_atomic_flush(crtc, source(n), ev);
    if (ret < 0) pr_err(`mtk_crtc ${crtc.index}: commit of frame ${n} failed (${ret})`);
    yield* wait_for_completion(ev.done);
  }
  return n;
}
