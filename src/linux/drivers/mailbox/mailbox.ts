/**
 * The mailbox framework (drivers/mailbox/mailbox.c, 4.x as the seed's controller used it, plus
 * mbox_flush from 2020): channels bound to clients through the device tree's `mboxes`, a
 * 20-message TX ring per channel, and the TX-done state machine (by controller IRQ, by polling
 * `last_tx_done`, or by the client's ACK). ../shared/spec/cmdq-gce.md §3 lists the behaviour
 * and error codes; they are the framework's, including its quirks:
 *
 * - a `send_data` failure is not reported to the sender: the message stays queued and is
 *   retried at the next TX tick (spec §3.2);
 * - a `mboxes` entry that cannot be parsed gives -ENODEV (4.x; newer kernels pass the parse
 *   error through);
 * - `mbox_free_channel` drops queued messages without callbacks.
 *
 * The channel spinlock is `local_irq_save`/`local_irq_restore`: the ports run one CPU at a time,
 * so masking interrupts is what serialises a channel against its interrupt handler.
 *
 * MODEL: C's `mbox_send_message` blocks or not depending on the client's `tx_block`. Blocking is
 * visible in vplat's types (a `Co`), so the call is split: `mbox_send_message` is the
 * non-blocking path (callable from interrupt context), `mbox_send_message_blocking` the whole
 * function for a kernel thread. Calling the former for a `tx_block` client is refused with a
 * WARN and -EINVAL rather than silently not blocking.
 *
 * MODEL: TXDONE_BY_POLL polls on a timer_list (jiffies) instead of an hrtimer.
 */
import type { Co } from "../../../sim/task.js";
import { WARN } from "../../include/linux/bug.js";
import { dev_dbg, dev_err } from "../../include/linux/device.js";
import { ERR_PTR, IS_ERR, type ErrPtr } from "../../include/linux/err.js";
import { EBUSY, EINVAL, ENOBUFS, ENODEV, ENOTSUPP, EPROBE_DEFER, ETIME } from "../../include/linux/errno.js";
import { local_irq_restore, local_irq_save } from "../../include/linux/irqflags.js";
import type { mbox_client } from "../../include/linux/mailbox_client.js";
import {
  MBOX_TX_QUEUE_LEN,
  TXDONE_BY_ACK,
  TXDONE_BY_IRQ,
  TXDONE_BY_POLL,
  type mbox_chan,
  type mbox_controller,
} from "../../include/linux/mailbox_controller.js";
import { of_parse_phandle_with_args, of_phandle_args_init, of_property_match_string, type of_phandle_args } from "../../include/linux/of.js";
import { perKernel } from "../../kernel/instance.js";
import { pr_debug } from "../../kernel/printk/printk.js";
import { completion, complete, init_completion, wait_for_completion_timeout } from "../../kernel/sched/completion.js";
import { jiffies, mod_timer, msecs_to_jiffies, del_timer, timer_setup } from "../../kernel/time/timer.js";

const statics = perKernel(() => ({
  /** mbox_cons: registered controllers, in registration order. */
  mbox_cons: [] as mbox_controller[],
}));

/** A zeroed channel of `mbox` (the controller allocates `num_chans` of them before registering). */
export function mbox_chan_init(mbox: mbox_controller, con_priv: unknown = null): mbox_chan {
  return {
    mbox,
    txdone_method: 0,
    cl: null,
    tx_complete: new completion(),
    active_req: null,
    msg_count: 0,
    msg_free: 0,
    msg_data: new Array<unknown>(MBOX_TX_QUEUE_LEN).fill(null),
    con_priv,
  };
}

/** A controller with every field at its zero value (a kzalloc'ed struct). */
export function mbox_controller_init(): mbox_controller {
  return { dev: null, ops: null, chans: [], num_chans: 0, txdone_irq: false, txdone_poll: false, txpoll_period: 0, of_xlate: null, poll_timer: null };
}

/** add_to_rbuf(): queues `mssg`; returns its ring index, or -ENOBUFS when the ring is full. */
function add_to_rbuf(chan: mbox_chan, mssg: unknown): number {
  const flags = local_irq_save();
  try {
    if (chan.msg_count === MBOX_TX_QUEUE_LEN) return -ENOBUFS;
    const idx = chan.msg_free;
    chan.msg_data[idx] = mssg;
    chan.msg_count++;
    chan.msg_free = idx === MBOX_TX_QUEUE_LEN - 1 ? 0 : idx + 1;
    return idx;
  } finally {
    local_irq_restore(flags);
  }
}

/** msg_submit(): hands the oldest queued message to the controller if nothing is in flight. */
function msg_submit(chan: mbox_chan): void {
  let err = -EBUSY;
  const flags = local_irq_save();
  try {
    if (chan.msg_count !== 0 && chan.active_req === null) {
      const count = chan.msg_count;
      let idx = chan.msg_free;
      idx = idx >= count ? idx - count : idx + MBOX_TX_QUEUE_LEN - count;
      const data = chan.msg_data[idx];
      chan.cl!.tx_prepare?.(chan.cl!, data);
      // Try to submit a message to the MBOX controller.
      err = chan.mbox.ops!.send_data(chan, data);
      if (err === 0) {
        chan.active_req = data;
        chan.msg_count--;
      }
    }
  } finally {
    local_irq_restore(flags);
  }
  // Kick the poll timer at once (Linux: hrtimer_start(0)); here at the next tick.
  if (err === 0 && chan.txdone_method & TXDONE_BY_POLL && chan.mbox.poll_timer !== null) {
    mod_timer(chan.mbox.poll_timer, jiffies());
  }
}

/** tx_tick(): the active message is done with status `r`; submit the next and tell the client. */
function tx_tick(chan: mbox_chan, r: number): void {
  const flags = local_irq_save();
  const mssg = chan.active_req;
  chan.active_req = null;
  local_irq_restore(flags);

  // Submit next message.
  msg_submit(chan);

  if (mssg === null) return;
  const cl = chan.cl;
  if (cl === null) return;
  cl.tx_done?.(cl, mssg, r);
  if (r !== -ETIME && cl.tx_block) complete(chan.tx_complete);
}

/** txdone_hrtimer(): polls every busy channel of a TXDONE_BY_POLL controller. */
function txdone_poll(mbox: mbox_controller): void {
  let resched = false;
  for (let i = 0; i < mbox.num_chans; i++) {
    const chan = mbox.chans[i]!;
    if (chan.active_req !== null && chan.cl !== null) {
      if (mbox.ops!.last_tx_done!(chan)) tx_tick(chan, 0);
      else resched = true;
    }
  }
  if (resched && mbox.poll_timer !== null) mod_timer(mbox.poll_timer, jiffies() + Math.max(1, msecs_to_jiffies(mbox.txpoll_period)));
}

/**
 * mbox_chan_received_data(): the controller hands received data (CMDQ: a completed packet) to the
 * client's rx_callback, synchronously and without buffering, in the controller's context.
 */
export function mbox_chan_received_data(chan: mbox_chan, mssg: unknown): void {
  const cl = chan.cl;
  if (cl !== null) cl.rx_callback?.(cl, mssg);
}

/** mbox_chan_txdone(): the controller reports the end of a transmission (TXDONE_BY_IRQ only). */
export function mbox_chan_txdone(chan: mbox_chan, r: number): void {
  if (!(chan.txdone_method & TXDONE_BY_IRQ)) {
    dev_err(chan.mbox.dev, "Controller can't run the TX ticker");
    return;
  }
  tx_tick(chan, r);
}

/** mbox_client_txdone(): the client reports the end of a transmission (TXDONE_BY_ACK only). */
export function mbox_client_txdone(chan: mbox_chan, r: number): void {
  if (!(chan.txdone_method & TXDONE_BY_ACK)) {
    dev_err(chan.mbox.dev, "Client can't run the TX ticker");
    return;
  }
  tx_tick(chan, r);
}

/** mbox_client_peek_data(): asks the controller to push any received data now. */
export function mbox_client_peek_data(chan: mbox_chan): boolean {
  return chan.mbox.ops!.peek_data?.(chan) ?? false;
}

/**
 * mbox_send_message() for a client that does not block (`tx_block` false), the CMDQ case:
 * queues `mssg` and tries to transmit it. Returns the non-negative ring index, -EINVAL for a
 * missing or unowned channel, -ENOBUFS when MBOX_TX_QUEUE_LEN messages are already queued.
 * A `send_data` failure is not reported (the message stays queued). Callable with interrupts off.
 */
export function mbox_send_message(chan: mbox_chan | null, mssg: unknown): number {
  if (chan === null || chan.cl === null) return -EINVAL;
  if (WARN(chan.cl.tx_block, "mbox_send_message: a tx_block client must call mbox_send_message_blocking")) return -EINVAL;
  return send_message(chan, mssg);
}

function send_message(chan: mbox_chan, mssg: unknown): number {
  const t = add_to_rbuf(chan, mssg);
  if (t < 0) {
    dev_err(chan.mbox.dev, "Try increasing MBOX_TX_QUEUE_LEN");
    return t;
  }
  msg_submit(chan);
  return t;
}

/**
 * mbox_send_message() as a whole, for a kernel thread: with `tx_block`, waits until the
 * transmission is done or `tx_tout` ms pass (0: one hour); a timeout ticks the channel with
 * -ETIME and returns -ETIME. Without `tx_block` it is mbox_send_message().
 */
export function* mbox_send_message_blocking(chan: mbox_chan | null, mssg: unknown): Co<number> {
  if (chan === null || chan.cl === null) return -EINVAL;
  let t = send_message(chan, mssg);
  if (t < 0 || !chan.cl.tx_block) return t;
  const wait = msecs_to_jiffies(chan.cl.tx_tout === 0 ? 3_600_000 : chan.cl.tx_tout);
  const ret = yield* wait_for_completion_timeout(chan.tx_complete, wait);
  if (ret === 0) {
    t = -ETIME;
    tx_tick(chan, t);
  }
  return t;
}

/**
 * mbox_flush() (2020): asks the controller to complete or abort what the channel has in flight
 * within `timeout`. -ENOTSUPP when the controller cannot; on failure the channel is ticked with
 * the error.
 */
export function mbox_flush(chan: mbox_chan, timeout: number): number {
  const flush = chan.mbox.ops!.flush;
  if (flush === undefined) return -ENOTSUPP;
  const ret = flush(chan, timeout);
  if (ret < 0) tx_tick(chan, ret);
  return ret;
}

/**
 * mbox_request_channel(): binds `cl` to the channel its device's `mboxes` entry `index` names.
 * Errors (as ERR_PTR): -ENODEV (no device or node, or the entry cannot be parsed),
 * -EPROBE_DEFER (the controller has not registered yet), the controller's of_xlate error (CMDQ:
 * -EINVAL for a thread it does not have), -EBUSY (already owned), the startup error.
 */
export function mbox_request_channel(cl: mbox_client, index: number): mbox_chan | ErrPtr {
  const dev = cl.dev;
  if (dev === null || dev.of_node === null) {
    pr_debug("mbox_request_channel: No owner device node");
    return ERR_PTR(-ENODEV);
  }
  const spec: of_phandle_args = of_phandle_args_init();
  if (of_parse_phandle_with_args(dev.of_node, "mboxes", "#mbox-cells", index, spec) !== 0) {
    dev_dbg(dev, `mbox_request_channel: can't parse "mboxes" property`);
    return ERR_PTR(-ENODEV);
  }
  let chan: mbox_chan | ErrPtr = ERR_PTR(-EPROBE_DEFER);
  for (const mbox of statics().mbox_cons) {
    if (mbox.dev?.of_node === spec.np) {
      chan = mbox.of_xlate!(mbox, spec);
      break;
    }
  }
  if (IS_ERR(chan)) return chan;
  if (chan.cl !== null) {
    dev_dbg(dev, "mbox_request_channel: mailbox not free");
    return ERR_PTR(-EBUSY);
  }
  const flags = local_irq_save();
  chan.msg_free = 0;
  chan.msg_count = 0;
  chan.active_req = null;
  chan.cl = cl;
  init_completion(chan.tx_complete);
  if (chan.txdone_method === TXDONE_BY_POLL && cl.knows_txdone) chan.txdone_method |= TXDONE_BY_ACK;
  local_irq_restore(flags);

  const ret = chan.mbox.ops!.startup?.(chan) ?? 0;
  if (ret !== 0) {
    dev_err(dev, `Unable to startup the chan (${ret})`);
    mbox_free_channel(chan);
    return ERR_PTR(ret);
  }
  return chan;
}

/** mbox_request_channel_byname(): as mbox_request_channel, by the `mbox-names` entry `name`. */
export function mbox_request_channel_byname(cl: mbox_client, name: string): mbox_chan | ErrPtr {
  const np = cl.dev?.of_node ?? null;
  if (np === null) {
    dev_err(cl.dev, "mbox_request_channel_byname() currently only supports DT");
    return ERR_PTR(-EINVAL);
  }
  const index = of_property_match_string(np, "mbox-names", name);
  if (index < 0) {
    dev_err(cl.dev, `mbox_request_channel_byname() could not locate channel named "${name}"`);
    return ERR_PTR(-EINVAL);
  }
  return mbox_request_channel(cl, index);
}

/**
 * mbox_free_channel(): the client gives the channel back. The controller's shutdown runs; queued
 * messages are dropped without callbacks. A null or unowned channel is ignored.
 */
export function mbox_free_channel(chan: mbox_chan | null): void {
  if (chan === null || chan.cl === null) return;
  chan.mbox.ops!.shutdown?.(chan);
  const flags = local_irq_save();
  chan.cl = null;
  chan.active_req = null;
  if (chan.txdone_method === (TXDONE_BY_POLL | TXDONE_BY_ACK)) chan.txdone_method = TXDONE_BY_POLL;
  local_irq_restore(flags);
}

/** of_mbox_index_xlate(): the default translation, args[0] is the channel index. */
function of_mbox_index_xlate(mbox: mbox_controller, sp: of_phandle_args): mbox_chan | ErrPtr {
  const ind = sp.args[0] ?? -1;
  if (ind < 0 || ind >= mbox.num_chans) return ERR_PTR(-EINVAL);
  return mbox.chans[ind]!;
}

/**
 * mbox_controller_register(): makes the controller's channels available to clients.
 * -EINVAL when it has no device, ops or channels, or polls without `last_tx_done`.
 */
export function mbox_controller_register(mbox: mbox_controller | null): number {
  if (mbox === null || mbox.dev === null || mbox.ops === null || mbox.num_chans <= 0 || mbox.chans.length < mbox.num_chans) return -EINVAL;
  let txdone: number;
  if (mbox.txdone_irq) txdone = TXDONE_BY_IRQ;
  else if (mbox.txdone_poll) txdone = TXDONE_BY_POLL;
  else txdone = TXDONE_BY_ACK; // it has to be ACK then
  if (txdone === TXDONE_BY_POLL) {
    if (mbox.ops.last_tx_done === undefined) {
      dev_err(mbox.dev, "last_tx_done method is absent");
      return -EINVAL;
    }
    mbox.poll_timer = timer_setup(() => txdone_poll(mbox));
  }
  for (let i = 0; i < mbox.num_chans; i++) {
    const chan = mbox.chans[i]!;
    chan.cl = null;
    chan.mbox = mbox;
    chan.txdone_method = txdone;
  }
  if (mbox.of_xlate === null) mbox.of_xlate = of_mbox_index_xlate;
  statics().mbox_cons.push(mbox);
  return 0;
}

/** mbox_controller_unregister(): frees every channel and withdraws the controller. */
export function mbox_controller_unregister(mbox: mbox_controller | null): void {
  if (mbox === null) return;
  const s = statics();
  s.mbox_cons = s.mbox_cons.filter((m) => m !== mbox);
  for (let i = 0; i < mbox.num_chans; i++) mbox_free_channel(mbox.chans[i]!);
  if (mbox.poll_timer !== null) del_timer(mbox.poll_timer);
}
