/**
 * CMDQ benchmarks.
 *
 * 1. Packet building: the seed helper's append path (cmdq_pkt_create, clear_event, wfe, WRITES
 *    cmdq_pkt_write, finalize, destroy) in instructions appended per second, against the same
 *    loop in C (bench/baseline/cmdq_append.c, cc -O2) measured in the same run. Target ≥ 0.5×,
 *    on 4096-write packets (32 KiB, as the disassembler bench's buffers): the append loop
 *    dominates. A second row, without target, builds DRM-size 200-write packets, where the
 *    per-packet allocations (kmalloc over simulated RAM) weigh more.
 * 2. The full mt8173 stack: a 60 fps display whose client commits a 200-write packet per frame
 *    (DRM crtc → helper → mailbox → controller → GCE → display), 60 simulated seconds, in wall
 *    seconds. Target ≤ 0.5 s (≥ 120× real time).
 */
import { Machine } from "../src/platform/machine.js";
import { bootMt8173 } from "../src/platform/boards/mt8173.js";
import {
  cmdq_pkt_clear_event,
  cmdq_pkt_create,
  cmdq_pkt_destroy,
  cmdq_pkt_finalize,
  cmdq_pkt_wfe,
  cmdq_pkt_write,
} from "../src/linux/drivers/soc/mediatek/mtk-cmdq-helper.js";
import { CMDQ_EVENT_MUTEX0_STREAM_EOF, type cmdq_base, type cmdq_pkt } from "../src/linux/include/linux/soc/mediatek/mtk-cmdq.js";
import { buildBaseline, runBaseline } from "./baseline/build.js";
import { sample, timeIt, type Benchmark, type BenchRow, type Sample } from "./harness.js";

/** Instructions per timed run, about. */
const INSTRUCTIONS = 20_000_000;
const SIM_SECONDS = 60;

/**
 * One timed run: `packets` packets of `writes` register writes each, built and freed with the
 * helper as cmdq_append.c does; returns the instructions built. A top-level function with its
 * inputs as arguments, like the C loop's locals, so that what is timed is the helper and not
 * the closure captures of a benchmark harness.
 */
function buildPackets(packets: number, writes: number, base: cmdq_base, ptr: { value: cmdq_pkt | null }): number {
  let count = 0;
  let sink = 0;
  for (let p = 0; p < packets; p++) {
    if (cmdq_pkt_create(ptr) < 0) throw new Error("cmdq_pkt_create failed");
    const pkt = ptr.value!;
    cmdq_pkt_clear_event(pkt, CMDQ_EVENT_MUTEX0_STREAM_EOF);
    cmdq_pkt_wfe(pkt, CMDQ_EVENT_MUTEX0_STREAM_EOF);
    for (let i = 0; i < writes; i++) cmdq_pkt_write(pkt, (p + i) >>> 0, base, (i & 0x3ff) << 2);
    cmdq_pkt_finalize(pkt);
    const n = pkt.cmd_buf_size / 8;
    count += n;
    sink += pkt.va32[((p * 7) % n) * 2]!;
    cmdq_pkt_destroy(pkt);
  }
  if (sink === 0.5) throw new Error("unreachable: keeps the work observable");
  return count;
}

/** The TypeScript helper's packet-building loop (the same as cmdq_append.c); returns instructions built. */
function buildLoop(writes: number): () => number {
  const packets = Math.floor(INSTRUCTIONS / writes);
  const m = new Machine({ cpus: 1, kernel: { HZ: 250 }, ram: { base: 0x4000_0000, bytes: new Uint8Array(1 << 20) }, cpuCounterHz: 13_000_000 });
  const base: cmdq_base = { subsys: 2, base: 0x1401_0000 };
  const ptr: { value: cmdq_pkt | null } = { value: null };
  return () => m.inKernel(0, () => buildPackets(packets, writes, base, ptr));
}

/**
 * Instructions per second of the TypeScript loop and of the C one, measured alternately (one run
 * of each, seven times, after a warm-up) so that a change of machine load affects both alike.
 */
function buildRates(writes: number, exe: string | undefined): { ts: Sample; c: Sample | undefined } {
  const loop = buildLoop(writes);
  const args = [String(Math.floor(INSTRUCTIONS / writes)), String(writes)];
  loop();
  const ts: number[] = [];
  const c: number[] = [];
  for (let r = 0; r < 7; r++) {
    let n = 0;
    const seconds = timeIt(() => void (n = loop()));
    ts.push(n / seconds);
    if (exe !== undefined) c.push(runBaseline(exe, args));
  }
  return { ts: sample(ts), c: exe === undefined ? undefined : sample(c) };
}

/** Wall seconds for SIM_SECONDS of the full stack at 60 fps with 200 writes per frame. */
function fullStackSeconds(): number {
  const board = bootMt8173({ client: { planes: 4, writesPerFrame: 200 } });
  const seconds = timeIt(() => board.runFor(SIM_SECONDS * 1_000_000_000));
  const s = board.stats();
  const f = s.frames[0];
  if (f === undefined || f.flipped < SIM_SECONDS * 60 - 2 || s.warnings.length !== 0) {
    throw new Error(`full-stack run went wrong: ${JSON.stringify({ frames: f, warnings: s.warnings })}`);
  }
  return seconds;
}

export const cmdqBench: Benchmark = {
  name: "cmdq",
  run(): BenchRow[] {
    const built = buildBaseline("cmdq_append.c");
    const exe = "exe" in built ? built.exe : undefined;
    const rows: BenchRow[] = [];
    for (const [writes, target] of [
      [4096, true],
      [200, false],
    ] as const) {
      const { ts, c } = buildRates(writes, exe);
      const name = `CMDQ packet building (${writes} writes/packet)`;
      const t = target ? { target: { minRatio: 0.5 } } : {};
      rows.push(
        c !== undefined
          ? { name, unit: "instr/s", value: ts, baseline: { name: "C -O2", value: c }, ...t }
          : { name, unit: "instr/s", value: ts, ...t, note: "missing" in built ? built.missing : "no C baseline" },
      );
    }
    // Two warm-up runs: the first compiles the stack, the second still tiers up.
    fullStackSeconds();
    fullStackSeconds();
    const runs = [0, 1, 2, 3, 4].map(() => fullStackSeconds());
    return [
      ...rows,
      { name: `mt8173 full stack, 60 fps x 200 writes, ${SIM_SECONDS} s simulated`, unit: "s", value: sample(runs), target: { max: 0.5 } },
      { name: "mt8173 full stack speed", unit: "x real time", value: sample(runs.map((r) => SIM_SECONDS / r)), target: { min: 120 } },
    ];
  },
};
