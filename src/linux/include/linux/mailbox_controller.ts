/**
 * The controller side of the mailbox framework (include/linux/mailbox_controller.h): channels,
 * controller operations and the TX-done methods. The framework itself is
 * drivers/mailbox/mailbox.ts; ../shared/spec/cmdq-gce.md §3 lists the semantics the CMDQ stack
 * relies on.
 */
import type { completion } from "../../kernel/sched/completion.js";
import type { timer_list } from "../../kernel/time/timer.js";
import type { device } from "./device.js";
import type { mbox_client } from "./mailbox_client.js";
import type { of_phandle_args } from "./of.js";
import type { ErrPtr } from "./err.js";

/** MBOX_TX_QUEUE_LEN: messages a channel buffers before -ENOBUFS. */
export const MBOX_TX_QUEUE_LEN = 20;

/** TX-done methods (drivers/mailbox/mailbox.h). */
export const TXDONE_BY_IRQ = 1 << 0;
export const TXDONE_BY_POLL = 1 << 1;
export const TXDONE_BY_ACK = 1 << 2;

/**
 * struct mbox_chan_ops. `send_data` is called with the channel lock held and interrupts off; it
 * returns 0 or -errno (-EBUSY: "try later"). `flush` (2020+) waits at most `timeout` for the
 * channel to drain.
 */
export interface mbox_chan_ops {
  readonly send_data: (chan: mbox_chan, data: unknown) => number;
  readonly flush?: (chan: mbox_chan, timeout: number) => number;
  readonly startup?: (chan: mbox_chan) => number;
  readonly shutdown?: (chan: mbox_chan) => void;
  readonly last_tx_done?: (chan: mbox_chan) => boolean;
  readonly peek_data?: (chan: mbox_chan) => boolean;
}

/** struct mbox_chan. */
export interface mbox_chan {
  mbox: mbox_controller;
  txdone_method: number;
  cl: mbox_client | null;
  readonly tx_complete: completion;
  /** The message the controller is transmitting; null when none (a NULL `void *`). */
  active_req: unknown;
  msg_count: number;
  msg_free: number;
  readonly msg_data: unknown[];
  /** The controller's per-channel data (CMDQ: its GCE thread). */
  con_priv: unknown;
}

/** struct mbox_controller. */
export interface mbox_controller {
  dev: device | null;
  ops: mbox_chan_ops | null;
  chans: mbox_chan[];
  num_chans: number;
  txdone_irq: boolean;
  txdone_poll: boolean;
  /** Poll period in ms for TXDONE_BY_POLL. */
  txpoll_period: number;
  /** Translates a client's `mboxes` specifier into a channel (default: args[0] is the index). */
  of_xlate: ((mbox: mbox_controller, sp: of_phandle_args) => mbox_chan | ErrPtr) | null;
  /**
   * MODEL: the TXDONE_BY_POLL ticker. Linux uses an hrtimer; the port has timer_list only, so the
   * poll runs on jiffies (at least one tick between polls).
   */
  poll_timer: timer_list | null;
}
