/**
 * Scenarios on the mediatek-gce board: the spec's mt8183 and mt8195 trees (../shared/spec/dts,
 * macros substituted as their headers document) named by `board: {dts: …}` / `{dtb: …}`. The
 * expected values come from the DTS and from mainline mtk-cmdq-mailbox.c's gce_plat_mt8183
 * (24 threads, shift 0) and gce_plat_mt8195 (24 threads, shift 3).
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ScenarioError, loadScenario, runScenario, type MediatekGcePart, type MediatekGceRunSummary, type RunSummary, type Scenario } from "../../../src/tools/scenario/index.js";
import { MT8195_CLIENT, SPEC, boardDtb, boardFiles } from "./mediatek-trees.js";

const ENOENT = -2;
const EINVAL = -22;
/** GIC SPI n is hardware IRQ n + 32 (SGIs and PPIs take 0..31); the stand-in maps IRQs one to one. */
const spi = (n: number) => n + 32;

async function scenario(text: string, files: Record<string, string | Uint8Array>): Promise<Scenario> {
  return loadScenario(text, {
    path: "s.yaml",
    readFile: (p) => {
      const f = files[p];
      return f === undefined ? Promise.reject(Object.assign(new Error("none"), { code: "ENOENT" })) : f;
    },
  });
}

async function run(text: string, files: Record<string, string | Uint8Array>): Promise<MediatekGceRunSummary> {
  return gce(runScenario(await scenario(text, files)));
}

function gce(s: RunSummary): MediatekGceRunSummary {
  if (s.board !== "mediatek-gce") throw new Error(`not a mediatek-gce summary: ${s.board}`);
  return s;
}

function part(s: MediatekGceRunSummary): MediatekGcePart {
  if (s.mediatek === null) throw new Error("no board part");
  return s.mediatek;
}

function client(p: MediatekGcePart, label: string) {
  const c = p.clients.find((x) => x.label === label);
  if (c === undefined) throw new Error(`no client ${label}`);
  return c;
}

async function problems(text: string, files: Record<string, string | Uint8Array>): Promise<string[]> {
  try {
    await scenario(text, files);
  } catch (err) {
    if (err instanceof ScenarioError) return err.diagnostics.map((d) => d.message);
    throw err;
  }
  throw new Error("the scenario loaded");
}

describe.skipIf(!existsSync(SPEC))("a scenario on the mt8183 tree", () => {
  const files = boardFiles("mt8183");

  it("reports the GCE, mmsys's channels, each client's window and the mutex's events as the DTS gives them", async () => {
    const s = await run("board: {dts: mt8183.dts}\nduration: 20ms\n", files);
    expect(s).toMatchObject({ status: "completed", boardSource: "mt8183.dts", kernel: { HZ: 250, driverProfile: "fixed" }, program: null });
    const p = part(s);
    expect(p.soc).toBe("mt8183");
    expect(p.gces).toEqual([{ node: "/soc/mailbox@10238000", label: "gce", base: 0x1023_8000, irq: spi(162), threads: 24, shift: 0, error: null, instructions: 0 }]);
    // mboxes = <&gce 0 CMDQ_THR_PRIO_HIGHEST>, <&gce 1 CMDQ_THR_PRIO_HIGHEST> (= 1).
    const mmsys = client(p, "mmsys");
    expect(mmsys.node).toBe("/soc/syscon@14000000");
    expect(mmsys.mboxes).toEqual([
      { index: 0, gce: "/soc/mailbox@10238000", thread: 0, priority: 1, atomicExec: false, error: null },
      { index: 1, gce: "/soc/mailbox@10238000", thread: 1, priority: 1, atomicExec: false, error: null },
    ]);
    expect(mmsys.window).toEqual({ property: "mediatek,gce-client-reg", subsys: 1, offset: 0, size: 0x1000, error: null });
    // ovl0: <&gce SUBSYS_1400XXXX 0x8000 0x1000>; aal0: <&gce SUBSYS_1401XXXX 0 0x1000>.
    expect(client(p, "ovl0").window).toEqual({ property: "mediatek,gce-client-reg", subsys: 1, offset: 0x8000, size: 0x1000, error: null });
    expect(client(p, "aal0").window).toMatchObject({ subsys: 2, offset: 0, size: 0x1000 });
    const mutex = client(p, "mutex");
    expect(mutex.events).toEqual([
      { property: "mediatek,gce-events", index: 0, event: 130, name: "MUTEX_STREAM_DONE0", error: null },
      { property: "mediatek,gce-events", index: 1, event: 131, name: "MUTEX_STREAM_DONE1", error: null },
    ]);
    // The mutex has no client reg in a tree whose other clients do: cmdq_dev_get_client_reg's -ENOENT.
    expect(mutex.window).toMatchObject({ property: "mediatek,gce-client-reg", subsys: null, error: { errno: ENOENT } });
    expect(p.bindErrors).toEqual([expect.stringMatching(/^mutex \(mutex@14016000\): mediatek,gce-client-reg\[0\]: -ENOENT: /)]);
    expect(p.threads).toEqual([]);
    expect(p.instructions).toEqual({ executed: 0, byOp: {} });
  });

  it("reports a thread past the GCE's 24 with -EINVAL and still runs (the binding is what the run reports)", async () => {
    const bad = boardFiles("mt8183", "&mmsys { mboxes = <&gce 24 1>, <&gce 3 1>; };");
    const s = await run("board: {dts: mt8183.dts}\nduration: 1ms\n", bad);
    expect(s.status).toBe("completed");
    const mmsys = client(part(s), "mmsys");
    expect(mmsys.mboxes[0]).toMatchObject({ index: 0, thread: 24, priority: null, error: { errno: EINVAL, message: "GCE thread 24 does not exist: gce (mailbox@10238000) has 24 threads (0..23)" } });
    expect(mmsys.mboxes[1]).toMatchObject({ index: 1, thread: 3, priority: 1, error: null });
    expect(part(s).bindErrors).toContain("mmsys (syscon@14000000): mboxes[0]: -EINVAL: GCE thread 24 does not exist: gce (mailbox@10238000) has 24 threads (0..23)");
  });

  it("gives the same summary from a DTB of the tree, with nodes by path (a DTB has no labels)", async () => {
    const text = (b: string) => `board: {${b}}\nduration: 5ms\n`;
    const fromDts = part(await run(text("dts: mt8183.dts"), files));
    const fromDtb = part(await run(text("dtb: mt8183.dtb"), { "mt8183.dtb": boardDtb("mt8183") }));
    const unlabelled = (p: MediatekGcePart) => JSON.parse(JSON.stringify({ ...p, bindErrors: [] }, (k, v: unknown) => (k === "label" ? null : v))) as unknown;
    expect(unlabelled(fromDtb)).toEqual(unlabelled(fromDts));
    expect(fromDtb.bindErrors).toEqual([expect.stringMatching(/^\/soc\/mutex@14016000: mediatek,gce-client-reg\[0\]: -ENOENT: /)]);
  });

  it("submits the program on the first bound channel, back to back, and counts each GCE thread's packets", async () => {
    // mmsys's mboxes[0] names thread 24 (refused); the first bound channel is mboxes[1], thread 3.
    const bad = boardFiles("mt8183", "&mmsys { mboxes = <&gce 24 1>, <&gce 3 1>; };");
    const text = "board: {dts: mt8183.dts}\nduration: 5ms\nworkload: {cmdq: {packets: 5, program: 'write DISP_OVL0 + 0x040, 0x00000001'}}\n";
    const s = await run(text, bad);
    // Same scenario, same summary.
    expect(JSON.stringify(await run(text, bad))).toBe(JSON.stringify(s));
    expect(s.program).toEqual({ node: "/soc/syscon@14000000", channel: 1, instructionsPerPacket: 3, submitted: 5, completed: 5, failed: 0, stopped: null });
    const p = part(s);
    expect(p.threads).toMatchObject([{ gce: "/soc/mailbox@10238000", thread: 3, priority: 1, submitted: 5, completed: 5, errors: 0, timeouts: 0 }]);
    // The helper finalizes each packet with EOC + JUMP; the driver counts the completed packets' instructions.
    expect(p.instructions.byOp).toEqual({ WRITE: 5, EOC: 5, JUMP: 5 });
    // The GCE executed each WRITE and EOC at least.
    expect(p.gces[0]!.instructions).toBeGreaterThanOrEqual(10);
    expect(p.instructions.executed).toBe(p.gces[0]!.instructions);
    // No device model behind 0x14008040 on this board (docs/scenarios.md): each packet's write is a bus error.
    expect(s.busErrors).toBe(5);
  });

  it("applies the kernel's settings: HZ, the seed profile, switches", async () => {
    const s = await run("board: {dts: mt8183.dts}\nduration: 1ms\nkernel: {HZ: 1000, driverProfile: seed, switches: {cmdq.no-thread-timeout: true}}\n", files);
    expect(s.kernel).toEqual({ HZ: 1000, tickMode: "periodic", driverProfile: "seed", switches: { "cmdq.no-thread-timeout": true } });
    expect(s.status).toBe("completed");
  });
});

describe.skipIf(!existsSync(SPEC))("a scenario on the mt8195 tree: two GCEs", () => {
  it("reports both GCEs (24 threads, addresses >> 3) and a client's channel on each", async () => {
    const s = await run("board: {dtb: mt8195.dtb}\nduration: 1ms\n", { "mt8195.dtb": boardDtb("mt8195", MT8195_CLIENT) });
    const p = part(s);
    expect(p.soc).toBe("mt8195");
    expect(p.gces.map((g) => [g.node, g.base, g.irq, g.threads, g.shift])).toEqual([
      ["/soc/mailbox@10320000", 0x1032_0000, spi(226), 24, 3],
      ["/soc/mailbox@10330000", 0x1033_0000, spi(228), 24, 3],
    ]);
    // mboxes = <&gce0 0 0>, <&gce1 5 3>.
    expect(p.clients.find((c) => c.node === "/soc/syscon@1c01a000")?.mboxes).toEqual([
      { index: 0, gce: "/soc/mailbox@10320000", thread: 0, priority: 0, atomicExec: false, error: null },
      { index: 1, gce: "/soc/mailbox@10330000", thread: 5, priority: 3, atomicExec: false, error: null },
    ]);
  });
});

describe.skipIf(!existsSync(SPEC))("what does not apply on mediatek-gce is refused before the run", () => {
  const files = boardFiles("mt8183");

  it("names the x86-pc and mt8173 faults, the display workload and a frame wait", async () => {
    const text = `board: {dts: mt8183.dts}
workload:
  display: {planes: 1}
  cmdq: {waitFrame: true, program: 'eoc'}
faults:
  - {type: halt-hpet, at: 1ms}
  - {type: stop-display, at: 1ms}
  - {type: smi, cpu: 1, at: 1ms, duration: 1ms}
`;
    expect(await problems(text, files)).toEqual([
      "s.yaml:3:12: workload.display: expected no 'display' on board mediatek-gce (workload.display is for mt8173), found one",
      "s.yaml:4:21: workload.cmdq.waitFrame: expected false on board mediatek-gce (no display model sends the frame's stream EOF; packets go back to back), found true",
      `s.yaml:6:12: faults[0].type: expected a fault of board mediatek-gce ('halt-hpet' needs board x86-pc), found "halt-hpet"`,
      `s.yaml:7:12: faults[1].type: expected a fault of board mediatek-gce ('stop-display' needs board mt8173), found "stop-display"`,
      "s.yaml:8:22: faults[2].cpu: expected a CPU 0..0, found 1",
    ]);
  });

  it("takes a program that sets and clears events without waiting", async () => {
    const s = await scenario("board: {dts: mt8183.dts}\nworkload:\n  cmdq:\n    program: |\n      set_event MUTEX_STREAM_DONE0\n      clear_event MUTEX_STREAM_DONE0\n", files);
    expect(s.program?.words.length).toBe(4);
  });

  it("refuses a program that waits for an event, at its line: no device model sends one", async () => {
    const text = "board: {dts: mt8183.dts}\nworkload:\n  cmdq:\n    program: |\n      write DISP_OVL0 + 0x040, 0x1\n      wfe MUTEX_STREAM_DONE0\n";
    expect(await problems(text, files)).toEqual([
      "s.yaml:6:7: workload.cmdq.program: expected an instruction that does not wait for an event on board mediatek-gce (no device model there sends GCE events), found a wait for event 130 (MUTEX_STREAM_DONE0); programs that wait for display events run on mt8173",
    ]);
  });
});
