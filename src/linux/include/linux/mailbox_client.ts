/**
 * The client side of the mailbox framework (include/linux/mailbox_client.h): a client describes
 * itself with `struct mbox_client` and calls the functions below, implemented in
 * drivers/mailbox/mailbox.ts.
 */
import type { device } from "./device.js";
import type { mbox_chan } from "./mailbox_controller.js";

/** struct mbox_client. Messages are the client's own objects (`void *` in C). */
export interface mbox_client {
  dev: device | null;
  /** Block in mbox_send_message until the message is transmitted (see mbox_send_message_blocking). */
  tx_block: boolean;
  /** With tx_block: give up after this many ms (0: one hour). */
  tx_tout: number;
  /** The client acknowledges transmission itself (mbox_client_txdone) even on a polled controller. */
  knows_txdone: boolean;
  rx_callback: ((cl: mbox_client, mssg: unknown) => void) | null;
  tx_prepare: ((cl: mbox_client, mssg: unknown) => void) | null;
  tx_done: ((cl: mbox_client, mssg: unknown, r: number) => void) | null;
}

/** A client with every field at its zero value (a kzalloc'ed struct). */
export function mbox_client_init(dev: device | null = null): mbox_client {
  return { dev, tx_block: false, tx_tout: 0, knows_txdone: false, rx_callback: null, tx_prepare: null, tx_done: null };
}

export type { mbox_chan };
export {
  mbox_client_peek_data,
  mbox_client_txdone,
  mbox_flush,
  mbox_free_channel,
  mbox_request_channel,
  mbox_request_channel_byname,
  mbox_send_message,
  mbox_send_message_blocking,
} from "../../drivers/mailbox/mailbox.js";
