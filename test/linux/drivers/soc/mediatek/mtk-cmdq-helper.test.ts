/**
 * The seed helper (seed 000) and mainline's additions, on a bare kernel: every encoding is
 * computed here by hand from the seed's formulas (word = ((op << 24 | arg_a) << 32) | arg_b),
 * then checked against the GCE tools' disassembler, and every error path.
 */
import { describe, expect, it } from "vitest";
import { device_create } from "../../../../../src/linux/include/linux/device.js";
import { EBUSY, EINVAL, ENOMEM } from "../../../../../src/linux/include/linux/errno.js";
import { of_node_alloc, of_node_attach, of_prop_u32 } from "../../../../../src/linux/include/linux/of.js";
import {
  CMDQ_EVENT_DISP_OVL0_SOF,
  CMDQ_EVENT_DISP_RDMA2_UNDERRUN,
  CMDQ_EVENT_MUTEX0_STREAM_EOF,
  CMDQ_EVENT_MUTEX1_STREAM_EOF,
  CMDQ_LOGIC_ADD,
  CMDQ_LOGIC_MAX,
  CMDQ_MAX_EVENT,
  CMDQ_THR_SPR_IDX0,
  CMDQ_THR_SPR_IDX1,
  CMDQ_THR_SPR_IDX2,
  type cmdq_base,
  type cmdq_pkt,
} from "../../../../../src/linux/include/linux/soc/mediatek/mtk-cmdq.js";
import {
  cmdq_event_to_hw,
  cmdq_pkt_acquire_event,
  cmdq_pkt_assign,
  cmdq_pkt_clear_event,
  cmdq_pkt_create,
  cmdq_pkt_destroy,
  cmdq_pkt_eoc,
  cmdq_pkt_finalize,
  cmdq_pkt_jump_abs,
  cmdq_pkt_jump_rel,
  cmdq_pkt_logic_command,
  cmdq_pkt_mem_move,
  cmdq_pkt_poll,
  cmdq_pkt_poll_mask,
  cmdq_pkt_read_s,
  cmdq_pkt_read_u64,
  cmdq_pkt_set_event,
  cmdq_pkt_wfe,
  cmdq_pkt_write,
  cmdq_pkt_write_mask,
  cmdq_pkt_write_s,
  cmdq_pkt_write_s_mask,
  cmdq_pkt_write_s_mask_value,
  cmdq_pkt_write_s_value,
  cmdq_register_device,
} from "../../../../../src/linux/drivers/soc/mediatek/mtk-cmdq-helper.js";
import { kmalloc_allocated, should_failslab, PAGE_SIZE } from "../../../../../src/linux/mm/slab.js";
import { disassemble, lint } from "../../../../../src/tools/cmdq/index.js";
import { testMachine, type TestMachine } from "../../../../support/kernel-host.js";

/** A device whose node has `reg = <0 base 0 0x1000>` under a 2-cell bus. */
function devAt(base: number) {
  const bus = of_node_alloc("soc", [of_prop_u32("#address-cells", 2), of_prop_u32("#size-cells", 2)]);
  const np = of_node_attach(bus, of_node_alloc(`dev@${base.toString(16)}`, [of_prop_u32("reg", 0, base, 0, 0x1000)]));
  return device_create(np.full_name, np, "platform");
}

function newPkt(m: TestMachine): cmdq_pkt {
  const ptr: { value: cmdq_pkt | null } = { value: null };
  expect(m.on(0, () => cmdq_pkt_create(ptr))).toBe(0);
  return ptr.value!;
}

/** The packet's instructions as u64 words. */
function words(pkt: cmdq_pkt): bigint[] {
  const out: bigint[] = [];
  for (let off = 0; off < pkt.cmd_buf_size; off += 8) out.push(cmdq_pkt_read_u64(pkt, off));
  return out;
}

/** The packet as (lo, hi) pairs, for the tools. */
function pairs(pkt: cmdq_pkt): Uint32Array {
  return Uint32Array.from(pkt.va32.subarray(0, pkt.cmd_buf_size / 4));
}

const u64 = (hi: number, lo: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

describe("cmdq_register_device", () => {
  it("derives the subsys from the client's first reg entry (0x1400/0x1401/0x1402 → 1/2/3)", () => {
    const m = testMachine();
    m.on(0, () => {
      expect(cmdq_register_device(devAt(0x1400_c000))).toEqual({ subsys: 1, base: 0x1400_c000 });
      expect(cmdq_register_device(devAt(0x1401_0000))).toEqual({ subsys: 2, base: 0x1401_0000 });
      expect(cmdq_register_device(devAt(0x1402_0000))).toEqual({ subsys: 3, base: 0x1402_0000 });
    });
  });

  it("returns NULL for an address outside the subsys table, and for a node without reg", () => {
    const m = testMachine();
    m.on(0, () => {
      expect(cmdq_register_device(devAt(0x1500_0000))).toBeNull();
      expect(cmdq_register_device(device_create("noreg", of_node_alloc("noreg")))).toBeNull();
      expect(cmdq_register_device(device_create("nonode"))).toBeNull();
    });
  });
});

describe("seed encodings, by hand", () => {
  const rdma2: cmdq_base = { subsys: 2, base: 0x1401_0000 };

  it("cmdq_pkt_write of V at offset O of a 0x1401xxxx client is ((0x04 << 24 | 2 << 16 | (base + O) & 0xffff) << 32) | V", () => {
    const m = testMachine();
    const pkt = newPkt(m);
    const cases: Array<[number, number]> = [
      [0xdead_beef, 0x0],
      [0x0000_0001, 0x40],
      [0xffff_ffff, 0xffc],
      [0x1234_5678, 0x1_0008], // the seed's silent wrap (spec §6 #16): 0x1401_0000 + 0x1_0008 → 0x0008
    ];
    m.on(0, () => {
      for (const [v, o] of cases) expect(cmdq_pkt_write(pkt, v, rdma2, o)).toBe(0);
    });
    expect(words(pkt)).toEqual(cases.map(([v, o]) => u64((0x04 << 24) | (2 << 16) | ((0x1401_0000 + o) & 0xffff), v)));
    expect(words(pkt)[0]).toBe(0x0402_0000_dead_beefn);
    expect(disassemble(pairs(pkt)).lines.map((l) => l.text)).toEqual([
      "write DISP_RDMA2 + 0x000, 0xdeadbeef",
      "write DISP_RDMA2 + 0x040, 0x00000001",
      "write DISP_RDMA2 + 0xffc, 0xffffffff",
      "write DISP_RDMA2 + 0x008, 0x12345678",
    ]);
  });

  it("cmdq_pkt_write_mask emits MASK with ~mask, then WRITE with offset | 1; a full mask is a plain WRITE", () => {
    const m = testMachine();
    const pkt = newPkt(m);
    m.on(0, () => {
      expect(cmdq_pkt_write_mask(pkt, 0x0000_1200, rdma2, 0x44, 0x0000_ff00)).toBe(0);
      expect(cmdq_pkt_write_mask(pkt, 0x5, rdma2, 0x48, 0xffff_ffff)).toBe(0);
    });
    expect(words(pkt)).toEqual([0x0200_0000_ffff_00ffn, u64((0x04 << 24) | (2 << 16) | 0x45, 0x1200), u64((0x04 << 24) | (2 << 16) | 0x48, 5)]);
    expect(disassemble(pairs(pkt)).lines.map((l) => l.text)).toEqual([
      "mask 0x0000ff00",
      "write DISP_RDMA2 + 0x044, 0x00001200, masked",
      "write DISP_RDMA2 + 0x048, 0x00000005",
    ]);
  });

  it("cmdq_pkt_wfe is arg_b 0x80008001 and cmdq_pkt_clear_event 0x80000000, on the seed's enum → event table", () => {
    const m = testMachine();
    const pkt = newPkt(m);
    m.on(0, () => {
      expect(cmdq_pkt_clear_event(pkt, CMDQ_EVENT_MUTEX0_STREAM_EOF)).toBe(0);
      expect(cmdq_pkt_wfe(pkt, CMDQ_EVENT_MUTEX0_STREAM_EOF)).toBe(0);
      expect(cmdq_pkt_wfe(pkt, CMDQ_EVENT_DISP_OVL0_SOF)).toBe(0);
      expect(cmdq_pkt_wfe(pkt, CMDQ_EVENT_DISP_RDMA2_UNDERRUN)).toBe(0);
    });
    expect(words(pkt)).toEqual([u64((0x20 << 24) | 53, 0x8000_0000), u64((0x20 << 24) | 53, 0x8000_8001), u64((0x20 << 24) | 11, 0x8000_8001), u64((0x20 << 24) | 65, 0x8000_8001)]);
    // The whole table (spec §4.1), in the seed's enum order.
    const hw = [11, 12, 13, 14, 15, 16, 17, 39, 40, 41, 42, 43, 44, 45, 53, 54, 55, 56, 57, 63, 64, 65];
    expect(Array.from({ length: CMDQ_MAX_EVENT }, (_, e) => cmdq_event_to_hw(e))).toEqual(hw);
  });

  it("finalize appends EOC 0x40000000_00000001 then JUMP 0x10000000_00000008, once", () => {
    const m = testMachine();
    const pkt = newPkt(m);
    m.on(0, () => {
      cmdq_pkt_write(pkt, 1, rdma2, 0);
      expect(cmdq_pkt_finalize(pkt)).toBe(0);
      expect(cmdq_pkt_finalize(pkt)).toBe(0);
    });
    expect(words(pkt).slice(1)).toEqual([0x4000_0000_0000_0001n, 0x1000_0000_0000_0008n]);
    expect(pkt.cmd_buf_size).toBe(24);
  });

  it("a DRM-style frame packet disassembles as written and passes the linter", () => {
    const m = testMachine();
    const pkt = newPkt(m);
    m.on(0, () => {
      cmdq_pkt_clear_event(pkt, CMDQ_EVENT_MUTEX1_STREAM_EOF);
      cmdq_pkt_wfe(pkt, CMDQ_EVENT_MUTEX1_STREAM_EOF);
      cmdq_pkt_write(pkt, 0x0438_0780, { subsys: 1, base: 0x1400_d000 }, 0x38);
      cmdq_pkt_finalize(pkt);
    });
    expect(disassemble(pairs(pkt)).text.trim().split("\n").map((l) => l.trim())).toEqual([
      "clear_event MUTEX1_STREAM_EOF",
      "wfe MUTEX1_STREAM_EOF",
      "write DISP_OVL1 + 0x038, 0x04380780",
      "eoc",
      "jump +8",
    ]);
    expect(lint(pairs(pkt)).filter((f) => f.severity === "error")).toEqual([]);
  });
});

describe("seed error paths", () => {
  it("rejects events outside the enum with -EINVAL and appends nothing", () => {
    const m = testMachine();
    const pkt = newPkt(m);
    m.on(0, () => {
      for (const ev of [CMDQ_MAX_EVENT, -1, 1.5, Number.NaN, 1000]) {
        expect(cmdq_pkt_wfe(pkt, ev)).toBe(-EINVAL);
        expect(cmdq_pkt_clear_event(pkt, ev)).toBe(-EINVAL);
      }
    });
    expect(pkt.cmd_buf_size).toBe(0);
  });

  it("refuses appends after finalize with -EBUSY and a recorded WARN", () => {
    const m = testMachine();
    const pkt = newPkt(m);
    const base: cmdq_base = { subsys: 1, base: 0x1400_c000 };
    m.on(0, () => {
      cmdq_pkt_finalize(pkt);
      expect(cmdq_pkt_write(pkt, 1, base, 0)).toBe(-EBUSY);
      expect(cmdq_pkt_write_mask(pkt, 1, base, 0, 0xff)).toBe(-EBUSY);
      expect(cmdq_pkt_wfe(pkt, 0)).toBe(-EBUSY);
    });
    expect(m.kernel.warnings).toHaveLength(3);
    expect(m.kernel.warnings[0]).toContain("finalized");
    expect(pkt.cmd_buf_size).toBe(16);
  });

  it("starts with a PAGE_SIZE buffer and doubles it, keeping the commands", () => {
    const m = testMachine();
    const pkt = newPkt(m);
    expect(pkt.buf_size).toBe(PAGE_SIZE);
    const base: cmdq_base = { subsys: 1, base: 0x1400_0000 };
    m.on(0, () => {
      for (let i = 0; i < 1025; i++) expect(cmdq_pkt_write(pkt, i, base, (i * 4) & 0xfff)).toBe(0);
    });
    expect(pkt.buf_size).toBe(4 * PAGE_SIZE);
    const w = words(pkt);
    expect(w).toHaveLength(1025);
    expect(w.every((x, i) => (x & 0xffff_ffffn) === BigInt(i))).toBe(true);
  });

  it("returns -ENOMEM when the packet, its buffer or its growth cannot be allocated, leaking nothing", () => {
    const m = testMachine();
    m.on(0, () => {
      const before = kmalloc_allocated();
      const ptr: { value: cmdq_pkt | null } = { value: null };
      should_failslab(1); // the struct
      expect(cmdq_pkt_create(ptr)).toBe(-ENOMEM);
      should_failslab(2); // the PAGE_SIZE buffer: the struct is freed again
      expect(cmdq_pkt_create(ptr)).toBe(-ENOMEM);
      expect(ptr.value).toBeNull();
      expect(kmalloc_allocated()).toBe(before);

      expect(cmdq_pkt_create(ptr)).toBe(0);
      const pkt = ptr.value!;
      const base: cmdq_base = { subsys: 1, base: 0x1400_0000 };
      for (let i = 0; i < 512; i++) cmdq_pkt_write(pkt, i, base, 0);
      should_failslab(1); // the doubling
      expect(cmdq_pkt_write(pkt, 512, base, 0)).toBe(-ENOMEM);
      expect(pkt.cmd_buf_size).toBe(512 * 8);
      expect(cmdq_pkt_write(pkt, 512, base, 0)).toBe(0);
      cmdq_pkt_destroy(pkt);
      expect(kmalloc_allocated()).toBe(before);
    });
  });
});

describe("mainline additions", () => {
  it("encode poll, poll_mask, set_event, acquire_event as mainline lays out struct cmdq_instruction", () => {
    const m = testMachine();
    const pkt = newPkt(m);
    m.on(0, () => {
      expect(cmdq_pkt_poll(pkt, 3, 0x20, 0x1)).toBe(0);
      expect(cmdq_pkt_poll_mask(pkt, 1, 0xc040, 0x100, 0x0000_0f00)).toBe(0);
      expect(cmdq_pkt_set_event(pkt, 0x3fe)).toBe(0);
      expect(cmdq_pkt_acquire_event(pkt, 500)).toBe(0);
    });
    expect(words(pkt)).toEqual([
      u64((0x08 << 24) | (3 << 16) | 0x20, 1),
      u64(0x02 << 24, ~0x0f00),
      u64((0x08 << 24) | (1 << 16) | 0xc041, 0x100),
      u64((0x20 << 24) | 0x3fe, 0x8001_0000),
      u64((0x20 << 24) | 500, 0x8001_8000),
    ]);
    expect(disassemble(pairs(pkt)).lines.map((l) => l.text)).toEqual([
      "poll DISP_MUTEX + 0x020, 0x00000001",
      "mask 0x00000f00",
      "poll DISP_OVL0 + 0x040, 0x00000100, masked",
      "set_event 1022",
      "acquire_event 500",
    ]);
  });

  it("encode read_s, write_s, write_s_mask, write_s_value, write_s_mask_value, assign and logic with the sop/type bits", () => {
    const m = testMachine();
    const pkt = newPkt(m);
    m.on(0, () => {
      expect(cmdq_pkt_assign(pkt, CMDQ_THR_SPR_IDX0, 0x1400_c000 / 0x1_0000)).toBe(0);
      expect(cmdq_pkt_read_s(pkt, CMDQ_THR_SPR_IDX0, 0xc042, CMDQ_THR_SPR_IDX1)).toBe(0);
      expect(cmdq_pkt_write_s(pkt, CMDQ_THR_SPR_IDX0, 0xc046, CMDQ_THR_SPR_IDX1)).toBe(0);
      expect(cmdq_pkt_write_s_mask(pkt, CMDQ_THR_SPR_IDX0, 0xc04a, CMDQ_THR_SPR_IDX1, 0xff)).toBe(0);
      expect(cmdq_pkt_write_s_value(pkt, CMDQ_THR_SPR_IDX0, 0xc04e, 0xcafe_f00d)).toBe(0);
      expect(cmdq_pkt_write_s_mask_value(pkt, CMDQ_THR_SPR_IDX0, 0xc052, 0x12, 0xf0)).toBe(0);
      expect(cmdq_pkt_logic_command(pkt, CMDQ_THR_SPR_IDX2, { reg: true, idx: CMDQ_THR_SPR_IDX1 }, CMDQ_LOGIC_ADD, { reg: false, idx: 8 })).toBe(0);
    });
    expect(words(pkt)).toEqual([
      u64((0xa0 << 24) | (0x80 << 16) | 0, 0x1400), // LOGIC, dst_t, reg_dst SPR0, value
      u64((0x80 << 24) | (0x80 << 16) | 1, 0xc042 << 16), // READ_S, dst_t, sop SPR0, reg_dst SPR1, src_reg = addr_low
      u64((0x90 << 24) | (0x40 << 16) | 0xc046, 1 << 16), // WRITE_S, src_t, offset, src_reg SPR1
      u64(0x02 << 24, ~0xff),
      u64((0x91 << 24) | (0x40 << 16) | 0xc04a, 1 << 16),
      u64((0x90 << 24) | 0xc04e, 0xcafe_f00d),
      u64(0x02 << 24, ~0xf0),
      u64((0x91 << 24) | 0xc052, 0x12),
      u64((0xa0 << 24) | ((0x80 | 0x40 | CMDQ_LOGIC_ADD) << 16) | 2, (1 << 16) | 8), // dst_t|src_t, arg_c_t 0
    ]);
    m.on(0, () => cmdq_pkt_finalize(pkt));
    expect(disassemble(pairs(pkt)).lines.map((l) => l.text)).toEqual([
      "assign SPR0, 0x00001400",
      "read_s SPR1, [SPR0 + 0xc042]",
      "write_s [SPR0 + 0xc046], SPR1",
      "mask 0x000000ff",
      "write_s_mask [SPR0 + 0xc04a], SPR1",
      "write_s [SPR0 + 0xc04e], 0xcafef00d",
      "mask 0x000000f0",
      "write_s_mask [SPR0 + 0xc052], 0x00000012",
      "add SPR2, SPR1, 8",
      "eoc",
      "jump +8",
    ]);
    expect(lint(pairs(pkt)).filter((f) => f.severity === "error")).toEqual([]);
  });

  it("encode jump_abs, jump_rel (negative offsets as (u32)offset >> shift) and eoc; mem_move is assign/read_s/assign/write_s", () => {
    const m = testMachine();
    const pkt = newPkt(m);
    m.on(0, () => {
      expect(cmdq_pkt_jump_abs(pkt, 0x4000_1000, 0)).toBe(0);
      expect(cmdq_pkt_jump_abs(pkt, 0x4_0000_1000, 3)).toBe(0);
      expect(cmdq_pkt_jump_rel(pkt, -16, 0)).toBe(0);
      expect(cmdq_pkt_jump_rel(pkt, 16, 3)).toBe(0);
      expect(cmdq_pkt_mem_move(pkt, 0x1400_c040, 0x1401_0080)).toBe(0);
      expect(cmdq_pkt_eoc(pkt)).toBe(0);
    });
    expect(words(pkt)).toEqual([
      u64((0x10 << 24) | 1, 0x4000_1000),
      u64((0x10 << 24) | 1, 0x8000_0200),
      u64(0x10 << 24, 0xffff_fff0),
      u64(0x10 << 24, 2),
      u64((0xa0 << 24) | (0x80 << 16), 0x1400),
      u64((0x80 << 24) | (0x80 << 16) | 1, 0xc042 << 16),
      u64((0xa0 << 24) | (0x80 << 16), 0x1401),
      u64((0x90 << 24) | (0x40 << 16) | 0x0082, 1 << 16),
      0x4000_0000_0000_0001n,
    ]);
  });

  it("reject events ≥ 0x3ff (the quirk: 0x3ff itself) and bad logic operands with -EINVAL", () => {
    const m = testMachine();
    const pkt = newPkt(m);
    m.on(0, () => {
      expect(cmdq_pkt_set_event(pkt, 0x3ff)).toBe(-EINVAL);
      expect(cmdq_pkt_acquire_event(pkt, -1)).toBe(-EINVAL);
      expect(cmdq_pkt_logic_command(pkt, 0, null, CMDQ_LOGIC_ADD, { reg: false, idx: 1 })).toBe(-EINVAL);
      expect(cmdq_pkt_logic_command(pkt, 0, { reg: false, idx: 1 }, CMDQ_LOGIC_MAX, { reg: false, idx: 1 })).toBe(-EINVAL);
    });
    expect(pkt.cmd_buf_size).toBe(0);
  });

  it("counts a packet ended by cmdq_pkt_eoc plus one instruction as finalized (the seed's content check)", () => {
    const m = testMachine();
    const pkt = newPkt(m);
    m.on(0, () => {
      cmdq_pkt_eoc(pkt);
      cmdq_pkt_jump_rel(pkt, 8, 0);
      expect(cmdq_pkt_assign(pkt, 0, 1)).toBe(-EBUSY);
      expect(cmdq_pkt_finalize(pkt)).toBe(0);
    });
    expect(pkt.cmd_buf_size).toBe(16);
    expect(m.kernel.warnings).toHaveLength(1);
  });
});
