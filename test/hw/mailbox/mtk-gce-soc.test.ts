import { describe, expect, it } from "vitest";
import { GCE_SOCS, SOC_NAMES, isSocName, socLookup } from "../../../src/hw/mailbox/mtk-gce-soc.js";

describe("MT8173 tables (spec §4.1)", () => {
  const soc = socLookup("mt8173");

  it("maps the seed's 22 display events to their hardware ids", () => {
    // spec §4.1 table, typed from the spec
    const expected: [string, number][] = [
      ["DISP_OVL0_SOF", 11], ["DISP_OVL1_SOF", 12], ["DISP_RDMA0_SOF", 13], ["DISP_RDMA1_SOF", 14],
      ["DISP_RDMA2_SOF", 15], ["DISP_WDMA0_SOF", 16], ["DISP_WDMA1_SOF", 17],
      ["DISP_OVL0_EOF", 39], ["DISP_OVL1_EOF", 40], ["DISP_RDMA0_EOF", 41], ["DISP_RDMA1_EOF", 42],
      ["DISP_RDMA2_EOF", 43], ["DISP_WDMA0_EOF", 44], ["DISP_WDMA1_EOF", 45],
      ["MUTEX0_STREAM_EOF", 53], ["MUTEX1_STREAM_EOF", 54], ["MUTEX2_STREAM_EOF", 55], ["MUTEX3_STREAM_EOF", 56],
      ["MUTEX4_STREAM_EOF", 57], ["DISP_RDMA0_UNDERRUN", 63], ["DISP_RDMA1_UNDERRUN", 64], ["DISP_RDMA2_UNDERRUN", 65],
    ];
    for (const [name, id] of expected) {
      expect(soc.eventId(name)).toBe(id);
      expect(soc.eventName(id)).toBe(name);
      expect(soc.hasProducer(id)).toBe(true);
    }
  });

  it("has subsys 1..3 for 0x1400xxxx..0x1402xxxx and no shift", () => {
    expect([soc.subsysId(0x1400), soc.subsysId(0x1401), soc.subsysId(0x1402)]).toEqual([1, 2, 3]);
    expect(soc.subsysBase(0)).toBeUndefined();
    expect(soc.soc.shiftPa).toBe(0);
  });

  it("knows the display client windows of the dts (gce-client-reg)", () => {
    expect(soc.region("DISP_OVL0")).toEqual({ name: "DISP_OVL0", subsys: 1, offset: 0xc000, size: 0x1000 });
    expect(soc.regionAt(2, 0x0ffc)?.name).toBe("DISP_RDMA2");
    expect(soc.regionAt(3, 0x0000)?.name).toBe("DISP_MUTEX");
    expect(soc.regionAt(2, 0x8000)).toBeUndefined();
  });

  it("has no producer for ids outside the hardware event blocks", () => {
    expect(soc.hasProducer(18)).toBe(false);
    expect(soc.hasProducer(300)).toBe(false);
    expect(soc.hasProducer(1023)).toBe(false);
  });
});

describe("MT8183 tables (spec §4.2)", () => {
  const soc = socLookup("mt8183");

  it("numbers subsys from 1300 -> 0 to 180b -> 29", () => {
    expect(soc.subsysId(0x1300)).toBe(0);
    expect(soc.subsysId(0x1400)).toBe(1);
    expect(soc.subsysId(0x1000)).toBe(10);
    expect(soc.subsysId(0x180b)).toBe(29);
  });

  it("names the mutex stream-done events 130..141 that DRM waits on", () => {
    expect(soc.eventId("MUTEX_STREAM_DONE0")).toBe(130);
    expect(soc.eventId("MUTEX_STREAM_DONE11")).toBe(141);
    expect(soc.eventId("DISP_OVL0_SOF")).toBe(9);
    expect(soc.hasProducer(3)).toBe(false); // a gap in the header
  });
});

describe("MT8195 tables (spec §4.3)", () => {
  const soc = socLookup("mt8195");

  it("uses its own subsys numbering and shift_pa 3", () => {
    expect(soc.subsysId(0x1400)).toBe(0);
    expect(soc.subsysId(0x1c00)).toBe(3);
    expect(soc.subsysId(0x1c60)).toBe(25);
    expect(soc.soc.shiftPa).toBe(3);
  });

  it("names the VDO0 stream-done events 597..612 and treats the event blocks as produced", () => {
    expect(soc.eventId("VDO0_DISP_STREAM_DONE_0")).toBe(597);
    expect(soc.eventId("VDO0_DISP_STREAM_DONE_15")).toBe(612);
    expect(soc.hasProducer(1019)).toBe(true);
    expect(soc.hasProducer(1000)).toBe(false);
  });
});

describe("every SoC table", () => {
  it.each(SOC_NAMES)("%s has unique event names and ids below 1024, unique subsys ids and bases", (name) => {
    const soc = GCE_SOCS[name];
    expect(new Set(soc.events.map((e) => e.name)).size).toBe(soc.events.length);
    expect(new Set(soc.events.map((e) => e.id)).size).toBe(soc.events.length);
    expect(soc.events.every((e) => e.id >= 0 && e.id < 1024 && socLookup(name).hasProducer(e.id))).toBe(true);
    expect(new Set(soc.subsys.map((s) => s.id)).size).toBe(soc.subsys.length);
    expect(new Set(soc.subsys.map((s) => s.base)).size).toBe(soc.subsys.length);
    for (const r of soc.regions) expect(socLookup(name).subsysBase(r.subsys)).toBeDefined();
  });

  it("accepts exactly the three SoC names", () => {
    expect(SOC_NAMES.every(isSocName)).toBe(true);
    expect(isSocName("mt8192")).toBe(false);
  });
});
