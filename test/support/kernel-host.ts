/**
 * A bare machine for kernel unit tests: a clock, a tracer with a ring, a bus with nothing
 * mapped but what a test maps, RAM, a 1 GHz CPU counter and IPIs delivered at the next event
 * boundary. Clock event devices are simulated directly on clock timers (see `fakeClockEvent`).
 */
import { Bus } from "../../src/sim/bus.js";
import { Clock } from "../../src/sim/clock.js";
import { RingSink } from "../../src/sim/sinks/ring.js";
import { Tracer } from "../../src/sim/trace.js";
import { Kernel, runInKernel, type KernelConfig, type KernelHost } from "../../src/linux/kernel/instance.js";
import {
  CLOCK_EVT_FEAT_ONESHOT,
  CLOCK_EVT_FEAT_PERIODIC,
  CLOCK_EVT_MODE_PERIODIC,
  clock_event_device_init,
  type clock_event_device,
} from "../../src/linux/kernel/time/clockevents.js";
import { cpumask_of } from "../../src/linux/include/linux/cpumask.js";
import { clocksource_register_hz } from "../../src/linux/kernel/time/clocksource.js";

export interface TestMachine {
  clock: Clock;
  tracer: Tracer;
  ring: RingSink;
  bus: Bus;
  kernel: Kernel;
  /** Runs `fn` as kernel code on `cpu`. */
  on<T>(cpu: number, fn: () => T): T;
  log(): string[];
}

export function testMachine(config: Partial<KernelConfig> & { cpus?: number; ramBytes?: number } = {}): TestMachine {
  const clock = new Clock();
  const tracer = new Tracer(clock);
  const ring = new RingSink(4096);
  tracer.attach(ring);
  const bus = new Bus(tracer, "throw");
  const ram = { base: 0x4000_0000, bytes: new Uint8Array(config.ramBytes ?? 1 << 20) };
  const host: KernelHost = {
    clock,
    tracer,
    nr_cpu_ids: config.cpus ?? 1,
    mmio_read: (_cpu, addr, size) => bus.read(addr, size),
    mmio_write: (_cpu, addr, size, value) => bus.write(addr, size, value),
    mmio_read64: (_cpu, addr) => bus.read64(addr),
    mmio_write64: (_cpu, addr, value) => bus.write64(addr, value),
    ram,
    irqs_enabled: () => {},
    set_deep_idle: () => {},
    send_ipi: (_cpu, handler) => clock.newTimer("ipi", handler).mod(clock.now),
    read_cpu_counter: () => clock.now,
    cpu_counter_hz: 1_000_000_000,
  };
  const { cpus: _c, ramBytes: _r, ...kconfig } = config;
  const k = new Kernel(host, { HZ: 1000, ...kconfig });
  const kernel = k;
  // A perfect 1 GHz counter keeps time, so ktime_get() equals the virtual clock.
  runInKernel(kernel, 0, () =>
    clocksource_register_hz({ name: "counter", rating: 300, read: () => host.read_cpu_counter(0), mask: Number.MAX_SAFE_INTEGER, mult: 0, shift: 0, flags: 1 }, host.cpu_counter_hz),
  );
  return {
    clock,
    tracer,
    ring,
    bus,
    kernel,
    on: (cpu, fn) => runInKernel(kernel, cpu, fn),
    log: () => kernel.log.map((r) => r.text),
  };
}

export interface FakeDevice extends clock_event_device {
  /** Calls to set_next_event, as (virtual time, ticks). */
  programmed: Array<[number, number]>;
  fires: number;
}

/**
 * A clock event device of `hz` backed by a clock timer: set_next_event(ticks) fires after
 * ceil(ticks · 1e9 / hz) ns; periodic mode repeats every tick period. `fail` makes
 * set_next_event return -ETIME (for the retry ladder).
 */
export function fakeClockEvent(
  m: TestMachine,
  cpu: number,
  opts: { name?: string; rating?: number; hz?: number; features?: number; cpumask?: number; fail?: () => boolean } = {},
): FakeDevice {
  const hz = opts.hz ?? 1_000_000_000;
  const timer = m.clock.newTimer(opts.name ?? "fake", () => {
    dev.fires++;
    if (dev.mode === CLOCK_EVT_MODE_PERIODIC) timer.mod(m.clock.now + Math.round(1e9 / m.kernel.config.HZ));
    m.on(cpu, () => dev.event_handler?.(dev));
  });
  const dev: FakeDevice = Object.assign(
    clock_event_device_init({
      name: opts.name ?? "fake",
      features: opts.features ?? CLOCK_EVT_FEAT_ONESHOT | CLOCK_EVT_FEAT_PERIODIC,
      rating: opts.rating ?? 100,
      cpumask: opts.cpumask ?? cpumask_of(cpu),
      set_next_event: (ticks: number) => {
        dev.programmed.push([m.clock.now, ticks]);
        if (opts.fail?.()) return -62;
        timer.mod(m.clock.now + Math.ceil((ticks * 1e9) / hz));
        return 0;
      },
      set_mode: (mode: number) => {
        if (mode === CLOCK_EVT_MODE_PERIODIC) timer.mod(m.clock.now + Math.round(1e9 / m.kernel.config.HZ));
        else timer.del();
      },
    }),
    { programmed: [] as Array<[number, number]>, fires: 0 },
  );
  return dev;
}
