import { describe, expect, it } from "vitest";
import { KernelBug } from "../../../src/linux/include/linux/bug.js";
import { ScenarioRun, loadScenario, runScenario, type RunSummary, type Scenario } from "../../../src/tools/scenario/index.js";

async function scenario(text: string): Promise<Scenario> {
  return loadScenario(text, { path: "s.yaml", readFile: () => Promise.reject(Object.assign(new Error("none"), { code: "ENOENT" })) });
}

async function run(text: string): Promise<RunSummary> {
  return runScenario(await scenario(text));
}

function x86(s: RunSummary) {
  if (s.board !== "x86-pc" || s.x86 === null) throw new Error(`not an x86 summary: ${s.board}`);
  return s.x86;
}

function mt(s: RunSummary) {
  if (s.board !== "mt8173" || s.mt8173 === null) throw new Error(`not an mt8173 summary: ${s.board}`);
  return { ...s.mt8173, program: s.program };
}

/** The SMI of the demo: CPU 1 held 6 ms just before it writes its comparator (HPET timer 1, 0xfed00128). */
const RACE = (profile: string) => `
board: {name: x86-pc, cpus: 2}
kernel:
  HZ: 250
  tickMode: oneshot
  driverProfile: ${profile}
  switches: {hpet.find-first-bit-4: false, hpet.cmp-before-cfg: false}
faults:
  - {type: access-delay, cpu: 1, address: 0xfed00128, after: 500ms, delay: 6ms}
duration: 1200ms
`;

describe("running an x86-pc scenario", () => {
  it("reproduces seed 004's lost tick: the SMI is hit, and only the seed's driver loses CPU 1's tick", async () => {
    const seed = await run(RACE("seed-2007"));
    const fixed = await run(RACE("fixed"));
    for (const s of [seed, fixed]) {
      expect(s.status).toBe("completed");
      expect(s.faults.injected).toBe(1);
      expect(s.faults.hit).toHaveLength(1);
      expect(s.faults.hit[0]).toMatch(/^50\d{7} ns: CPU1 held 6000000 ns before its write to 0xfed00128$/);
    }
    // docs/timekeeping.md: the seed's truncated mult is 60 787 (shift 22); the fixed one 61 496 111 (shift 32).
    expect(x86(seed).hpet).toMatchObject({ mult: 60787, shift: 22, percpu: true });
    expect(x86(fixed).hpet).toMatchObject({ mult: 61496111, shift: 32, min_delta_ns: 13410 });
    // The seed's comparator is written behind the counter and matches only after the 32-bit wrap (≈ 300 s):
    // CPU 1's last tick is the one before the SMI. The fixed driver gets -ETIME and the core retries.
    const seedCpu1 = x86(seed).cpus[1]!;
    expect(seedCpu1.lastTickNs).toBeGreaterThan(490e6);
    expect(seedCpu1.lastTickNs).toBeLessThan(510e6);
    expect(x86(fixed).cpus[1]!.lastTickNs).toBeGreaterThan(1196e6);
    // CPU 0 is untouched either way.
    expect(x86(seed).cpus[0]!.lastTickNs).toBeGreaterThan(1196e6);
  });

  it("gives the same summary for the same scenario and seed, however the run is chunked", async () => {
    const text = `
board: {name: x86-pc, cpus: 2}
kernel: {tickMode: oneshot}
workload:
  idle: [{cpu: 1, period: 10ms, idle: 6ms, jitter: 2ms, start: 150ms}]
faults:
  - {type: smi, cpu: 0, at: 200ms, duration: 3ms}
  - {type: duplicate-irq, pin: 22, at: 250ms}
duration: 400ms
`;
    const a = await run(text);
    const s = await scenario(text);
    const chunked = new ScenarioRun(s);
    chunked.start();
    let chunks = 0;
    while (!chunked.advance(7_000_001)) chunks++;
    chunked.close();
    // The boot's 100 ms LAPIC calibration runs before the first chunk; 300 ms remain.
    expect(chunks).toBeGreaterThan(40);
    expect(JSON.stringify(chunked.summary())).toBe(JSON.stringify(a));
    expect(JSON.stringify(await run(text))).toBe(JSON.stringify(a));
    expect(a.faults.hit).toEqual(["200000000 ns: SMI on CPU0 for 3000000 ns", expect.stringMatching(/^2\d{8} ns: duplicated an interrupt on IOAPIC input 22$/)]);
  });

  it("draws the idle jitter from the seed: another seed, another pattern; no jitter, no seed dependence", async () => {
    const idle = (seed: number, jitter: string) => `kernel: {tickMode: oneshot}\nworkload: {idle: [{cpu: 1, period: 10ms, idle: 5ms, jitter: ${jitter}, start: 150ms}]}\nduration: 300ms\nseed: ${seed}\n`;
    const deep = async (seed: number, jitter: string) => x86(await run(idle(seed, jitter))).cpus[1]!.deepIdleNs;
    const [a1, a2, b] = [await deep(1, "2ms"), await deep(1, "2ms"), await deep(2, "2ms")];
    expect(a1).toBe(a2);
    expect(b).not.toBe(a1);
    // Without jitter: 15 periods from 150 ms, 5 ms each, whatever the seed.
    expect(await deep(1, "0ns")).toBe(await deep(7, "0ns"));
    expect(await deep(1, "0ns")).toBe(15 * 5_000_000);
  });

  it("applies suspend, halt and drop faults and lists each one hit", async () => {
    const s = await run(`
kernel: {tickMode: oneshot}
faults:
  - {type: drop-irq, pin: 21, at: 300ms}
  - {type: suspend, at: 400ms, duration: 50ms}
  - {type: halt-hpet, at: 600ms}
duration: 700ms
`);
    expect(s.faults.hit).toEqual([
      expect.stringMatching(/^3\d{8} ns: dropped an interrupt on IOAPIC input 21$/),
      "400000000 ns: suspend for 50000000 ns",
      "600000000 ns: HPET counter halted",
    ]);
  });
});

describe("running an mt8173 scenario", () => {
  it("runs the DRM client: 60 Hz frames with every write in vblank", async () => {
    const s = mt(await run("board: mt8173\nduration: 200ms\nworkload: {display: {planes: 2, writesPerFrame: 50}}\n"));
    // 1080p60: SOF k at k x 16.67 ms; 13 frames start in [0, 200 ms], the last exactly at the end.
    expect(s.display.frames).toBe(13);
    expect(s.display.lateWrites).toBe(0);
    expect(s.display.underruns).toBe(0);
    const f = s.frames[0]!;
    expect(f.late).toBe(0);
    expect(f.failed).toBe(0);
    // 50 writes per packet (2 planes' 8 registers, two of them masked, plus 34 more).
    expect(s.instructions.byOp.WRITE).toBe(50 * f.flipped);
    expect(s.program).toBeNull();
  });

  it("submits the scenario's program once per frame through the mailbox, after the frame wait", async () => {
    const s = mt(
      await run(`
board: {name: mt8173, crtcs: 2}
duration: 100ms
workload:
  cmdq:
    program: |
      write DISP_OVL0 + 0x040, 0x00000001
      mask 0x0000ff00
      write DISP_RDMA0 + 0x000, 0x00001200, masked
`),
    );
    const p = s.program!;
    // clear_event + wfe, three instructions, then the helper's EOC + JUMP.
    expect(p.instructionsPerPacket).toBe(7);
    expect(p.stopped).toBeNull();
    expect(p.failed).toBe(0);
    // One packet per stream EOF: 6 EOFs in 100 ms (16.0 ms into each 16.67 ms frame), the last still waiting.
    expect(p.completed).toBe(6);
    expect(p.submitted).toBe(7);
    const thread0 = s.threads.find((t) => t.thread === 0)!;
    expect(thread0.completed).toBe(6);
    // crtc 1 still runs the DRM client on thread 1.
    expect(s.frames.map((f) => f.crtc)).toEqual([1]);
    expect(s.threads.find((t) => t.thread === 1)?.completed).toBe(6);
    expect(s.display.lateWrites).toBe(0);
  });

  it("keeps a masked event from the GCE and counts the pulses it lost and the timeout it caused", async () => {
    const s = await run(`
board: mt8173
duration: 200ms
faults:
  - {type: mask-event, event: MUTEX0_STREAM_EOF, at: 50ms, duration: 40ms}
`);
    // Stream EOFs come at k x 16.667 ms + 16.0 ms; [50 ms, 90 ms) holds the ones at 66.0 and 82.7 ms.
    expect(s.faults.hit).toEqual(["50000000 ns: 2 pulses of MUTEX0_STREAM_EOF kept from the GCE"]);
    const m = mt(s);
    // The frame waited three vblanks: the crtc's countdown reports one "CMDQ execute command timeout!".
    expect(m.timeouts.crtc).toBe(1);
    expect(m.frames[0]!.failed).toBe(0);
  });

  it("stops and restarts a display path", async () => {
    const s = await run(`
board: mt8173
duration: 200ms
faults:
  - {type: stop-display, at: 50ms, duration: 100ms}
`);
    expect(s.faults.hit).toEqual(["50000000 ns: display path 0 stopped", "150000000 ns: display path 0 restarted"]);
    // SOFs at 0, 16.7 and 33.3 ms (the stop, armed first, fires before the SOF due at 50 ms), then
    // from the restart at 150 ms: 150, 166.7, 183.3 and 200 ms.
    expect(mt(s).display.frames).toBe(7);
  });
});

describe("a run that crashes", () => {
  it("stops at the kernel BUG and says where and why, keeping what the board can still report", async () => {
    const run = new ScenarioRun(await scenario("duration: 50ms\n"));
    // A BUG() planted at 5 ms, as kernel code hitting one would throw it.
    run.machine.clock.newTimer("bug", () => {
      throw new KernelBug("kernel BUG: planted at 5 ms");
    }).mod(5_000_000);
    run.start();
    expect(run.advance(1e9)).toBe(true);
    run.close();
    const s = run.summary();
    expect(s).toMatchObject({ status: "crashed", endNs: 5_000_000, crash: { atNs: 5_000_000, error: "KernelBug: kernel BUG: planted at 5 ms" } });
    expect(x86(s).timeNs).toBe(5_000_000);
  });
});
