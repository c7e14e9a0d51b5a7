/**
 * The mailbox framework against a fake controller on a bare kernel (test/support/kernel-host.ts):
 * channel lookup through `mboxes`, the TX ring, the TX-done methods, blocking sends, flush and
 * free, and the error codes of spec §3.2.
 */
import { describe, expect, it } from "vitest";
import { device_create, type device } from "../../../../src/linux/include/linux/device.js";
import { IS_ERR, PTR_ERR, type ErrPtr } from "../../../../src/linux/include/linux/err.js";
import { EBUSY, EINVAL, EIO, ENOBUFS, ENODEV, ENOTSUPP, EPROBE_DEFER, ETIME } from "../../../../src/linux/include/linux/errno.js";
import { mbox_client_init, type mbox_client } from "../../../../src/linux/include/linux/mailbox_client.js";
import { MBOX_TX_QUEUE_LEN, TXDONE_BY_ACK, TXDONE_BY_POLL, type mbox_chan, type mbox_chan_ops, type mbox_controller } from "../../../../src/linux/include/linux/mailbox_controller.js";
import { of_node_alloc, of_node_attach, of_prop_string, of_prop_u32, type device_node } from "../../../../src/linux/include/linux/of.js";
import {
  mbox_chan_init,
  mbox_chan_received_data,
  mbox_chan_txdone,
  mbox_client_txdone,
  mbox_controller_init,
  mbox_controller_register,
  mbox_controller_unregister,
  mbox_flush,
  mbox_free_channel,
  mbox_request_channel,
  mbox_request_channel_byname,
  mbox_send_message,
  mbox_send_message_blocking,
} from "../../../../src/linux/drivers/mailbox/mailbox.js";
import { kthread_run } from "../../../../src/linux/kernel/instance.js";
import { clockevents_config_and_register } from "../../../../src/linux/kernel/time/clockevents.js";
import { fakeClockEvent, testMachine, type TestMachine } from "../../../support/kernel-host.js";

interface Fake {
  mbox: mbox_controller;
  /** Messages the controller accepted, in order. */
  sent: unknown[];
  /** send_data result (0 accepts). */
  result: number;
  busy: boolean;
  flushResult: number | null;
  startup: number;
  shutdowns: number;
}

/** A tree: a controller node with #mbox-cells = 1 and a client with `mboxes = <&ctl 0>, <&ctl 1>, <&ctl 7>`. */
function tree(): { ctl: device_node; client: device_node } {
  const root = of_node_alloc("", [of_prop_u32("#address-cells", 1), of_prop_u32("#size-cells", 1)]);
  const ctl = of_node_attach(root, of_node_alloc("mailbox@1000", [of_prop_u32("#mbox-cells", 1), of_prop_u32("phandle", 5)]));
  const client = of_node_attach(root, of_node_alloc("client@2000", [of_prop_u32("mboxes", 5, 0, 5, 1, 5, 7), of_prop_string("mbox-names", "tx", "rx", "bad")]));
  return { ctl, client };
}

function fakeController(m: TestMachine, ctlNode: device_node, opts: { poll?: boolean; irq?: boolean; flush?: boolean; register?: boolean } = {}): Fake {
  const fake: Fake = { mbox: mbox_controller_init(), sent: [], result: 0, busy: false, flushResult: null, startup: 0, shutdowns: 0 };
  const ops: mbox_chan_ops = {
    send_data: (_chan, data) => {
      if (fake.result !== 0) return fake.result;
      fake.sent.push(data);
      fake.busy = true;
      return 0;
    },
    startup: () => fake.startup,
    shutdown: () => void fake.shutdowns++,
    last_tx_done: () => !fake.busy,
    ...(opts.flush === true ? { flush: () => fake.flushResult ?? 0 } : {}),
  };
  const mbox = fake.mbox;
  mbox.dev = device_create("1000.mailbox", ctlNode, "platform");
  mbox.ops = ops;
  mbox.num_chans = 2;
  mbox.chans = [mbox_chan_init(mbox, "c0"), mbox_chan_init(mbox, "c1")];
  mbox.txdone_poll = opts.poll ?? false;
  mbox.txdone_irq = opts.irq ?? false;
  mbox.txpoll_period = 1;
  if (opts.register !== false) expect(m.on(0, () => mbox_controller_register(mbox))).toBe(0);
  return fake;
}

function client(dev: device | null, over: Partial<mbox_client> = {}): mbox_client {
  return Object.assign(mbox_client_init(dev), over);
}

function chanOf(x: mbox_chan | ErrPtr): mbox_chan {
  if (IS_ERR(x)) throw new Error(`expected a channel, got ${x}`);
  return x;
}

function withTick(m: TestMachine): void {
  m.on(0, () => clockevents_config_and_register(fakeClockEvent(m, 0), 1_000_000_000, 1000, 0x7fff_ffff));
}

describe("mbox_request_channel", () => {
  it("binds the channel the `mboxes` entry names and resets its queue", () => {
    const m = testMachine();
    const { ctl, client: cn } = tree();
    const fake = fakeController(m, ctl);
    const cl = client(device_create("client", cn));
    const chan = chanOf(m.on(0, () => mbox_request_channel(cl, 1)));
    expect(chan).toBe(fake.mbox.chans[1]);
    expect(chan.cl).toBe(cl);
    expect(chan.txdone_method).toBe(TXDONE_BY_ACK);
    expect(chanOf(m.on(0, () => mbox_request_channel_byname(client(device_create("c2", cn)), "tx")))).toBe(fake.mbox.chans[0]);
  });

  it("returns -ENODEV without a device or node, or when the entry cannot be parsed", () => {
    const m = testMachine();
    const { ctl, client: cn } = tree();
    fakeController(m, ctl);
    m.on(0, () => {
      expect(PTR_ERR(mbox_request_channel(client(null), 0) as ErrPtr)).toBe(-ENODEV);
      expect(PTR_ERR(mbox_request_channel(client(device_create("x")), 0) as ErrPtr)).toBe(-ENODEV);
      expect(PTR_ERR(mbox_request_channel(client(device_create("c", cn)), 3) as ErrPtr)).toBe(-ENODEV);
      expect(PTR_ERR(mbox_request_channel_byname(client(device_create("c", cn)), "nope") as ErrPtr)).toBe(-EINVAL);
    });
  });

  it("returns -EPROBE_DEFER until the controller registers, the xlate's -EINVAL, and -EBUSY for an owned channel", () => {
    const m = testMachine();
    const { ctl, client: cn } = tree();
    const fake = fakeController(m, ctl, { register: false });
    const dev = device_create("client", cn);
    m.on(0, () => {
      expect(PTR_ERR(mbox_request_channel(client(dev), 0) as ErrPtr)).toBe(-EPROBE_DEFER);
      expect(mbox_controller_register(fake.mbox)).toBe(0);
      expect(PTR_ERR(mbox_request_channel(client(dev), 2) as ErrPtr)).toBe(-EINVAL); // <&ctl 7>: no channel 7
      expect(IS_ERR(mbox_request_channel(client(dev), 0))).toBe(false);
      expect(PTR_ERR(mbox_request_channel(client(dev), 0) as ErrPtr)).toBe(-EBUSY);
    });
  });

  it("frees the channel again when the controller's startup fails, returning its error", () => {
    const m = testMachine();
    const { ctl, client: cn } = tree();
    const fake = fakeController(m, ctl);
    fake.startup = -EIO;
    m.on(0, () => expect(PTR_ERR(mbox_request_channel(client(device_create("c", cn)), 0) as ErrPtr)).toBe(-EIO));
    expect(fake.mbox.chans[0]!.cl).toBeNull();
    expect(fake.shutdowns).toBe(1);
    expect(m.log().some((l) => l.includes("Unable to startup the chan (-5)"))).toBe(true);
  });

  it("refuses controllers without device, ops or channels, and polled ones without last_tx_done", () => {
    const m = testMachine();
    m.on(0, () => {
      expect(mbox_controller_register(null)).toBe(-EINVAL);
      expect(mbox_controller_register(mbox_controller_init())).toBe(-EINVAL);
      const mbox = mbox_controller_init();
      mbox.dev = device_create("m");
      mbox.ops = { send_data: () => 0 };
      mbox.num_chans = 1;
      mbox.chans = [mbox_chan_init(mbox)];
      mbox.txdone_poll = true;
      expect(mbox_controller_register(mbox)).toBe(-EINVAL);
    });
  });
});

describe("sending", () => {
  it("queues up to MBOX_TX_QUEUE_LEN messages and then returns -ENOBUFS; tokens are ring indices", () => {
    const m = testMachine();
    const { ctl, client: cn } = tree();
    const fake = fakeController(m, ctl);
    const chan = chanOf(m.on(0, () => mbox_request_channel(client(device_create("c", cn)), 0)));
    const tokens = m.on(0, () => Array.from({ length: MBOX_TX_QUEUE_LEN + 2 }, (_, i) => mbox_send_message(chan, `m${i}`)));
    // m0 went straight to the controller; 20 more fill the ring; the next is refused.
    expect(tokens.slice(0, MBOX_TX_QUEUE_LEN + 1)).toEqual(Array.from({ length: MBOX_TX_QUEUE_LEN + 1 }, (_, i) => i % MBOX_TX_QUEUE_LEN));
    expect(tokens[MBOX_TX_QUEUE_LEN + 1]).toBe(-ENOBUFS);
    expect(fake.sent).toEqual(["m0"]);
    expect(m.log()).toContain("platform 1000.mailbox: Try increasing MBOX_TX_QUEUE_LEN");
  });

  it("returns -EINVAL for a missing or unowned channel", () => {
    const m = testMachine();
    const { ctl } = tree();
    const fake = fakeController(m, ctl);
    m.on(0, () => {
      expect(mbox_send_message(null, "x")).toBe(-EINVAL);
      expect(mbox_send_message(fake.mbox.chans[0]!, "x")).toBe(-EINVAL);
    });
  });

  it("ACK: tx_done runs with the client's status and the next queued message goes out", () => {
    const m = testMachine();
    const { ctl, client: cn } = tree();
    const fake = fakeController(m, ctl);
    const done: Array<[unknown, number]> = [];
    const chan = chanOf(m.on(0, () => mbox_request_channel(client(device_create("c", cn), { tx_done: (_cl, msg, r) => done.push([msg, r]) }), 0)));
    m.on(0, () => {
      mbox_send_message(chan, "a");
      mbox_send_message(chan, "b");
      mbox_client_txdone(chan, 0);
      mbox_client_txdone(chan, -EIO);
    });
    expect(fake.sent).toEqual(["a", "b"]);
    expect(done).toEqual([
      ["a", 0],
      ["b", -EIO],
    ]);
  });

  it("keeps a message the controller refused queued and retries it at the next tick, without telling the sender", () => {
    const m = testMachine();
    const { ctl, client: cn } = tree();
    const fake = fakeController(m, ctl);
    const chan = chanOf(m.on(0, () => mbox_request_channel(client(device_create("c", cn)), 0)));
    fake.result = -EBUSY;
    expect(m.on(0, () => mbox_send_message(chan, "a"))).toBe(0);
    expect(chan.msg_count).toBe(1);
    fake.result = 0;
    m.on(0, () => mbox_client_txdone(chan, 0));
    expect(fake.sent).toEqual(["a"]);
  });

  it("ticks only by the method the controller has: the client cannot tick an IRQ controller, nor it an ACK one", () => {
    const m = testMachine();
    const { ctl, client: cn } = tree();
    const fake = fakeController(m, ctl, { irq: true });
    const chan = chanOf(m.on(0, () => mbox_request_channel(client(device_create("c", cn)), 0)));
    m.on(0, () => {
      mbox_send_message(chan, "a");
      mbox_send_message(chan, "b");
      mbox_client_txdone(chan, 0);
      expect(fake.sent).toEqual(["a"]);
      mbox_chan_txdone(chan, 0);
      expect(fake.sent).toEqual(["a", "b"]);
    });
    expect(m.log()).toContain("platform 1000.mailbox: Client can't run the TX ticker");
  });

  it("POLL: the poll timer ticks the channel once last_tx_done says so; knows_txdone adds ACK", () => {
    const m = testMachine();
    withTick(m);
    const { ctl, client: cn } = tree();
    const fake = fakeController(m, ctl, { poll: true });
    const done: unknown[] = [];
    const chan = chanOf(m.on(0, () => mbox_request_channel(client(device_create("c", cn), { tx_done: (_c, msg) => done.push(msg) }), 0)));
    expect(chan.txdone_method).toBe(TXDONE_BY_POLL);
    m.on(0, () => {
      mbox_send_message(chan, "a");
      mbox_send_message(chan, "b");
    });
    m.clock.run(m.clock.now + 5_000_000);
    expect(done).toEqual([]);
    fake.busy = false;
    m.clock.run(m.clock.now + 5_000_000);
    expect(done).toEqual(["a"]);
    expect(fake.sent).toEqual(["a", "b"]);
    const cl2 = client(device_create("c2", cn), { knows_txdone: true });
    const chan2 = chanOf(m.on(0, () => mbox_request_channel(cl2, 1)));
    expect(chan2.txdone_method).toBe(TXDONE_BY_POLL | TXDONE_BY_ACK);
    m.on(0, () => mbox_free_channel(chan2));
    expect(chan2.txdone_method).toBe(TXDONE_BY_POLL);
  });

  it("delivers received data to rx_callback synchronously", () => {
    const m = testMachine();
    const { ctl, client: cn } = tree();
    fakeController(m, ctl);
    const got: unknown[] = [];
    const chan = chanOf(m.on(0, () => mbox_request_channel(client(device_create("c", cn), { rx_callback: (_c, msg) => got.push(msg) }), 0)));
    m.on(0, () => mbox_chan_received_data(chan, { sta: 0 }));
    expect(got).toEqual([{ sta: 0 }]);
  });
});

describe("tx_block", () => {
  it("mbox_send_message_blocking waits for the transmission and returns the token", () => {
    const m = testMachine();
    withTick(m);
    const { ctl, client: cn } = tree();
    fakeController(m, ctl);
    const chan = chanOf(m.on(0, () => mbox_request_channel(client(device_create("c", cn), { tx_block: true, tx_tout: 100 }), 0)));
    const t = m.on(0, () => kthread_run(mbox_send_message_blocking(chan, "a"), "sender"));
    m.clock.newTimer("ack", () => m.on(0, () => mbox_client_txdone(chan, 0))).mod(20_000_000);
    m.clock.run(200_000_000);
    expect(t.done).toBe(true);
    expect(t.result).toBe(0);
  });

  it("gives up after tx_tout ms with -ETIME and ticks the channel with it", () => {
    const m = testMachine({ HZ: 1000 });
    withTick(m);
    const { ctl, client: cn } = tree();
    fakeController(m, ctl);
    const done: number[] = [];
    const chan = chanOf(m.on(0, () => mbox_request_channel(client(device_create("c", cn), { tx_block: true, tx_tout: 50, tx_done: (_c, _m, r) => done.push(r) }), 0)));
    const t = m.on(0, () => kthread_run(mbox_send_message_blocking(chan, "a"), "sender"));
    m.clock.run(40_000_000);
    expect(t.done).toBe(false);
    m.clock.run(200_000_000);
    expect(t.result).toBe(-ETIME);
    expect(done).toEqual([-ETIME]);
  });

  it("refuses the non-blocking call for a tx_block client with a WARN", () => {
    const m = testMachine();
    const { ctl, client: cn } = tree();
    fakeController(m, ctl);
    const chan = chanOf(m.on(0, () => mbox_request_channel(client(device_create("c", cn), { tx_block: true }), 0)));
    expect(m.on(0, () => mbox_send_message(chan, "a"))).toBe(-EINVAL);
    expect(m.kernel.warnings).toHaveLength(1);
  });
});

describe("flush and free", () => {
  it("mbox_flush is -ENOTSUPP without the op, and a failing flush ticks the channel with its error", () => {
    const m = testMachine();
    const { ctl, client: cn } = tree();
    const fake = fakeController(m, ctl, { flush: true });
    const done: number[] = [];
    const chan = chanOf(m.on(0, () => mbox_request_channel(client(device_create("c", cn), { tx_done: (_c, _m, r) => done.push(r) }), 0)));
    m.on(0, () => {
      mbox_send_message(chan, "a");
      fake.flushResult = -ETIME;
      expect(mbox_flush(chan, 10)).toBe(-ETIME);
    });
    expect(done).toEqual([-ETIME]);
    const m2 = testMachine();
    const t2 = tree();
    const f2 = fakeController(m2, t2.ctl);
    const c2 = chanOf(m2.on(0, () => mbox_request_channel(client(device_create("c", t2.client)), 0)));
    expect(m2.on(0, () => mbox_flush(c2, 10))).toBe(-ENOTSUPP);
    expect(f2.sent).toEqual([]);
  });

  it("mbox_free_channel shuts the channel down and drops queued messages without callbacks; NULL is ignored", () => {
    const m = testMachine();
    const { ctl, client: cn } = tree();
    const fake = fakeController(m, ctl);
    const done: unknown[] = [];
    const chan = chanOf(m.on(0, () => mbox_request_channel(client(device_create("c", cn), { tx_done: (_c, msg) => done.push(msg) }), 0)));
    m.on(0, () => {
      mbox_send_message(chan, "a");
      mbox_send_message(chan, "b");
      mbox_free_channel(chan);
      mbox_free_channel(null);
      mbox_free_channel(chan);
    });
    expect(fake.shutdowns).toBe(1);
    expect(chan.cl).toBeNull();
    expect(done).toEqual([]);
    expect(m.on(0, () => mbox_send_message(chan, "c"))).toBe(-EINVAL);
    // The channel can be requested again, with an empty queue.
    const again = chanOf(m.on(0, () => mbox_request_channel(client(device_create("c2", cn)), 0)));
    expect(again.msg_count).toBe(0);
    m.on(0, () => mbox_controller_unregister(fake.mbox));
    expect(again.cl).toBeNull();
    expect(PTR_ERR(m.on(0, () => mbox_request_channel(client(device_create("c3", cn)), 0)) as ErrPtr)).toBe(-EPROBE_DEFER);
  });
});
