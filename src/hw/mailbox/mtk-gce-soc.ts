/**
 * Per-SoC GCE tables: subsys ids, hardware event ids and names, which events a hardware block
 * raises, and the named register windows of the clients (display blocks).
 *
 * Sources (../shared/spec/cmdq-gce.md): §4.1 MT8173 (seed 000's event table, identical to
 * mainline `mt8173-gce.h`, plus the vendor MDP events), §4.2 MT8183 and §4.3 MT8195
 * (`include/dt-bindings/gce/mt81xx-gce.h`), §1.5 shift_pa, §7 and spec/dts/ for the client
 * windows (`mediatek,gce-client-reg = <&gce subsys offset size>`). Names drop the
 * `CMDQ_EVENT_` prefix. Where §4 gives only a block range of event ids (mt8195), every id in
 * the range counts as raised by hardware; ids outside every range are free for software tokens.
 *
 * Not modelled: the other SoCs of §2.2 (mt6779, mt8186, mt8188, mt8192, mt8196).
 */

export type SocName = "mt8173" | "mt8183" | "mt8195";

export const SOC_NAMES: readonly SocName[] = ["mt8173", "mt8183", "mt8195"];

export interface GceSubsys {
  readonly id: number;
  /** Physical address bits 31..16 the subsys reaches: 0x1400 for `SUBSYS_1400XXXX`. */
  readonly base: number;
}

export interface GceEvent {
  readonly id: number;
  readonly name: string;
}

/** A client's register window as its DT node declares it for the GCE. */
export interface GceRegion {
  readonly name: string;
  readonly subsys: number;
  readonly offset: number;
  readonly size: number;
}

export interface GceSoc {
  readonly name: SocName;
  /** The GCE node's `compatible` (spec §2.2). */
  readonly compatible: string;
  /** Hardware threads of each GCE instance (mainline `gce_plat.thread_nr`, spec §2.2). */
  readonly threads: number;
  /** `gce_plat.shift` (spec §1.5, §2.2): thread PCs and JUMP targets hold `pa >> shiftPa`. */
  readonly shiftPa: number;
  readonly subsys: readonly GceSubsys[];
  readonly events: readonly GceEvent[];
  /** Inclusive id ranges of events some hardware block raises. */
  readonly producedEvents: readonly (readonly [first: number, last: number])[];
  readonly regions: readonly GceRegion[];
}

/** `SUBSYS_<base>XXXX` ids in order 0, 1, 2, … with `firstId` for the first entry. */
function subsysFrom(firstId: number, bases: readonly number[]): GceSubsys[] {
  return bases.map((base, i) => ({ id: firstId + i, base }));
}

/** Events `prefix + 0 … prefix + (count-1)` numbered from `firstId`. */
function series(prefix: string, count: number, firstId: number): GceEvent[] {
  return Array.from({ length: count }, (_, i) => ({ id: firstId + i, name: `${prefix}${i}` }));
}

function named(entries: Readonly<Record<string, number>>): GceEvent[] {
  return Object.entries(entries).map(([name, id]) => ({ id, name }));
}

/** Ranges covering exactly the given ids. */
function rangesOf(events: readonly GceEvent[]): [number, number][] {
  const ids = [...new Set(events.map((e) => e.id))].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (const id of ids) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last[1] === id - 1) last[1] = id;
    else ranges.push([id, id]);
  }
  return ranges;
}

function region(name: string, subsys: number, offset: number, size = 0x1000): GceRegion {
  return { name, subsys, offset, size };
}

// MT8173, spec §4.1: the seed's 22 display events, and the vendor MDP SOF events 0..10.
const MT8173_EVENTS = named({
  MDP_RDMA0_SOF: 0,
  MDP_RDMA1_SOF: 1,
  MDP_DSI0_TE_SOF: 2,
  MDP_DSI1_TE_SOF: 3,
  MDP_MVW_SOF: 4,
  MDP_TDSHP0_SOF: 5,
  MDP_TDSHP1_SOF: 6,
  MDP_WDMA_SOF: 7,
  MDP_WROT0_SOF: 8,
  MDP_WROT1_SOF: 9,
  MDP_CROP_SOF: 10,
  DISP_OVL0_SOF: 11,
  DISP_OVL1_SOF: 12,
  DISP_RDMA0_SOF: 13,
  DISP_RDMA1_SOF: 14,
  DISP_RDMA2_SOF: 15,
  DISP_WDMA0_SOF: 16,
  DISP_WDMA1_SOF: 17,
  DISP_OVL0_EOF: 39,
  DISP_OVL1_EOF: 40,
  DISP_RDMA0_EOF: 41,
  DISP_RDMA1_EOF: 42,
  DISP_RDMA2_EOF: 43,
  DISP_WDMA0_EOF: 44,
  DISP_WDMA1_EOF: 45,
  MUTEX0_STREAM_EOF: 53,
  MUTEX1_STREAM_EOF: 54,
  MUTEX2_STREAM_EOF: 55,
  MUTEX3_STREAM_EOF: 56,
  MUTEX4_STREAM_EOF: 57,
  DISP_RDMA0_UNDERRUN: 63,
  DISP_RDMA1_UNDERRUN: 64,
  DISP_RDMA2_UNDERRUN: 65,
});

const MT8173: GceSoc = {
  name: "mt8173",
  compatible: "mediatek,mt8173-gce",
  threads: 16,
  shiftPa: 0,
  subsys: subsysFrom(1, [0x1400, 0x1401, 0x1402]),
  events: MT8173_EVENTS,
  // The MDP EOF events 26..38 are raised by hardware but §4.1 does not name them.
  producedEvents: [[0, 17], [26, 45], [53, 57], [63, 65]],
  // spec/dts/mt8173-gce-mainline.resolved.dts
  regions: [
    region("MMSYS", 1, 0x0000),
    region("DISP_OVL0", 1, 0xc000),
    region("DISP_OVL1", 1, 0xd000),
    region("DISP_RDMA0", 1, 0xe000),
    region("DISP_RDMA1", 1, 0xf000),
    region("DISP_RDMA2", 2, 0x0000),
    region("DISP_WDMA0", 2, 0x1000),
    region("DISP_WDMA1", 2, 0x2000),
    region("DISP_COLOR0", 2, 0x3000),
    region("DISP_COLOR1", 2, 0x4000),
    region("DISP_AAL", 2, 0x5000),
    region("DISP_GAMMA", 2, 0x6000),
    region("DISP_UFOE", 2, 0xa000),
    region("DISP_MUTEX", 3, 0x0000),
    region("DISP_OD", 3, 0x3000),
  ],
};

// MT8183, spec §4.2 (mt8183-gce.h; the gaps at 3, 21, 29, 46, 153 are in the header too).
const MT8183_EVENTS: GceEvent[] = [
  ...named({
    DISP_RDMA0_SOF: 0,
    DISP_RDMA1_SOF: 1,
    MDP_RDMA0_SOF: 2,
    MDP_RSZ0_SOF: 4,
    MDP_RSZ1_SOF: 5,
    MDP_TDSHP_SOF: 6,
    MDP_WROT0_SOF: 7,
    MDP_WDMA0_SOF: 8,
    DISP_OVL0_SOF: 9,
    DISP_OVL0_2L_SOF: 10,
    DISP_OVL1_2L_SOF: 11,
    DISP_WDMA0_SOF: 12,
    DISP_COLOR0_SOF: 13,
    DISP_CCORR0_SOF: 14,
    DISP_AAL0_SOF: 15,
    DISP_GAMMA0_SOF: 16,
    DISP_DITHER0_SOF: 17,
    DISP_PWM0_SOF: 18,
    DISP_DSI0_SOF: 19,
    DISP_DPI0_SOF: 20,
    DISP_RSZ_SOF: 22,
    MDP_AAL_SOF: 23,
    MDP_CCORR_SOF: 24,
    DISP_DBI_SOF: 25,
    DISP_RDMA0_EOF: 26,
    DISP_RDMA1_EOF: 27,
    MDP_RDMA0_EOF: 28,
    MDP_RSZ0_EOF: 30,
    MDP_RSZ1_EOF: 31,
    MDP_TDSHP_EOF: 32,
    MDP_WROT0_EOF: 33,
    MDP_WDMA0_EOF: 34,
    DISP_OVL0_EOF: 35,
    DISP_OVL0_2L_EOF: 36,
    DISP_OVL1_2L_EOF: 37,
    DISP_WDMA0_EOF: 38,
    DISP_COLOR0_EOF: 39,
    DISP_CCORR0_EOF: 40,
    DISP_AAL0_EOF: 41,
    DISP_GAMMA0_EOF: 42,
    DISP_DITHER0_EOF: 43,
    DSI0_EOF: 44,
    DPI0_EOF: 45,
    DISP_RSZ_EOF: 47,
    MDP_AAL_EOF: 48,
    MDP_CCORR_EOF: 49,
    DBI_EOF: 50,
  }),
  ...series("MUTEX_STREAM_DONE", 12, 130),
  ...named({
    DISP_RDMA0_BUF_UNDERRUN_EVEN: 142,
    DISP_RDMA1_BUF_UNDERRUN_EVEN: 143,
    DSI0_TE_EVENT: 144,
    DSI0_IRQ_EVENT: 145,
    DSI0_DONE_EVENT: 146,
    DISP_WDMA0_SW_RST_DONE: 150,
    MDP_WDMA_SW_RST_DONE: 151,
    MDP_WROT0_SW_RST_DONE: 152,
    MDP_RDMA0_SW_RST_DONE: 154,
    DISP_OVL0_FRAME_RST_DONE_PULE: 155,
    DISP_OVL0_2L_FRAME_RST_DONE_ULSE: 156,
    DISP_OVL1_2L_FRAME_RST_DONE_ULSE: 157,
  }),
  ...series("ISP_FRAME_DONE_P2_", 19, 257),
  ...named({
    AMD_FRAME_DONE: 276,
    DVE_DONE: 277,
    WMFE_DONE: 278,
    RSC_DONE: 279,
    MFB_DONE: 280,
    WPE_A_DONE: 281,
    SPE_B_DONE: 282,
    OCC_DONE: 283,
    VENC_CMDQ_FRAME_DONE: 289,
    JPG_ENC_CMDQ_DONE: 290,
    JPG_DEC_CMDQ_DONE: 291,
    VENC_CMDQ_MB_DONE: 292,
    VENC_CMDQ_128BYTE_DONE: 293,
    ISP_FRAME_DONE_A: 321,
    ISP_FRAME_DONE_B: 322,
    CAMSV0_PASS1_DONE: 323,
    CAMSV1_PASS1_DONE: 324,
    CAMSV2_PASS1_DONE: 325,
    TSF_DONE: 326,
  }),
  ...Array.from({ length: 8 }, (_, i) => ({ id: 327 + i, name: `SENINF_CAM${i}_FIFO_FULL` })),
  ...series("IPU_CORE0_DONE", 4, 353),
  ...series("IPU_CORE1_DONE", 4, 385),
];

const MT8183: GceSoc = {
  name: "mt8183",
  compatible: "mediatek,mt8183-gce",
  threads: 24,
  shiftPa: 0,
  subsys: subsysFrom(0, [
    0x1300, 0x1400, 0x1401, 0x1402, 0x1502, 0x1880, 0x1881, 0x1882, 0x1883, 0x1884, 0x1000, 0x1001, 0x1002, 0x1003, 0x1004,
    0x1005, 0x1020, 0x1028, 0x1700, 0x1701, 0x1702, 0x1703, 0x1800, 0x1801, 0x1802, 0x1804, 0x1805, 0x1808, 0x180a, 0x180b,
  ]),
  events: MT8183_EVENTS,
  producedEvents: rangesOf(MT8183_EVENTS),
  // spec/dts/mt8183-gce.dtsi. The mutex node has no gce-client-reg; its window comes from its
  // `reg` (0x14016000), the way the seed's cmdq_register_device derived subsys from `reg`.
  regions: [
    region("MMSYS", 1, 0x0000),
    region("DISP_OVL0", 1, 0x8000),
    region("DISP_OVL_2L0", 1, 0x9000),
    region("DISP_CCORR0", 1, 0xf000),
    region("DISP_AAL0", 2, 0x0000),
    region("DISP_GAMMA0", 2, 0x1000),
    region("DISP_DITHER0", 2, 0x2000),
    region("DISP_MUTEX", 2, 0x6000),
  ],
};

/** VDO0 (display path 0) components in the order of their SOF (512..) and FRAME_DONE (544..) ids. */
const MT8195_VDO0_MAIN = [
  "DISP_OVL0",
  "DISP_WDMA0",
  "DISP_RDMA0",
  "DISP_COLOR0",
  "DISP_CCORR0",
  "DISP_AAL0",
  "DISP_GAMMA0",
  "DISP_DITHER0",
  "DSI0",
  "DSC_WRAP0C0",
] as const;

// MT8195, spec §4.3: the display path 0 (VDO0) events by name; the other blocks by range.
const MT8195_EVENTS: GceEvent[] = [
  ...MT8195_VDO0_MAIN.map((c, i) => ({ id: 512 + i, name: `VDO0_${c}_SOF` })),
  ...MT8195_VDO0_MAIN.map((c, i) => ({ id: 544 + i, name: `VDO0_${c}_FRAME_DONE` })),
  { id: 578, name: "VDO0_DSI0_TE_ENG_EVENT_MM" },
  ...series("VDO0_DISP_STREAM_DONE_", 16, 597),
  ...series("VDO0_DISP_BUF_UNDERRUN_", 16, 613),
];

const MT8195: GceSoc = {
  name: "mt8195",
  compatible: "mediatek,mt8195-gce",
  threads: 24,
  shiftPa: 3,
  subsys: subsysFrom(0, [
    0x1400, 0x1401, 0x1402, 0x1c00, 0x1c01, 0x1c02, 0x1c10, 0x1c11, 0x1c12, 0x14f0, 0x14f1, 0x14f2, 0x1800, 0x1801, 0x1802,
    0x1803, 0x1032, 0x1033, 0x1600, 0x1601, 0x14e0, 0x1c20, 0x1c30, 0x1c40, 0x1c50, 0x1c60,
  ]),
  events: MT8195_EVENTS,
  producedEvents: [
    [1, 32], // TRAW0/1 CQ done
    [65, 156], // DIP, PQA, PQB, WPE, IPE
    [194, 241], // TPR
    [256, 355], // VPP0
    [384, 495], // VPP1
    [512, 628], // VDO0
    [640, 762], // VDO1
    [769, 831], // CAM
    [832, 927], // VDEC
    [929, 958], // VENC
    [962, 970], // WPE_VPP
    [994, 995], // DP_TX
    [1018, 1019], // OUTPIN_0/1
  ],
  // §4.3 and spec/dts/mt8195-gce.dtsi give no client windows.
  regions: [],
};

export const GCE_SOCS: Readonly<Record<SocName, GceSoc>> = { mt8173: MT8173, mt8183: MT8183, mt8195: MT8195 };

export const DEFAULT_SOC: SocName = "mt8173";

export function isSocName(name: string): name is SocName {
  return (SOC_NAMES as readonly string[]).includes(name);
}

/** Name↔number lookups over one SoC's tables, built once per SoC. */
export class SocLookup {
  private readonly eventIds = new Map<string, number>();
  private readonly eventNames = new Map<number, string>();
  private readonly subsysBases = new Map<number, number>();
  private readonly subsysIds = new Map<number, number>();
  private readonly regionNames = new Map<string, GceRegion>();
  private readonly produced = new Uint8Array(1024);

  constructor(readonly soc: GceSoc) {
    for (const e of soc.events) {
      this.eventIds.set(e.name, e.id);
      this.eventNames.set(e.id, e.name);
    }
    for (const s of soc.subsys) {
      this.subsysBases.set(s.id, s.base);
      this.subsysIds.set(s.base, s.id);
    }
    for (const r of soc.regions) this.regionNames.set(r.name, r);
    for (const [first, last] of soc.producedEvents) this.produced.fill(1, first, last + 1);
  }

  /** Event id by name (`MUTEX0_STREAM_EOF`, case-sensitive, no `CMDQ_EVENT_` prefix). */
  eventId(name: string): number | undefined {
    return this.eventIds.get(name);
  }

  eventName(id: number): string | undefined {
    return this.eventNames.get(id);
  }

  /** True when some hardware block of the SoC raises this event. */
  hasProducer(id: number): boolean {
    return this.produced[id] === 1;
  }

  /** Address bits 31..16 reached through a subsys id. */
  subsysBase(id: number): number | undefined {
    return this.subsysBases.get(id);
  }

  /** The subsys id reaching the 64 KiB page `base` (address bits 31..16). */
  subsysId(base: number): number | undefined {
    return this.subsysIds.get(base);
  }

  region(name: string): GceRegion | undefined {
    return this.regionNames.get(name);
  }

  /** The named client window holding subsys + offset, if any. */
  regionAt(subsys: number, offset: number): GceRegion | undefined {
    for (const r of this.soc.regions) {
      if (r.subsys === subsys && offset >= r.offset && offset < r.offset + r.size) return r;
    }
    return undefined;
  }
}

const lookups = new Map<SocName, SocLookup>();

export function socLookup(name: SocName): SocLookup {
  let l = lookups.get(name);
  if (l === undefined) {
    l = new SocLookup(GCE_SOCS[name]);
    lookups.set(name, l);
  }
  return l;
}
