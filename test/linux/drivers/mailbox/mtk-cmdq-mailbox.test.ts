/**
 * The GCE mailbox controller (seed era, spec §2) driving the GCE model on the mt8173 board with
 * no display client: starting idle threads, appending to running ones, completion and error
 * interrupts, the 1000 ms thread timer, shutdown, flush, suspend and the DT bindings.
 */
import { describe, expect, it } from "vitest";
import { PTR_ERR, type ErrPtr } from "../../../../src/linux/include/linux/err.js";
import { ECONNABORTED, EINVAL, ENOEXEC, ETIMEDOUT } from "../../../../src/linux/include/linux/errno.js";
import { CMDQ_EVENT_MUTEX0_STREAM_EOF, CMDQ_EVENT_MUTEX4_STREAM_EOF, CMDQ_INST_SIZE } from "../../../../src/linux/include/linux/soc/mediatek/mtk-cmdq.js";
import {
  cmdq_mbox_destroy,
  cmdq_pkt_clear_event,
  cmdq_pkt_destroy,
  cmdq_pkt_flush,
  cmdq_pkt_read_u64,
  cmdq_pkt_wfe,
  cmdq_pkt_write,
} from "../../../../src/linux/drivers/soc/mediatek/mtk-cmdq-helper.js";
import { mbox_flush } from "../../../../src/linux/drivers/mailbox/mailbox.js";
import { cmdq_drv } from "../../../../src/linux/drivers/mailbox/mtk-cmdq-mailbox.js";
import { local_irq_restore, local_irq_save } from "../../../../src/linux/include/linux/irqflags.js";
import { generic_handle_irq, irq_to_desc } from "../../../../src/linux/kernel/irq/manage.js";
import { kmalloc_allocated, should_failslab } from "../../../../src/linux/mm/slab.js";
import { OVL0, RDMA2, client, logLines, packet, quietBoard, submit, tryClient, type Done } from "./cmdq-harness.js";

const MS = 1_000_000;
const GCE_IRQ = 32 + 135;

/** A frame-style packet: clear + wait for `event`, `writes` register writes to RDMA2. */
function framePacket(b: ReturnType<typeof quietBoard>, event: number, writes: number, first = 0) {
  return packet(b, (pkt) => {
    cmdq_pkt_clear_event(pkt, event);
    cmdq_pkt_wfe(pkt, event);
    for (let i = 0; i < writes; i++) cmdq_pkt_write(pkt, first + i, RDMA2, 0x100 + 4 * i);
  });
}

describe("starting and completing", () => {
  it("starts an idle thread on the packet (reset, PC/END, priority, IRQ enable) and completes it with err = false", () => {
    const b = quietBoard();
    const c = client(b, 0);
    const before = b.inKernel(() => kmalloc_allocated());
    const pkt = packet(b, (p) => cmdq_pkt_write(p, 0xabcd, RDMA2, 0x40));
    const log: Done[] = [];
    expect(submit(b, c, pkt, "a", log)).toBe(0);
    const st = b.gce.threadState(0);
    expect(st.enabled).toBe(true);
    expect(st.pc).toBe(pkt.va_base!.pa);
    expect(st.end).toBe(pkt.va_base!.pa + 3 * CMDQ_INST_SIZE);
    expect(st.priority).toBe(1);
    expect(st.irqEnable).toBe(0x13);
    b.runFor(1 * MS);
    expect(log).toEqual([{ name: "a", t: expect.any(Number), err: false, sta: 0 }]);
    expect(b.display.shadowValue(0x1401_0040)).toBe(0xabcd);
    expect(b.gce.threadState(0).enabled).toBe(false);
    b.inKernel(() => cmdq_pkt_destroy(pkt));
    expect(b.inKernel(() => kmalloc_allocated())).toBe(before);
    const t = b.controller()!.thread[0]!.stats;
    expect([t.submitted, t.done, t.ops[0x04], t.ops[0x40], t.ops[0x10]]).toEqual([1, 1, 1, 1, 1]);
  });

  it("appends to a thread waiting in a WFE by patching the previous packet's final JUMP to JUMP_BY_PA", () => {
    const b = quietBoard();
    const c = client(b, 0);
    const a = framePacket(b, CMDQ_EVENT_MUTEX0_STREAM_EOF, 2);
    const p2 = packet(b, (p) => cmdq_pkt_write(p, 7, RDMA2, 0x200));
    const log: Done[] = [];
    submit(b, c, a, "a", log);
    b.runFor(1000);
    expect(b.gce.threadState(0).activity).toBe("waiting");
    submit(b, c, p2, "b", log);
    // a's last instruction now jumps to b: CMDQ_JUMP_BY_PA << 32 | b.pa.
    expect(cmdq_pkt_read_u64(a, a.cmd_buf_size - 8)).toBe((0x1000_0001n << 32n) | BigInt(p2.va_base!.pa));
    expect(b.controller()!.thread[0]!.stats.appended_jump).toBe(1);
    b.runFor(20 * MS);
    expect(log.map((d) => [d.name, d.err])).toEqual([
      ["a", false],
      ["b", false],
    ]);
    expect(b.display.shadowValue(0x1401_0200)).toBe(7);
  });

  it("moves the PC straight to the new packet when the thread already ran to its end (interrupt not yet handled)", () => {
    const b = quietBoard();
    const c = client(b, 0);
    const log: Done[] = [];
    const flags = b.inKernel(() => local_irq_save());
    submit(b, c, packet(b, (p) => cmdq_pkt_write(p, 1, RDMA2, 0)), "a", log);
    b.runFor(1 * MS); // a ran to END; its interrupt waits for the CPU
    expect(log).toEqual([]);
    const p2 = packet(b, (p) => cmdq_pkt_write(p, 2, RDMA2, 4));
    submit(b, c, p2, "b", log);
    expect(b.controller()!.thread[0]!.stats.appended_direct).toBe(1);
    b.inKernel(() => local_irq_restore(flags));
    b.runFor(1 * MS);
    expect(log.map((d) => [d.name, d.err])).toEqual([
      ["a", false],
      ["b", false],
    ]);
  });

  it("fails the packet an error interrupt stops (-ENOEXEC, dumped) and resumes the thread at the next one", () => {
    const b = quietBoard();
    const c = client(b, 0);
    const log: Done[] = [];
    const bad = packet(b, (p) => {
      cmdq_pkt_write(p, 1, RDMA2, 0);
      cmdq_pkt_write(p, 2, { subsys: 9, base: 0x1900_0000 }, 0); // no subsys 9 on mt8173: invalid instruction
    });
    const good = packet(b, (p) => cmdq_pkt_write(p, 3, RDMA2, 8));
    const flags = b.inKernel(() => local_irq_save());
    submit(b, c, framePacket(b, CMDQ_EVENT_MUTEX0_STREAM_EOF, 0), "wait", log);
    submit(b, c, bad, "bad", log);
    submit(b, c, good, "good", log);
    b.inKernel(() => local_irq_restore(flags));
    b.runFor(20 * MS);
    expect(log.map((d) => [d.name, d.err, d.sta])).toEqual([
      ["wait", false, 0],
      ["bad", true, -ENOEXEC],
      ["good", false, 0],
    ]);
    const lines = logLines(b);
    expect(lines.some((l) => /^mtk_cmdq 10212000\.gce: task 0x[0-9a-f]+ error$/.test(l))).toBe(true);
    expect(lines).toContain("mtk_cmdq 10212000.gce: dump error task start ----------");
    expect(b.display.shadowValue(0x1401_0008)).toBe(3);
  });

  it("answers a GCE interrupt with no thread pending with IRQ_NONE", () => {
    const b = quietBoard();
    b.inKernel(() => generic_handle_irq(GCE_IRQ));
    expect(b.inKernel(() => irq_to_desc(GCE_IRQ)!.unhandled_total)).toBe(1);
  });
});

describe("the seed's 1000 ms thread timer", () => {
  it("fails every pending packet with err when a WFE's event never comes, and disables the thread", () => {
    const b = quietBoard();
    const c = client(b, 0);
    const log: Done[] = [];
    submit(b, c, framePacket(b, CMDQ_EVENT_MUTEX4_STREAM_EOF, 4), "stuck", log);
    submit(b, c, packet(b, (p) => cmdq_pkt_write(p, 1, RDMA2, 0)), "behind", log);
    b.runFor(990 * MS);
    expect(log).toEqual([]);
    b.runFor(20 * MS);
    expect(log.map((d) => [d.name, d.err, d.sta])).toEqual([
      ["stuck", true, -ETIMEDOUT],
      ["behind", true, -ETIMEDOUT],
    ]);
    expect(log[0]!.t).toBeGreaterThanOrEqual(1000 * MS);
    expect(log[0]!.t).toBeLessThan(1005 * MS);
    const lines = logLines(b);
    expect(lines).toContain("mtk_cmdq 10212000.gce: timeout");
    expect(lines).toContain("mtk_cmdq 10212000.gce: dump timeout task start ----------");
    expect(lines.some((l) => l.includes("wait for event 57"))).toBe(true);
    expect(b.gce.threadState(0).enabled).toBe(false);
    const s = b.controller()!.thread[0]!.stats;
    expect([s.timeouts, s.timeout_events]).toEqual([2, 1]);
  });

  it("ends a synchronous cmdq_pkt_flush with -EFAULT; with cmdq.no-thread-timeout nothing ends it", () => {
    for (const mainline of [false, true]) {
      const b = quietBoard({ switches: { "cmdq.no-thread-timeout": mainline } });
      const c = client(b, 0);
      const pkt = framePacket(b, CMDQ_EVENT_MUTEX4_STREAM_EOF, 1);
      const t = b.spawn("flusher", cmdq_pkt_flush(c, pkt));
      b.runFor(3000 * MS);
      if (mainline) expect(t.done).toBe(false);
      else expect(t.result).toBe(-14);
    }
  });
});

describe("shutdown, flush, suspend", () => {
  it("aborts queued packets with -ECONNABORTED when the channel is freed, completing those already done", () => {
    const b = quietBoard();
    const c = client(b, 0);
    const log: Done[] = [];
    const flags = b.inKernel(() => local_irq_save());
    submit(b, c, packet(b, (p) => cmdq_pkt_write(p, 1, RDMA2, 0)), "done", log);
    b.runFor(1 * MS); // ran; its interrupt is held back
    submit(b, c, framePacket(b, CMDQ_EVENT_MUTEX4_STREAM_EOF, 1), "stuck", log);
    b.inKernel(() => cmdq_mbox_destroy(c));
    b.inKernel(() => local_irq_restore(flags));
    expect(log.map((d) => [d.name, d.sta])).toEqual([
      ["done", 0],
      ["stuck", -ECONNABORTED],
    ]);
    expect(b.gce.threadState(0).enabled).toBe(false);
    b.runFor(2000 * MS);
    expect(log).toHaveLength(2);
    // The channel is free again.
    expect(client(b, 0)).toBeDefined();
  });

  it("cmdq.seed-empty-shutdown: freeing the channel leaves the packet running; the thread timer fails it later", () => {
    const b = quietBoard({ switches: { "cmdq.seed-empty-shutdown": true } });
    const c = client(b, 0);
    const log: Done[] = [];
    submit(b, c, framePacket(b, CMDQ_EVENT_MUTEX4_STREAM_EOF, 1), "stuck", log);
    b.runFor(1000);
    b.inKernel(() => cmdq_mbox_destroy(c));
    expect(log).toEqual([]);
    expect(b.gce.threadState(0).activity).toBe("waiting");
    b.runFor(1100 * MS);
    expect(log.map((d) => d.err)).toEqual([true]);
  });

  it("mbox_flush aborts packets waiting in a WFE and busy-waits for a running thread (timeout in µs)", () => {
    const b = quietBoard({ gceTiming: { writeNs: 1000 } });
    const c = client(b, 0);
    const log: Done[] = [];
    submit(b, c, framePacket(b, CMDQ_EVENT_MUTEX4_STREAM_EOF, 1), "waiting", log);
    b.runFor(1000);
    expect(b.inKernel(() => mbox_flush(c.chan, 2000))).toBe(0);
    expect(log.map((d) => [d.name, d.sta])).toEqual([["waiting", -ECONNABORTED]]);

    // 100 writes of 1 µs each: a 2000 "ms" flush waits 2000 µs, long enough; 20 µs is not.
    submit(b, c, packet(b, (p) => { for (let i = 0; i < 100; i++) cmdq_pkt_write(p, i, RDMA2, 4 * i); }), "long", log);
    b.runFor(1000);
    expect(b.inKernel(() => mbox_flush(c.chan, 2000))).toBe(0);
    expect(log.map((d) => [d.name, d.sta])).toEqual([["waiting", -ECONNABORTED], ["long", 0]]);
    submit(b, c, packet(b, (p) => { for (let i = 0; i < 100; i++) cmdq_pkt_write(p, i, RDMA2, 4 * i); }), "long2", log);
    b.runFor(1000);
    expect(b.inKernel(() => mbox_flush(c.chan, 20))).toBe(-14);
    expect(logLines(b)).toContain("mtk_cmdq 10212000.gce: Fail to wait GCE thread 0x100 done");
  });

  it("suspend warns about running packets and sending while suspended WARNs; resume clears it", () => {
    const b = quietBoard();
    const c = client(b, 0);
    const log: Done[] = [];
    submit(b, c, framePacket(b, CMDQ_EVENT_MUTEX4_STREAM_EOF, 1), "stuck", log);
    const dev = b.controller()!.mbox.dev!;
    expect(b.inKernel(() => cmdq_drv.driver.pm!.suspend!(dev))).toBe(0);
    expect(logLines(b)).toContain("mtk_cmdq 10212000.gce: exist running task(s) in suspend");
    submit(b, c, packet(b, (p) => cmdq_pkt_write(p, 1, RDMA2, 0)), "late", log);
    expect(b.machine.kernel.warnings).toEqual(["cmdq_task_exec: flush while suspended"]);
    expect(b.inKernel(() => cmdq_drv.driver.pm!.resume!(dev))).toBe(0);
    expect(b.controller()!.suspended).toBe(false);
  });

  it("cmdq.seed-suspend-timeout: suspend forces the busy thread's timer, failing its packets at the next tick", () => {
    const b = quietBoard({ switches: { "cmdq.seed-suspend-timeout": true } });
    const c = client(b, 0);
    const log: Done[] = [];
    submit(b, c, framePacket(b, CMDQ_EVENT_MUTEX4_STREAM_EOF, 1), "stuck", log);
    b.inKernel(() => cmdq_drv.driver.pm!.suspend!(b.controller()!.mbox.dev!));
    b.runFor(10 * MS);
    expect(log.map((d) => d.err)).toEqual([true]);
  });

  it("a failed task allocation is not reported to the sender: the framework resubmits at its next tick", () => {
    const b = quietBoard();
    const c = client(b, 0);
    const log: Done[] = [];
    const pkt = packet(b, (p) => cmdq_pkt_write(p, 1, OVL0, 0x40));
    b.inKernel(() => should_failslab(1)); // the controller's task
    expect(submit(b, c, pkt, "a", log)).toBe(0);
    expect(b.controller()!.thread[0]!.stats.submitted).toBe(1); // sent by the retry in mbox_client_txdone
    b.runFor(1 * MS);
    expect(log.map((d) => d.err)).toEqual([false]);
  });
});

describe("device-tree bindings", () => {
  it("rejects a thread the controller does not have with -EINVAL (16 threads; 4 with cmdq.seed-threads)", () => {
    expect(PTR_ERR(tryClient(quietBoard({ dtsOverlay: "&mmsys { mboxes = <&gce 16 1>; };" })) as ErrPtr)).toBe(-EINVAL);
    const seed = quietBoard({ switches: { "cmdq.seed-threads": true }, dtsOverlay: "&mmsys { mboxes = <&gce 4 1>, <&gce 3 1>; };" });
    expect(PTR_ERR(tryClient(seed, 0) as ErrPtr)).toBe(-EINVAL);
    const c = client(seed, 1);
    submit(seed, c, packet(seed, (p) => cmdq_pkt_write(p, 1, RDMA2, 0)), "x", []);
    expect(seed.gce.threadState(3).priority).toBe(0); // the seed writes no priority
  });

  it("reads <thread priority> (5.7+), <thread atomic_exec> (cmdq.seed-xlate) and <thread priority atomic_exec> (4.19)", () => {
    const b = quietBoard({ dtsOverlay: "&mmsys { mboxes = <&gce 0 0>, <&gce 1 1>; };" });
    client(b, 0);
    client(b, 1);
    const th = b.controller()!.thread;
    expect([th[0]!.priority, th[1]!.priority, th[1]!.atomic_exec]).toEqual([0, 1, false]);
    const seed = quietBoard({ switches: { "cmdq.seed-xlate": true } });
    client(seed, 0);
    expect([seed.controller()!.thread[0]!.priority, seed.controller()!.thread[0]!.atomic_exec]).toEqual([0, true]);
    const v419 = quietBoard({ dtsOverlay: "&gce { #mbox-cells = <3>; }; &mmsys { mboxes = <&gce 2 1 1>; };" });
    client(v419, 0);
    expect([v419.controller()!.thread[2]!.priority, v419.controller()!.thread[2]!.atomic_exec]).toEqual([1, true]);
  });

  it("atomic_exec: a packet appended to a thread in WFE has its wait-and-clear WFEs turned into JUMP +8", () => {
    const b = quietBoard({ dtsOverlay: "&gce { #mbox-cells = <3>; }; &mmsys { mboxes = <&gce 0 1 1>; };" });
    const c = client(b, 0);
    const log: Done[] = [];
    const a = framePacket(b, CMDQ_EVENT_MUTEX0_STREAM_EOF, 1, 10);
    const p2 = framePacket(b, CMDQ_EVENT_MUTEX0_STREAM_EOF, 1, 20);
    submit(b, c, a, "a", log);
    b.runFor(1000);
    submit(b, c, p2, "b", log);
    expect(cmdq_pkt_read_u64(p2, 8)).toBe(0x1000_0000_0000_0008n); // was the WFE
    expect(cmdq_pkt_read_u64(p2, 0)).toBe(0x2000_0035_8000_0000n); // the clear stays
    b.runFor(20 * MS);
    expect(log.map((d) => d.name)).toEqual(["a", "b"]);
    expect(log[1]!.t - log[0]!.t).toBeLessThan(1000); // same frame: b did not wait again
  });
});
