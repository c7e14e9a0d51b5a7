/**
 * The mt8173 board as a device tree: models where the tree puts them, the CMDQ clients bound in
 * each binding era of ../shared/spec/dts (seed 2016, 4.19's three cells, 5.7+'s client regs and
 * gce-events), and the error cases of the spec's README, each with the kernel's errno (Linux
 * include/uapi/asm-generic/errno-base.h, include/linux/errno.h) and the line a user reads.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Mt8173, bootMt8173 } from "../../src/platform/boards/mt8173.js";
import { formatBindLine, type BindLine } from "../../src/platform/boards/cmdq-binding.js";
import { BoardError } from "../../src/platform/boards/board-tree.js";
import { SPEC, mt8173Mainline, mt8173WithFragment } from "./spec-boards.js";

const MS = 1_000_000;
const S = 1_000_000_000;
const ENOENT = 2;
const EBUSY = 16;
const ENODEV = 19;
const EINVAL = 22;
const EOVERFLOW = 75;
const EPROBE_DEFER = 517;
/** boards/mt8173.dts keeps the seed-era negative case: imgsys outside the subsys table. */
const IMGSYS_NULL = "imgsys (clock-controller@15000000): reg[0]: NULL: 0x15000000 is outside the seed's subsys table (0x1400xxxx, 0x1401xxxx, 0x1402xxxx)";

function line(b: Mt8173, node: string, property: string, index = 0): BindLine | undefined {
  return b.bindReport().lines.find((l) => l.node.startsWith(node) && l.property === property && l.index === index);
}

describe("models from the tree", () => {
  it("put the GCE at its node's reg and on its node's interrupt, wherever an overlay moves them", () => {
    const b = new Mt8173({ dtsOverlay: "&gce { reg = <0 0x10213000 0 0x1000>; interrupts = <0 136 8>; };" }).boot();
    expect(b.gce.base).toBe(0x1021_3000);
    expect(b.controller()!.irq).toBe(32 + 136);
    b.runFor(200 * MS);
    const f = b.stats().frames[0]!;
    expect(f.flipped).toBeGreaterThanOrEqual(11);
    expect(f.onTime).toBe(f.flipped);
    expect(b.bindReport().lines[0]!.text).toBe("mtk_cmdq, 16 threads, IRQ 168");
  });

  it("size DRAM from the memory node, which dramBytes rewrites", () => {
    expect(new Mt8173().dram.size).toBe(16 << 20);
    const b = new Mt8173({ dramBytes: 32 << 20 });
    expect([b.dram.base, b.dram.size]).toEqual([0x4000_0000, 32 << 20]);
  });

  it("refuse a tree without a timer or with two CPUs, saying so", () => {
    expect(() => new Mt8173({ dtsOverlay: '&timer { status = "disabled"; };' })).toThrow(new BoardError("mt8173: no mediatek,mt6577-timer node in <dtsOverlay>: the kernel would have no tick"));
    expect(() => new Mt8173({ dtsOverlay: '/ { cpus { cpu@1 { device_type = "cpu"; reg = <1>; }; }; };' })).toThrow(/the tree lists 2 CPUs under \/cpus; the board runs one/);
  });
});

describe.skipIf(!existsSync(SPEC))("binding eras (spec/dts inputs)", () => {
  it("seed era (mt8173-gce-seed-era.dtsi): <thread atomic_exec> under cmdq.seed-xlate, subsys from reg, NULL outside the table", () => {
    const b = new Mt8173({ tree: mt8173WithFragment("mt8173-gce-seed-era.dtsi"), switches: { "cmdq.seed-xlate": true } }).boot();
    b.runFor(500 * MS);
    const f = b.stats().frames[0]!;
    expect(f.flipped).toBeGreaterThanOrEqual(29);
    expect(f.onTime).toBe(f.flipped);
    expect(b.controller()!.thread[0]!.atomic_exec).toBe(true);
    expect(formatBindLine(line(b, "ovl0", "reg")!)).toBe("ovl0 (ovl@1400c000): reg[0]: subsys 1 (0x1400xxxx), base 0x1400c000");
    expect(line(b, "rdma2", "reg")!.text).toBe("subsys 2 (0x1401xxxx), base 0x14010000");
    expect(line(b, "mutex", "reg")!.text).toBe("subsys 3 (0x1402xxxx), base 0x14020000");
    const img = line(b, "imgsys", "reg")!;
    expect([img.ok, img.errno]).toEqual([false, null]);
    expect(formatBindLine(img)).toBe("imgsys (clock-controller@15000000): reg[0]: NULL: 0x15000000 is outside the seed's subsys table (0x1400xxxx, 0x1401xxxx, 0x1402xxxx)");
  });

  it("4.19 (mt8173-gce-2018-3cells.dtsi): <thread priority atomic_exec>, mediatek,gce-subsys, events from mutex-event-eof", () => {
    const b = new Mt8173({ tree: mt8173WithFragment("mt8173-gce-2018-3cells.dtsi"), crtcs: 2 }).boot();
    b.runFor(500 * MS);
    for (const f of b.stats().frames) {
      expect(f.flipped).toBeGreaterThanOrEqual(29);
      expect(f.onTime).toBe(f.flipped);
    }
    const th = b.controller()!.thread;
    expect([th[0]!.priority, th[0]!.atomic_exec, th[1]!.priority, th[1]!.atomic_exec]).toEqual([0, true, 0, true]);
    expect(b.crtcs.map((c) => [c.cmdq_event_source, c.cmdq_event_hw])).toEqual([
      ["mutex-event-eof", 53],
      ["mutex-event-eof", 54],
    ]);
    expect(line(b, "mmsys", "mboxes", 1)!.text).toBe("GCE thread 1 of gce (gce@10212000), priority 0, atomic_exec");
    expect(line(b, "mmsys", "mutex-event-eof", 1)!.text).toBe("event 54 (MUTEX1_STREAM_EOF)");
    expect(line(b, "mmsys", "mediatek,gce-subsys")!.text).toBe("subsys 1 (0x1400xxxx), offset from reg 0x0");
  });

  it("5.7+ (mt8173-gce-mainline.resolved.dts): windows from mediatek,gce-client-reg, events from the mutex's mediatek,gce-events", () => {
    const b = new Mt8173({ tree: mt8173Mainline(), crtcs: 2 }).boot();
    b.runFor(500 * MS);
    for (const f of b.stats().frames) {
      expect(f.flipped).toBeGreaterThanOrEqual(29);
      expect(f.onTime).toBe(f.flipped);
    }
    const comps = b.crtcs[1]!.ddp_comp.map((c) => [c.name, c.cmdq_source, c.cmdq_base]);
    expect(comps).toEqual([
      ["ovl@1400d000", "mediatek,gce-client-reg", { subsys: 1, base: 0xd000 }],
      ["rdma@1400f000", "mediatek,gce-client-reg", { subsys: 1, base: 0xf000 }],
    ]);
    expect(b.crtcs.map((c) => [c.cmdq_event_source, c.cmdq_event_hw])).toEqual([
      ["mediatek,gce-events", 53],
      ["mediatek,gce-events", 54],
    ]);
    expect(formatBindLine(line(b, "/soc/od@14023000", "mediatek,gce-client-reg")!)).toBe(
      "/soc/od@14023000: mediatek,gce-client-reg[0]: subsys 3 (0x1402xxxx), offset 0x3000",
    );
    expect(b.bindReport().errors).toEqual([]);
  });
});

describe("error cases of spec/dts/README.md", () => {
  it("an mboxes index out of range: -ENODEV; that crtc writes by CPU", () => {
    const b = bootMt8173({ crtcs: 2, dtsOverlay: "&mmsys { mboxes = <&gce 0 1>; };" });
    b.runFor(200 * MS);
    expect(b.crtcs[1]!.cmdq_err).toBe(-ENODEV);
    expect(b.bindReport().errors).toEqual(['mmsys (clock-controller@14000000): mboxes[1]: -ENODEV: can\'t parse "mboxes" property (1 entry)', IMGSYS_NULL]);
    expect(b.stats().frames[1]!.cpuConfigured).toBeGreaterThan(5);
  });

  it("a thread number ≥ the thread count: -EINVAL from cmdq_xlate", () => {
    const b = bootMt8173({ dtsOverlay: "&mmsys { mboxes = <&gce 16 1>; };" });
    expect(b.crtcs[0]!.cmdq_err).toBe(-EINVAL);
    expect(b.bindReport().errors).toEqual(["mmsys (clock-controller@14000000): mboxes[0]: -EINVAL: GCE thread 16 does not exist: gce (gce@10212000) has 16 threads (0..15)", IMGSYS_NULL]);
  });

  it("the same thread requested twice: -EBUSY, naming the owner", () => {
    const b = bootMt8173({ crtcs: 2, dtsOverlay: "&mmsys { mboxes = <&gce 0 1>, <&gce 0 1>; };" });
    expect(b.crtcs.map((c) => c.cmdq_err)).toEqual([0, -EBUSY]);
    expect(b.bindReport().errors).toEqual(["mmsys (clock-controller@14000000): mboxes[1]: -EBUSY: GCE thread 0 of gce (gce@10212000) is already in use by mmsys (clock-controller@14000000)", IMGSYS_NULL]);
  });

  it("the GCE missing (disabled: no model, no device): -EPROBE_DEFER; frames go by CPU", () => {
    const b = bootMt8173({ dtsOverlay: '&gce { status = "disabled"; };' });
    b.runFor(200 * MS);
    expect(b.crtcs[0]!.cmdq_err).toBe(-EPROBE_DEFER);
    expect(b.bindReport().errors).toEqual([
      'mmsys (clock-controller@14000000): mboxes[0]: -EPROBE_DEFER: gce (gce@10212000) has no mailbox controller bound (status "disabled", or its probe failed): probe deferred',
      IMGSYS_NULL,
    ]);
    expect(() => b.gce).toThrow(/has no enabled mediatek,mt8173-gce node/);
    expect(b.stats().frames[0]!.cpuConfigured).toBeGreaterThan(5);
  });

  it.skipIf(!existsSync(SPEC))("a client without a client reg in a 5.7+ tree: cmdq_dev_get_client_reg's -ENOENT; its writes go by CPU", () => {
    const b = new Mt8173({ tree: mt8173Mainline("&ovl0 { /delete-property/ mediatek,gce-client-reg; };") }).boot();
    const ovl = b.crtcs[0]!.ddp_comp[0]!;
    expect([ovl.cmdq_err, ovl.cmdq_base]).toEqual([-ENOENT, null]);
    expect(b.bindReport().errors).toEqual([
      "ovl0 (ovl@1400c000): mediatek,gce-client-reg[0]: -ENOENT: error -2 can't parse gce-client-reg property (0): the node has none; the tree's other clients have one",
    ]);
    expect(b.dmesg()).toContain("platform 1400c000.ovl: error -2 can't parse gce-client-reg property (0)");
    b.runFor(50 * MS);
    expect(b.machine.kernel.warnings).toEqual(["mtk_ddp_write: ovl@1400c000 has no GCE subsys; written by CPU", "mtk_ddp_write_mask: ovl@1400c000 has no GCE subsys; written by CPU"]);
  });

  it("a seed-era client reg outside the subsys table: NULL from cmdq_register_device (no errno)", () => {
    const b = bootMt8173({ client: { start: false } });
    expect(b.bindReport().errors).toEqual([IMGSYS_NULL]);
  });

  it.skipIf(!existsSync(SPEC))("a crtc index past the mutex's gce-events: of_property_read_u32_index's -EOVERFLOW; the channel is freed", () => {
    const b = new Mt8173({ tree: mt8173Mainline("&mutex { mediatek,gce-events = <53>; };"), crtcs: 2 }).boot();
    expect([b.crtcs[1]!.cmdq_err, b.crtcs[1]!.cmdq_err_prop, b.crtcs[1]!.cmdq_client]).toEqual([-EOVERFLOW, "mediatek,gce-events", null]);
    expect(b.controller()!.thread[1]!.chan!.cl).toBeNull();
    expect(b.bindReport().errors).toEqual(["mutex (mutex@14020000): mediatek,gce-events[1]: -EOVERFLOW: the list has 1 entry"]);
    b.runFor(1 * S);
    expect(b.stats().frames[0]!.onTime).toBeGreaterThanOrEqual(59);
  });
});
