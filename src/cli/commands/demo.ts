/**
 * `vplat demo`: a guided run of the substrate every board is built on. Until the x86-pc and
 * mt8173 boards land, it shows the pieces they use, doing real work in virtual time:
 * a 14.318 MHz counter read exactly after ten simulated hours, tick timers at three HZ values
 * with seeded jitter, a sleeping task that polls a register block over the bus, a completion
 * with a timeout, and a bus error, all written to a Perfetto trace and a VCD waveform.
 */
import {
  Bus,
  Clock,
  Completion,
  IrqLine,
  PerfettoSink,
  Prng,
  Region,
  Tracer,
  VcdSink,
  defineEvents,
  ev,
  formatNs,
  ms,
  nsAtTick,
  sec,
  sleep,
  spawn,
  ticksAt,
  type Co,
  type MmioOps,
} from "../../sim/index.js";
import { parseCommandLine } from "../args.js";
import { ExitCode, type Command, type Io } from "../command.js";

const HPET_PERIOD_FS = 69_841_279;
const COUNTER_BASE = 0xfed0_0000;

const demoEvents = defineEvents("demo", {
  tick: ev<[hz: string, n: number]>("instant", ["hz", "n"], { track: "hz" }),
  poll: ev<[task: string, counter: number]>("instant", ["task", "counter"], { track: "task" }),
  wait_begin: ev<[task: string]>("begin", ["task"], { track: "task" }),
  wait_end: ev<[task: string, completed: number]>("end", ["task", "completed"], { track: "task" }),
});

/** A free-running counter derived from the clock (never ticked), readable as a 32-bit register. */
function counterBlock(clock: Clock): MmioOps {
  return {
    read: (offset) => (offset === 0 ? ticksAt(clock.now, HPET_PERIOD_FS) >>> 0 : 0),
    write: () => {},
  };
}

interface TickStats {
  hz: number;
  ticks: number;
  line: IrqLine;
}

function startTicks(clock: Clock, tracer: Tracer, prng: Prng, hz: number): TickStats {
  const stats: TickStats = { hz, ticks: 0, line: new IrqLine(`irq.tick${hz}`, tracer) };
  const period = 1e9 / hz;
  const timer = clock.newTimer(`tick${hz}`, () => {
    stats.ticks++;
    stats.line.pulse();
    if (tracer.on) tracer.emit(demoEvents.tick, `${hz} Hz`, stats.ticks);
    // Up to 2 µs of seeded jitter, as an interrupt's latency would add.
    timer.mod(Math.round(stats.ticks * period) + prng.int(0, 2000));
  });
  timer.mod(period);
  return stats;
}

function* poller(clock: Clock, bus: Bus, tracer: Tracer, samples: number[]): Co {
  for (let i = 0; i < 5; i++) {
    yield* sleep(clock, ms(100));
    const value = bus.read32(COUNTER_BASE);
    samples.push(value);
    if (tracer.on) tracer.emit(demoEvents.poll, "poller", value);
  }
  bus.read32(COUNTER_BASE + 0x1000); // nothing is mapped there: a bus error, traced, reads all ones
}

function* waiter(name: string, tracer: Tracer, done: Completion, deadline: number, outcome: boolean[]): Co {
  if (tracer.on) tracer.emit(demoEvents.wait_begin, name);
  const ok = yield* done.wait(deadline);
  outcome.push(ok);
  if (tracer.on) tracer.emit(demoEvents.wait_end, name, ok ? 1 : 0);
}

export const demo: Command = {
  name: "demo",
  summary: "run a guided tour of the simulation and write its traces",
  usage: `usage: vplat demo [--out PREFIX] [--seed N]

Runs 10 simulated seconds of timers, tasks, a register block and a bus error on the
deterministic clock, prints what happened, and writes PREFIX.perfetto.json (open it in
ui.perfetto.dev) and PREFIX.vcd (open it in GTKWave). PREFIX defaults to vplat-demo.
Two runs with the same seed write byte-identical files.`,
  async run(args, io) {
    const { values } = parseCommandLine(args, { out: { type: "string" }, seed: { type: "string" } });
    const prefix = values.out ?? "vplat-demo";
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    if (!Number.isSafeInteger(seed) || seed < 0) {
      io.stderr.write(`vplat demo: --seed must be a non-negative integer, got '${values.seed}'\n`);
      return ExitCode.usage;
    }
    return runDemo(io, prefix, seed);
  },
};

function runDemo(io: Io, prefix: string, seed: number): number {
  const clock = new Clock();
  const tracer = new Tracer(clock);
  const perfettoPath = `${prefix}.perfetto.json`;
  const vcdPath = `${prefix}.vcd`;
  const perfettoFile = io.createFile(perfettoPath);
  const vcdFile = io.createFile(vcdPath);
  tracer.attach(new PerfettoSink(perfettoFile));
  const hzs = [100, 250, 1000];
  tracer.attach(new VcdSink(vcdFile, hzs.map((hz) => ({ name: `irq.tick${hz}`, width: 1 }))));

  const bus = new Bus(tracer, "ignore");
  bus.map(new Region("counter", COUNTER_BASE, 0x400, counterBlock(clock)));
  const prng = new Prng(seed);
  const ticks = hzs.map((hz) => startTicks(clock, tracer, prng, hz));
  const samples: number[] = [];
  spawn(clock, "poller", poller(clock, bus, tracer, samples));
  const done = new Completion();
  const outcome: boolean[] = [];
  spawn(clock, "waiter-1", waiter("waiter-1", tracer, done, ms(300), outcome));
  spawn(clock, "waiter-2", waiter("waiter-2", tracer, done, ms(900), outcome));
  clock.newTimer("complete", () => done.complete()).mod(ms(500));

  const started = io.wallMs();
  clock.run(sec(10));
  const wall = (io.wallMs() - started) / 1000;
  tracer.close();
  perfettoFile.close();
  vcdFile.close();

  const tenHours = sec(36_000);
  const lines = [
    "vplat demo: the simulation substrate at work (the x86-pc and mt8173 boards build on it)",
    "",
    `exact time: a ${HPET_PERIOD_FS} fs counter reads ${ticksAt(tenHours, HPET_PERIOD_FS)} ticks after 10 h`,
    `            (floor(36000e15 / ${HPET_PERIOD_FS}) exactly); tick 1 is reached at ${nsAtTick(1, HPET_PERIOD_FS)} ns`,
    "",
    `simulated ${formatNs(clock.now)} in ${wall.toFixed(3)} s wall; ${clock.fired} events fired`,
    ...ticks.map((t) => `  tick timer ${String(t.hz).padStart(4)} Hz: ${t.ticks} ticks, ${t.line.rises} interrupt pulses`),
    `  poller task: slept 100 ms five times, counter read ${samples.join(", ")}`,
    `  completion signalled at 500 ms: waiter-1 (timeout 300 ms) ${outcome[0] ? "completed" : "timed out"}, waiter-2 (timeout 900 ms) ${outcome[1] ? "completed" : "timed out"}`,
    `  bus errors: ${bus.errors} (a read of an unmapped address returned all ones)`,
    "",
    `trace: ${perfettoPath} (${tracer.count} events; open in ui.perfetto.dev)`,
    `waves: ${vcdPath} (open in GTKWave)`,
    "",
  ];
  io.stdout.write(lines.join("\n"));
  return ExitCode.ok;
}
