/**
 * The mt8173 board end to end: the DRM crtc builds a packet per frame with the seed helper, the
 * mailbox framework and the GCE controller run it on the GCE model, the display model classifies
 * every write against its vblank, and the board's statistics report it.
 */
import { describe, expect, it } from "vitest";
import { formatLine, type TraceEvent, type TraceArg, type TraceSink } from "../../src/sim/trace.js";
import { bootMt8173, Mt8173, mt8173FrameSource } from "../../src/platform/boards/mt8173.js";
import { mtk_drm_client_thread } from "../../src/linux/drivers/gpu/drm/mediatek/mtk_drm_crtc.js";
import { CMDQ_EVENT_MUTEX0_STREAM_EOF } from "../../src/linux/include/linux/soc/mediatek/mtk-cmdq.js";
import { cmdq_pkt_clear_event, cmdq_pkt_wfe, cmdq_pkt_write } from "../../src/linux/drivers/soc/mediatek/mtk-cmdq-helper.js";
import { RDMA2, WDMA0, client, packet, quietBoard, submit, type Done } from "../linux/drivers/mailbox/cmdq-harness.js";

const MS = 1_000_000;
const S = 1_000_000_000;

describe("frames", () => {
  it("runs a 60 fps display: one packet per frame, each completes, every write lands in a vblank", () => {
    const b = bootMt8173();
    b.runFor(1 * S);
    const s = b.stats();
    const f = s.frames[0]!;
    expect(f.flipped).toBeGreaterThanOrEqual(59);
    expect(f.onTime).toBe(f.flipped);
    expect([f.late, f.failed, f.cmdqTimeouts]).toEqual([0, 0, 0]);
    const t = s.threads[0]!;
    expect(t.thread).toBe(0);
    expect(t.completed).toBe(f.flipped);
    expect(t.submitted - t.completed).toBe(1); // the frame being waited for
    expect(s.instructions.byOp).toEqual({ WFE: 2 * t.completed, MASK: 4 * t.completed, WRITE: 200 * t.completed, EOC: t.completed, JUMP: t.completed });
    const eof = s.events.find((e) => e.name === "MUTEX0_STREAM_EOF")!;
    expect(eof.waitsEnded).toBe(t.completed);
    expect(eof.waitMaxNs).toBeLessThanOrEqual(17 * MS);
    expect(s.display).toMatchObject({ lateWrites: 0, underruns: 0 });
    expect(s.display.vblankWrites).toBeGreaterThanOrEqual(200 * t.completed);
    expect([s.timeouts, s.callbackErrors, s.warnings, s.busErrors]).toEqual([{ thread: 0, crtc: 0 }, 0, [], 0]);
    expect(s.jiffies).toBe(250);
  });

  it("reports a packet too long for the vblank as late frames (and the display's underruns)", () => {
    // 5 lines of vblank at 1080p60 are 74 µs; 2 500 writes of 40 ns take 100 µs.
    const b = bootMt8173({ panel: { vblankLines: 5 }, client: { writesPerFrame: 2500 } });
    b.runFor(500 * MS);
    const s = b.stats();
    const f = s.frames[0]!;
    expect(f.flipped).toBeGreaterThan(20);
    expect(f.late).toBe(f.flipped);
    expect(f.onTime).toBe(0);
    expect(s.display.lateWrites).toBeGreaterThan(0);
    expect(s.display.underruns).toBeGreaterThan(0);
    expect(s.callbackErrors).toBe(0);
  });

  it("drives two crtcs on two GCE threads at once", () => {
    const b = bootMt8173({ crtcs: 2 });
    b.runFor(1 * S);
    const s = b.stats();
    expect(s.threads.map((t) => t.thread)).toEqual([0, 1]);
    for (const f of s.frames) {
      expect(f.flipped).toBeGreaterThanOrEqual(59);
      expect(f.onTime).toBe(f.flipped);
    }
    expect(s.events.find((e) => e.name === "MUTEX1_STREAM_EOF")!.waitsEnded).toBeGreaterThanOrEqual(59);
  });

  it("falls back to CPU writes in the vblank interrupt when the GCE is absent (-EPROBE_DEFER)", () => {
    const b = bootMt8173({ dtsOverlay: '&gce { status = "disabled"; };' });
    b.runFor(200 * MS);
    const f = b.stats().frames[0]!;
    expect(f.cpuConfigured).toBeGreaterThan(10);
    expect(f.flipped).toBe(f.cpuConfigured);
    expect(b.stats().threads).toEqual([]);
  });

  it("runs the seed profile (atomic_exec from the seed binding, 4 threads, empty shutdown) as well", () => {
    const b = bootMt8173({ driverProfile: "seed" });
    b.runFor(500 * MS);
    const s = b.stats();
    expect(s.frames[0]!.flipped).toBeGreaterThanOrEqual(29);
    expect(b.controller()!.thread).toHaveLength(4);
    expect(b.controller()!.thread[0]!.atomic_exec).toBe(true);
  });
});

describe("threads", () => {
  it("appends to a running thread: a second packet per frame chains behind the first", () => {
    const b = quietBoard();
    const c = client(b, 0);
    const log: Done[] = [];
    for (let frame = 0; frame < 5; frame++) {
      submit(b, c, packet(b, (p) => {
        cmdq_pkt_clear_event(p, CMDQ_EVENT_MUTEX0_STREAM_EOF);
        cmdq_pkt_wfe(p, CMDQ_EVENT_MUTEX0_STREAM_EOF);
        cmdq_pkt_write(p, frame, RDMA2, 0x10);
      }), `a${frame}`, log);
      submit(b, c, packet(b, (p) => cmdq_pkt_write(p, frame, RDMA2, 0x14)), `b${frame}`, log);
      b.runFor(17 * MS);
    }
    const t = b.stats().threads[0]!;
    expect(t.appendedByJump).toBe(5);
    expect([t.submitted, t.completed, t.errors]).toEqual([10, 10, 0]);
    expect(log.map((d) => d.name)).toEqual(["a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3", "a4", "b4"]);
  });

  it("runs the higher-priority thread first when two are runnable", () => {
    const b = quietBoard({ dtsOverlay: "&mmsys { mboxes = <&gce 0 0>, <&gce 1 1>; };", gceTiming: { writeNs: 1000 } });
    const low = client(b, 0);
    const high = client(b, 1);
    const log: Done[] = [];
    const long = (base: typeof RDMA2) => packet(b, (p) => { for (let i = 0; i < 200; i++) cmdq_pkt_write(p, i, base, 4 * i); });
    const pl = long(RDMA2);
    const ph = long(WDMA0);
    submit(b, low, pl, "low", log);
    submit(b, high, ph, "high", log);
    b.runFor(5 * MS);
    expect(log.map((d) => d.name)).toEqual(["high", "low"]);
    expect(log[0]!.t).toBeLessThan(210_000);
    const st = b.stats().threads;
    expect(st.map((t) => [t.thread, t.priority])).toEqual([[0, 0], [1, 1]]);
  });
});

describe("timeouts", () => {
  it("a WFE on an event that never comes: the crtc reports the timeout after 3 vblanks, the thread timer fails the packet after 1000 ms", () => {
    const b = quietBoard();
    const crtc = b.createCrtc(0, 4)!; // waits for MUTEX4's stream EOF: no path raises it
    b.spawn("drm-client", mtk_drm_client_thread(crtc, mt8173FrameSource(4, 200), 2));
    b.runFor(100 * MS);
    let s = b.stats();
    expect(s.frames[0]!.cmdqTimeouts).toBe(1);
    expect(b.dmesg()).toContain("mtk_crtc 0 CMDQ execute command timeout!");
    expect(s.frames[0]!.flipped).toBe(0);
    b.runFor(1 * S);
    s = b.stats();
    expect(s.frames[0]!.failed).toBe(1);
    expect(s.timeouts.thread).toBe(1);
    expect(s.callbackErrors).toBe(1);
    expect(s.threads[0]!.timeouts).toBe(1);
    expect(b.dmesg()).toContain("mtk_cmdq 10212000.gce: timeout");
    b.runFor(2 * S);
    expect(b.stats().frames[0]!.failed).toBe(2);
  });

  it("a display that stops: the packet's event never comes and the thread timer fails it", () => {
    const b = bootMt8173();
    b.runFor(100 * MS);
    b.display.stopPath(0);
    b.runFor(1500 * MS);
    const s = b.stats();
    expect(s.frames[0]!.failed).toBeGreaterThanOrEqual(1);
    expect(s.timeouts.thread).toBeGreaterThanOrEqual(1);
  });
});

class Lines implements TraceSink {
  readonly lines: string[] = [];
  record(t: number, ev: TraceEvent, args: readonly TraceArg[]): void {
    this.lines.push(formatLine(t, ev, args));
  }
  close(): void {}
}

describe("determinism", () => {
  it("produces identical trace lines and statistics when the same run is repeated", () => {
    const run = () => {
      const b = new Mt8173({ crtcs: 2, client: { writesPerFrame: 50 } });
      const sink = new Lines();
      b.machine.tracer.attach(sink);
      b.boot();
      b.runFor(60 * MS);
      return { lines: sink.lines, stats: JSON.stringify(b.stats()), log: b.dmesg() };
    };
    const a = run();
    const c = run();
    expect(a.lines.length).toBeGreaterThan(1000);
    expect(c.lines).toEqual(a.lines);
    expect(c.stats).toBe(a.stats);
    expect(c.log).toBe(a.log);
  });
});
