import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { X86Pc } from "../../src/platform/boards/x86-pc.js";
import { KernelBug } from "../../src/linux/include/linux/bug.js";
import { fakeIo, type FakeIoOptions } from "../support/fake-io.js";
import { MT8195_CLIENT, SPEC, boardDtb, boardFiles } from "../tools/scenario/mediatek-trees.js";

async function vplat(argv: string[], options: FakeIoOptions = {}) {
  const io = fakeIo(options);
  const code = await main(["run", ...argv], io);
  return { code, stdout: io.out(), stderr: io.err(), files: io.files, created: io.created, io };
}

const SHORT = "duration: 150ms\n";
const ESC = "\u001b";

/** A written file as text (sinks may write bytes). */
function text(f: string | Uint8Array | undefined): string {
  return typeof f === "string" ? f : new TextDecoder().decode(f);
}

describe("vplat run", () => {
  it("runs a scenario and prints the summary tables; nothing on stderr when it is not a terminal", async () => {
    const r = await vplat(["s.yaml"], { files: { "s.yaml": SHORT } });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^s\.yaml: x86-pc \(built-in\), seed 1\n {2}kernel: HZ 1000, periodic tick, driver fixed\n {2}run: completed 150\.000000 ms of simulated time\n/);
    expect(r.stdout).toMatch(/clock-event devices per CPU:\n {2}CPU {2}tick device {2}ticks {2}drift ppm {2}broadcast ticks {2}interrupts/);
    expect(r.stdout).toContain("interrupts per line:");
    expect(r.stdout).toContain("faults: 0 injected, 0 hit\nwarnings: none\n");
  });

  it("prints the same summary as one JSON document with --json, and takes --until and --seed", async () => {
    const r = await vplat(["s.yaml", "--json", "--until", "120ms", "--seed", "9"], { files: { "s.yaml": SHORT } });
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as Record<string, unknown> & { x86: { cpus: unknown[]; hpet: { selftest: string } } };
    expect(s).toMatchObject({ scenario: "s.yaml", board: "x86-pc", boardSource: "built-in", seed: 9, durationNs: 120e6, endNs: 120e6, status: "completed", crash: null });
    expect(Object.keys(s)).toEqual(["scenario", "boardSource", "seed", "durationNs", "endNs", "status", "crash", "kernel", "faults", "warnings", "busErrors", "board", "x86"]);
    expect(s.x86.cpus).toHaveLength(2);
    // Same run, same document.
    expect((await vplat(["s.yaml", "--json", "--until", "120ms", "--seed", "9"], { files: { "s.yaml": SHORT } })).stdout).toBe(r.stdout);
  });

  it("prints an mt8173 summary: frames, packets per thread, instructions by op, waits, display, timeouts", async () => {
    const r = await vplat(["m.yaml"], { files: { "m.yaml": "board: mt8173\nduration: 100ms\n" } });
    expect(r.code).toBe(0);
    for (const part of ["frames per crtc:", "packets per GCE thread:", "instructions: ", "events and waits:", "MUTEX0_STREAM_EOF", "display: 7 frames", "underruns", "callback errors: 0"]) {
      expect(r.stdout).toContain(part);
    }
  });

  it("reads the scenario from standard input for -", async () => {
    const r = await vplat(["-", "--json"], { stdin: "board: mt8173\nduration: 20ms\n" });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ scenario: "-", board: "mt8173" });
  });

  it("prints the kernel log with --dmesg (and in the JSON document)", async () => {
    const r = await vplat(["s.yaml", "--dmesg"], { files: { "s.yaml": SHORT } });
    expect(r.stdout).toMatch(/\nkernel log:\n {2}\[ {4}0\.\d{6}\] /);
    const j = await vplat(["s.yaml", "--dmesg", "--json"], { files: { "s.yaml": SHORT } });
    expect((JSON.parse(j.stdout) as { dmesg: string }).dmesg).toMatch(/^\[ {4}0\.\d{6}\] /);
  });
});

describe("vplat run writes its trace whole or not at all", () => {
  it("streams to FILE.partial and renames it when the run completes", async () => {
    const r = await vplat(["s.yaml", "--trace", "out/t.perfetto.json"], { files: { "s.yaml": "duration: 20ms\n" } });
    expect(r.code).toBe(0);
    expect(r.created).toEqual(["out/t.perfetto.json.partial"]);
    expect(r.files.has("out/t.perfetto.json.partial")).toBe(false);
    const trace = JSON.parse(text(r.files.get("out/t.perfetto.json"))) as { traceEvents: unknown[] };
    expect(trace.traceEvents.length).toBeGreaterThan(100);
    expect(r.stderr).toBe("trace: out/t.perfetto.json (perfetto)\n");
  });

  it("tells the format from the extension or --format, and takes outputs.trace beside the scenario", async () => {
    const jsonl = await vplat(["s.yaml", "--trace", "t.jsonl"], { files: { "s.yaml": "duration: 5ms\n" } });
    const first = text(jsonl.files.get("t.jsonl")).split("\n")[0]!;
    expect(JSON.parse(first)).toHaveProperty("t");
    const vcd = await vplat(["s.yaml", "--trace", "t.wave", "--format", "vcd"], { files: { "s.yaml": "duration: 5ms\n" } });
    const wave = text(vcd.files.get("t.wave"));
    expect(wave).toMatch(/^\$comment vplat run s\.yaml \$end\n/);
    // The HPET's output lines are wires (IOAPIC inputs 21 and 22 carry the per-CPU timers).
    expect(wave).toMatch(/\$var wire 1 \S+ irq21 \$end/);
    // Perfetto's protobuf: a Trace message, a stream of field-1 (TracePacket) records (protos/perfetto/trace/trace.proto).
    const proto = await vplat(["s.yaml", "--trace", "t.pftrace"], { files: { "s.yaml": "duration: 5ms\n" } });
    expect(proto.code).toBe(0);
    const bytes = proto.files.get("t.pftrace");
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect((bytes as Uint8Array)[0]).toBe(0x0a);
    expect(proto.stderr).toBe("trace: t.pftrace (perfetto-proto)\n");
    const inDoc = await vplat(["dir/s.yaml"], { files: { "dir/s.yaml": "duration: 5ms\noutputs: {trace: t.vcd}\n" } });
    expect(inDoc.code).toBe(0);
    expect(text(inDoc.files.get("dir/t.vcd"))).toContain("$enddefinitions $end");
  });

  it("keeps the trace of a crashed run, prints where it crashed, and exits 1", async () => {
    // No scenario crashes the faithful kernel, so the oops is planted: at 150 ms (after the
    // boot's 100 ms calibration) a timer raises the KernelBug a port raises for a BUG().
    const boot = X86Pc.prototype.boot;
    const spy = vi.spyOn(X86Pc.prototype, "boot").mockImplementation(function (this: X86Pc) {
      boot.call(this);
      this.machine.clock
        .newTimer("planted-oops", () => {
          throw new KernelBug("kernel BUG: planted oops");
        })
        .mod(150_000_000);
      return this;
    });
    try {
      const text = "duration: 300ms\n";
      const r = await vplat(["c.yaml", "--trace", "c.jsonl"], { files: { "c.yaml": text } });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/ {2}run: CRASHED at 150\.000000 ms: KernelBug: kernel BUG: planted oops/);
      expect(r.stderr).toMatch(/vplat run: the simulation crashed at 150\.000000 ms: KernelBug: /);
      expect(r.files.has("c.jsonl")).toBe(true);
      expect(r.files.has("c.jsonl.partial")).toBe(false);
      const j = await vplat(["c.yaml", "--json"], { files: { "c.yaml": text } });
      expect(j.code).toBe(1);
      expect(JSON.parse(j.stdout)).toMatchObject({ status: "crashed", crash: { atNs: 150_000_000, error: "KernelBug: kernel BUG: planted oops" } });
    } finally {
      spy.mockRestore();
    }
  });

  it("runs seed 004 with a CPU idling from power-on to the end: the stopped IRQ 0 stand-in never wakes it", async () => {
    // Once the seed owns HPET channel 0, the boot's channel-0 device is the stopped IRQ 0 timer of
    // 2.6.21: broadcast programming is accepted and never fires, so CPU 0 loses its tick while in
    // deep idle (half of every 10 ms) instead of the core reporting a hang.
    const text = "kernel: {tickMode: oneshot, driverProfile: seed-2007}\nworkload: {idle: [{cpu: 0, period: 10ms, idle: 5ms}]}\nduration: 300ms\n";
    const j = await vplat(["c.yaml", "--json"], { files: { "c.yaml": text } });
    expect(j.code).toBe(0);
    const s = JSON.parse(j.stdout) as { status: string; x86: { cpus: Array<{ ticks: number }> } };
    expect(s.status).toBe("completed");
    // 200 ms after boot at HZ=1000 would be 200 ticks on a CPU that kept its tick.
    expect(s.x86.cpus[0]!.ticks).toBeLessThan(100);
  });

  it("removes the partial trace and exits 130 when interrupted", async () => {
    const r = await vplat(["s.yaml", "--trace", "t.json"], { files: { "s.yaml": "duration: 10s\n" }, onYield: (io) => io.interrupt() });
    expect(r.code).toBe(130);
    expect(r.created).toEqual(["t.json.partial"]);
    expect([...r.files.keys()]).toEqual(["s.yaml"]);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^vplat run: interrupted at \d+\.\d+ ms of 10s; trace removed\n$/);
  });
});

describe("vplat run --dts / --dtb", () => {
  const x86 = readFileSync(new URL("../../boards/x86-pc.dts", import.meta.url), "utf8");

  it("runs the board a device tree describes instead of the scenario's", async () => {
    const r = await vplat(["s.yaml", "--dts", "pc.dts", "--json"], { files: { "s.yaml": "board: mt8173\nduration: 120ms\n", "pc.dts": x86 } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ board: "x86-pc", boardSource: "pc.dts", status: "completed" });
  });

  it("refuses a tree the board cannot be built from with exit 2, writing nothing", async () => {
    const r = await vplat(["s.yaml", "--dts", "min.dts", "--trace", "t.json"], { files: { "s.yaml": "", "min.dts": '/dts-v1/;\n/ { compatible = "vplat,x86-pc"; };\n' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("--dts: expected a tree that describes a board vplat builds, found x86-pc: min.dts lists 0 CPUs under /cpus; the board runs 1..8\nvplat run: 1 problem in s.yaml; nothing was run\n");
    expect(r.created).toEqual([]);
  });
});

describe.skipIf(!existsSync(SPEC))("vplat run --dts / --dtb on the mt8183 and mt8195 trees (mediatek-gce)", () => {
  const files = { "s.yaml": "duration: 10ms\n", ...boardFiles("mt8183") };

  it("prints the GCE, every client's channels, windows and events, and the bind errors as tables", async () => {
    const r = await vplat(["s.yaml", "--dts", "mt8183.dts"], { files });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^s\.yaml: mediatek-gce mt8183 \(mt8183\.dts\), seed 1\n {2}kernel: HZ 250, driver fixed\n {2}run: completed 10\.000000 ms of simulated time\n/);
    // mt8183-gce.dtsi: the GCE at 0x10238000 on SPI 162 (Linux IRQ 162 + 32); gce_plat_mt8183: 24 threads, shift 0.
    expect(r.stdout).toMatch(/\n {2}gce \(mailbox@10238000\) +0x10238000 +194 +24 +0 +0 +ok\n/);
    // mmsys: mboxes = <&gce 0 CMDQ_THR_PRIO_HIGHEST>, <&gce 1 CMDQ_THR_PRIO_HIGHEST>.
    expect(r.stdout).toMatch(/\n {2}mmsys \(syscon@14000000\) +0 +gce \(mailbox@10238000\) +0 +1 +ok\n {2}mmsys \(syscon@14000000\) +1 +gce \(mailbox@10238000\) +1 +1 +ok\n/);
    // ovl0: mediatek,gce-client-reg = <&gce SUBSYS_1400XXXX 0x8000 0x1000>.
    expect(r.stdout).toMatch(/\n {2}ovl0 \(ovl@14008000\) +mediatek,gce-client-reg +1 +0x8000 +0x1000 +ok\n/);
    expect(r.stdout).toMatch(/\n {2}mutex \(mutex@14016000\) +mediatek,gce-events\[0\] +130 +MUTEX_STREAM_DONE0 +ok\n {2}mutex \(mutex@14016000\) +mediatek,gce-events\[1\] +131 +MUTEX_STREAM_DONE1 +ok\n/);
    expect(r.stdout).toContain("\nbind errors: 1\n  mutex (mutex@14016000): mediatek,gce-client-reg[0]: -ENOENT: error -2 can't parse gce-client-reg property (0)");
    expect(r.stdout).toContain("\ninstructions: 0 executed; in completed packets by op: none\n");
  });

  it("reports a thread past the GCE's 24 with -EINVAL and exits 0: the run completed, the binding is its result", async () => {
    const r = await vplat(["s.yaml", "--dts", "mt8183.dts", "--json"], { files: { ...files, ...boardFiles("mt8183", "&mmsys { mboxes = <&gce 24 1>; };") } });
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { status: string; mediatek: { clients: Array<{ label: string; mboxes: unknown[] }>; bindErrors: string[] } };
    expect(s.status).toBe("completed");
    expect(s.mediatek.clients.find((c) => c.label === "mmsys")?.mboxes).toEqual([
      { index: 0, gce: "/soc/mailbox@10238000", thread: 24, priority: null, atomicExec: null, error: { errno: -22, message: "GCE thread 24 does not exist: gce (mailbox@10238000) has 24 threads (0..23)" } },
    ]);
    expect(s.mediatek.bindErrors[0]).toBe("mmsys (syscon@14000000): mboxes[0]: -EINVAL: GCE thread 24 does not exist: gce (mailbox@10238000) has 24 threads (0..23)");
  });

  it("gives the same JSON summary from a DTB of the tree, but for labels (a DTB keeps none) and the source", async () => {
    const dts = await vplat(["s.yaml", "--dts", "mt8183.dts", "--json"], { files });
    const dtb = await vplat(["s.yaml", "--dtb", "mt8183.dtb", "--json"], { files: { "s.yaml": files["s.yaml"], "mt8183.dtb": boardDtb("mt8183") } });
    expect(dtb.code).toBe(0);
    const comparable = (text: string) => JSON.parse(text, (k, v: unknown) => (k === "label" || k === "boardSource" || k === "bindErrors" ? null : v)) as unknown;
    expect(comparable(dtb.stdout)).toEqual(comparable(dts.stdout));
    expect(JSON.parse(dtb.stdout)).toMatchObject({ boardSource: "mt8183.dtb", mediatek: { bindErrors: [expect.stringMatching(/^\/soc\/mutex@14016000: mediatek,gce-client-reg\[0\]: -ENOENT: /)] } });
  });

  it("prints mt8195's two GCEs, addresses >> 3, and runs a program on the first bound channel", async () => {
    const scenario = "duration: 1ms\nworkload:\n  cmdq:\n    packets: 4\n    program: |\n      write subsys1 + 0x0040, 0x00000001\n";
    const r = await vplat(["s.yaml", "--dtb", "mt8195.dtb"], { files: { "s.yaml": scenario, "mt8195.dtb": boardDtb("mt8195", MT8195_CLIENT) } });
    expect(r.code).toBe(0);
    // mt8195-gce.dtsi: SPIs 226 and 228; gce_plat_mt8195: 24 threads, shift 3.
    expect(r.stdout).toMatch(/\n {2}\/soc\/mailbox@10320000 +0x10320000 +258 +24 +3 +\d+ +ok\n {2}\/soc\/mailbox@10330000 +0x10330000 +260 +24 +3 +0 +ok\n/);
    expect(r.stdout).toContain("program client (/soc/syscon@1c01a000 mboxes[0], 3 instructions per packet, back to back): 4 packets submitted, 4 completed, 0 failed\n");
    expect(r.stdout).toMatch(/\n {2}\/soc\/mailbox@10320000 +0 +0 +4 +4 +0 +0 +0 /);
  });

  it("refuses what the board cannot run with exit 2: a wait for an event, a fault of another board", async () => {
    const bad = "workload:\n  cmdq:\n    program: wfe 130\nfaults:\n  - {type: drop-irq, pin: 2, at: 1ms}\n";
    const r = await vplat(["s.yaml", "--dts", "mt8183.dts"], { files: { ...files, "s.yaml": bad } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      [
        "s.yaml:3:14: workload.cmdq.program (line 1, column 1): expected an instruction that does not wait for an event on board mediatek-gce (no device model there sends GCE events), found a wait for event 130 (MUTEX_STREAM_DONE0); programs that wait for display events run on mt8173",
        `s.yaml:5:12: faults[0].type: expected a fault of board mediatek-gce ('drop-irq' needs board x86-pc), found "drop-irq"`,
        "vplat run: 2 problems in s.yaml; nothing was run",
        "",
      ].join("\n"),
    );
  });
});

describe("vplat run refuses bad input with exit 2 and writes nothing", () => {
  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ["malformed YAML", ["s.yaml"], { "s.yaml": "seed: [1\n" }, /^s\.yaml:2:1: expected well-formed YAML, found /],
    ["an unknown field", ["s.yaml"], { "s.yaml": "board:\n  cpuz: 2\n" }, /^s\.yaml:2:3: board\.cpuz: expected a field of x86-pc \(.*\), found unknown field 'cpuz'; did you mean 'cpus'\?\n/],
    ["an impossible value", ["s.yaml"], { "s.yaml": "board: {name: x86-pc, cpus: 9}\n" }, /^s\.yaml:1:29: board\.cpus: expected an integer 1\.\.8, found 9\n/],
    ["a missing scenario", ["nope.yaml"], {}, /^vplat run: cannot read scenario 'nope\.yaml': no such file\n$/],
    ["a missing program file", ["s.yaml"], { "s.yaml": "board: mt8173\nworkload: {cmdq: {file: f.S}}\n" }, /^s\.yaml:2:25: workload\.cmdq\.file: expected a readable file, found 'f\.S' \(no such file\)\n/],
    ["a bad --until", ["s.yaml", "--until", "10"], { "s.yaml": "" }, /^vplat run: --until: expected a positive duration with a unit, e.g. "250ms" or "10s", found '10'\n/],
    ["a bad --seed", ["s.yaml", "--seed", "1.5"], { "s.yaml": "" }, /^vplat run: --seed: expected an integer 0\.\.\d+, found '1\.5'\n/],
    ["a bad --format", ["s.yaml", "--trace", "t.json", "--format", "pdf"], { "s.yaml": "" }, /^vplat run: --format: expected one of perfetto, perfetto-proto, jsonl, vcd, found 'pdf'\n/],
    ["a trace whose format cannot be told", ["s.yaml", "--trace", "t.txt"], { "s.yaml": "" }, /^vplat run: --trace t\.txt: cannot tell the format from the extension/],
    ["two device trees", ["s.yaml", "--dts", "a.dts", "--dtb", "b.dtb"], { "s.yaml": "" }, /^vplat run: --dts and --dtb: expected one device tree, found both\n/],
    ["no scenario", [], {}, /^vplat run: expected a SCENARIO file\n/],
    ["two scenarios", ["a.yaml", "b.yaml"], {}, /^vplat run: expected one SCENARIO file, found 2: a\.yaml b\.yaml\n/],
  ];

  it.each(cases)("%s", async (_what, argv, files, message) => {
    // Each asks for a trace too: none may be created.
    const r = await vplat([...argv, ...(argv.includes("--trace") ? [] : ["--trace", "never.json"])], { files });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe("");
    expect(r.created).toEqual([]);
  });

  it("counts the problems of a scenario and says nothing was run", async () => {
    const r = await vplat(["s.yaml"], { files: { "s.yaml": "seed: x\nduration: 0s\n" } });
    expect(r.stderr.split("\n").slice(-2)).toEqual(["vplat run: 2 problems in s.yaml; nothing was run", ""]);
  });

  it("does not run when the trace cannot be created", async () => {
    const r = await vplat(["s.yaml", "--trace", "no/dir/t.json"], { files: { "s.yaml": SHORT }, unwritable: ["no/dir/t.json.partial"] });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^vplat run: cannot write trace 'no\/dir\/t\.json': ENOENT.*; nothing was run\n$/);
    expect(r.stdout).toBe("");
  });
});

describe("vplat run's progress bar", () => {
  it("draws simulated time, percent and speed on a terminal, at most ten times a second of wall time, and clears it", async () => {
    // Every wallMs() call advances 20 ms of "wall time": many chunks, a redraw every fifth or so.
    const r = await vplat(["s.yaml", "--until", "2s"], { files: { "s.yaml": "" }, stderrTty: true, wallStepMs: 20 });
    expect(r.code).toBe(0);
    const draws = r.stderr.split("\r").filter((d) => d.startsWith("["));
    expect(draws.length).toBeGreaterThan(1);
    // Each draw erases the rest of the line (ESC [ K).
    expect(draws.every((d) => d.endsWith(`${ESC}[K`))).toBe(true);
    const lines = draws.map((d) => d.slice(0, -3));
    expect(lines[0]).toMatch(/^\[=*>? *\] \d+\.\d{3} s \/ 2s +\d+% {2}×\S+ real time$/);
    expect(lines.at(-1)).toMatch(/^\[=+\] 2\.000 s \/ 2s {2}100% {2}×\S+ real time$/);
    expect(r.stderr.endsWith(`\r${ESC}[K`)).toBe(true);
    // The summary still goes to standard output, untouched.
    expect(r.stdout).toMatch(/^s\.yaml: x86-pc/);
  });

  it("stays silent when standard error is not a terminal", async () => {
    const r = await vplat(["s.yaml"], { files: { "s.yaml": SHORT }, wallStepMs: 20 });
    expect(r.stderr).toBe("");
  });

  it("documents its exit codes in --help", async () => {
    const io = fakeIo();
    expect(await main(["run", "--help"], io)).toBe(0);
    expect(io.out()).toMatch(/exit codes:\n {2}0 {4}the run completed\n {2}1 {4}the run crashed/);
    expect(io.out()).toMatch(/\n {2}2 {4}the command line or the scenario is invalid/);
    expect(io.out()).toMatch(/\n {2}130 {2}interrupted/);
  });
});
