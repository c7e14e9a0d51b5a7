/**
 * The client side of the CMDQ device-tree bindings, on DTS input: mainline's
 * cmdq_dev_get_client_reg() (mtk-cmdq-helper.c 5.4: of_parse_phandle_with_fixed_args(…, 3, idx)
 * and the (u8)/(u16) casts), the seed enum ↔ hardware event ids the tree's event lists use, and
 * the controller's per-SoC match data (mainline gce_plat_mt8173/_mt8183/_mt8195).
 * Errno values are Linux's (errno-base.h): ENOENT 2, EINVAL 22.
 */
import { describe, expect, it } from "vitest";
import { cmdq_dev_get_client_reg, cmdq_event_from_hw, cmdq_event_to_hw } from "../../../../../src/linux/drivers/soc/mediatek/mtk-cmdq-helper.js";
import { cmdq_of_ids } from "../../../../../src/linux/drivers/mailbox/mtk-cmdq-mailbox.js";
import { CMDQ_EVENT_MUTEX0_STREAM_EOF, CMDQ_EVENT_MUTEX1_STREAM_EOF, CMDQ_MAX_EVENT, type cmdq_client_reg } from "../../../../../src/linux/include/linux/soc/mediatek/mtk-cmdq.js";
import { of_find_device_by_node } from "../../../../../src/linux/include/linux/platform_device.js";
import { of_find_node_by_path } from "../../../../../src/linux/include/linux/of.js";
import { logLines, quietBoard } from "../../mailbox/cmdq-harness.js";

const ENOENT = 2;
const EINVAL = 22;

function getClientReg(overlay: string, idx: number, withReg = true): { ret: number; reg: cmdq_client_reg; log: string[] } {
  const b = quietBoard({ dtsOverlay: overlay });
  const reg: cmdq_client_reg = { subsys: -1, offset: -1, size: -1 };
  const ret = b.inKernel(() => {
    const dev = of_find_device_by_node(of_find_node_by_path(b.dt, "/soc/ovl@1400c000"))!.dev;
    return cmdq_dev_get_client_reg(dev, withReg ? reg : null, idx);
  });
  return { ret, reg, log: logLines(b) };
}

describe("cmdq_dev_get_client_reg", () => {
  it("reads <&gce subsys offset size> entry idx, cast to u8 / u16 / u16", () => {
    const overlay = "&ovl0 { mediatek,gce-client-reg = <&gce 1 0xc000 0x1000>, <&gce 0x102 0x1ffff 0x10000>; };";
    expect(getClientReg(overlay, 0)).toMatchObject({ ret: 0, reg: { subsys: 1, offset: 0xc000, size: 0x1000 } });
    expect(getClientReg(overlay, 1)).toMatchObject({ ret: 0, reg: { subsys: 0x02, offset: 0xffff, size: 0 } });
  });

  it("returns -ENOENT without a client_reg to fill", () => {
    expect(getClientReg("&ovl0 { mediatek,gce-client-reg = <&gce 1 0xc000 0x1000>; };", 0, false).ret).toBe(-ENOENT);
  });

  it("returns the parse error and prints it: -ENOENT without the property or the entry", () => {
    const none = getClientReg("", 0);
    expect(none.ret).toBe(-ENOENT);
    expect(none.log).toContain("platform 1400c000.ovl: error -2 can't parse gce-client-reg property (0)");
    expect(none.reg).toEqual({ subsys: -1, offset: -1, size: -1 });
    expect(getClientReg("&ovl0 { mediatek,gce-client-reg = <&gce 1 0xc000 0x1000>; };", 1).ret).toBe(-ENOENT);
  });

  it("returns -EINVAL for an entry shorter than three cells or a phandle no node has", () => {
    expect(getClientReg("&ovl0 { mediatek,gce-client-reg = <&gce 1 0xc000>; };", 0).ret).toBe(-EINVAL);
    expect(getClientReg("&ovl0 { mediatek,gce-client-reg = <0x7777 1 0xc000 0x1000>; };", 0).ret).toBe(-EINVAL);
  });
});

describe("event ids in the tree and the seed's enum", () => {
  it("maps mt8173-gce.h's MUTEX0/1 stream EOF (53, 54) to the seed's enum, and every enum value back", () => {
    expect([cmdq_event_from_hw(53), cmdq_event_from_hw(54)]).toEqual([CMDQ_EVENT_MUTEX0_STREAM_EOF, CMDQ_EVENT_MUTEX1_STREAM_EOF]);
    for (let e = 0; e < CMDQ_MAX_EVENT; e++) expect(cmdq_event_from_hw(cmdq_event_to_hw(e))).toBe(e);
  });

  it("has no enum for ids the seed's table lacks (mt8183's MUTEX_STREAM_DONE0 = 130)", () => {
    expect(cmdq_event_from_hw(130)).toBe(-EINVAL);
  });
});

describe("the controller's of_match table", () => {
  it("carries mainline's gce_plat for mt8173, mt8183 and mt8195", () => {
    expect(cmdq_of_ids.map((id) => [id.compatible, id.data])).toEqual([
      ["mediatek,mt8173-gce", { thread_nr: 16, shift: 0, control_by_sw: false, gce_num: 1 }],
      ["mediatek,mt8183-gce", { thread_nr: 24, shift: 0, control_by_sw: false, gce_num: 1 }],
      ["mediatek,mt8195-gce", { thread_nr: 24, shift: 3, control_by_sw: true, gce_num: 2 }],
    ]);
  });
});
