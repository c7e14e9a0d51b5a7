/**
 * One booted kernel. Linux keeps its state in globals and per-CPU variables; vplat may run
 * several machines in one process (tests do), so every port keeps its statics in the `Kernel`
 * that is executing, found through `kernel()` the way C finds a global by name.
 *
 * The platform enters a kernel with `runInKernel(k, cpu, fn)` for everything it asks of it: the
 * boot, an interrupt delivered to a CPU, the resumption of a kernel thread. Inside, kernel code
 * calls its own functions with their Linux signatures (`smp_processor_id()`, `printk()`,
 * `readl()`), and those find the machine through the current kernel. Nothing here knows a
 * device model: the hardware is reached through `KernelHost`, which the platform implements
 * over the bus, the interrupt controllers and the CPUs.
 */
import type { Clock } from "../../sim/clock.js";
import type { Co, Task } from "../../sim/task.js";
import { spawn } from "../../sim/task.js";
import type { Tracer } from "../../sim/trace.js";

/** What the machine offers the kernel: the CPU's view of the hardware. */
export interface KernelHost {
  readonly clock: Clock;
  readonly tracer: Tracer;
  /** CPUs present (num_possible_cpus()). */
  readonly nr_cpu_ids: number;
  /** Device-memory loads and stores by `cpu` (the platform may inject latency or stalls here). */
  mmio_read(cpu: number, addr: number, size: 1 | 2 | 4): number;
  mmio_write(cpu: number, addr: number, size: 1 | 2 | 4, value: number): void;
  mmio_read64(cpu: number, addr: number): bigint;
  mmio_write64(cpu: number, addr: number, value: bigint): void;
  /** Physical RAM the kernel allocates from; `bytes[i]` is physical address `base + i` (the direct map). */
  readonly ram: { readonly base: number; readonly bytes: Uint8Array };
  /** `cpu` re-enabled interrupts: the platform delivers what it held back, at the next event boundary. */
  irqs_enabled(cpu: number): void;
  /**
   * Sends an inter-processor interrupt: `handler` runs on `cpu` as an interrupt, at an event
   * boundary when that CPU accepts interrupts (the broadcast tick uses it).
   */
  send_ipi(cpu: number, handler: () => void): void;
  /** The CPU enters (true) or leaves (false) a deep C-state, where some timers may stop. */
  set_deep_idle(cpu: number, on: boolean): void;
  /** CPU features the kernel finds with CPUID (e.g. "arat": the APIC timer runs in deep idle). */
  readonly cpu_features?: ReadonlySet<string>;
  /** The CPU's own free-running counter (x86 TSC, arm64 CNTVCT) and its frequency. */
  read_cpu_counter(cpu: number): number;
  readonly cpu_counter_hz: number;
}

export interface KernelConfig {
  /** Timer interrupt frequency (CONFIG_HZ). */
  readonly HZ: 100 | 250 | 1000;
  /** How the tick runs: hardware-periodic where the device can, or programmed one-shot each tick. */
  readonly tick_mode?: "periodic" | "oneshot";
  /**
   * Named behaviour switches of the ports, on when true. Each port declares and documents its
   * own (e.g. "clockevents.delta2ns-2007"); profiles are sets of them.
   */
  readonly switches?: Readonly<Record<string, boolean>>;
}

/** Whether the switch `name` is on in the running kernel's configuration. */
export function switch_on(name: string): boolean {
  return kernel().config.switches?.[name] === true;
}

export class KernelContextError extends Error {
  override readonly name = "KernelContextError";
}

/** A line of the kernel log, as `dmesg` shows it. */
export interface LogRecord {
  /** Virtual nanoseconds since boot. */
  readonly t: number;
  /** 0 (KERN_EMERG) … 7 (KERN_DEBUG). */
  readonly level: number;
  readonly cpu: number;
  readonly text: string;
}

export class Kernel {
  /** The CPU executing kernel code right now (smp_processor_id()). */
  cpu = 0;
  readonly log: LogRecord[] = [];
  /** WARN_ON() reports, for tests that must fail on an unexpected warning. */
  readonly warnings: string[] = [];
  /** Per-CPU interrupt-disable nesting (local_irq_save) and hard-IRQ depth (irq_enter). */
  readonly irqs_off: Uint8Array;
  readonly hardirq: Uint8Array;
  private readonly statics = new Map<object, unknown>();

  constructor(
    readonly host: KernelHost,
    readonly config: KernelConfig,
  ) {
    if (!Number.isInteger(host.nr_cpu_ids) || host.nr_cpu_ids < 1 || host.nr_cpu_ids > NR_CPUS) {
      throw new RangeError(`a kernel needs 1..${NR_CPUS} CPUs, got ${host.nr_cpu_ids}`);
    }
    this.irqs_off = new Uint8Array(host.nr_cpu_ids);
    this.hardirq = new Uint8Array(host.nr_cpu_ids);
  }

  /** @internal The statics of one kernel source file (see `perKernel`). */
  staticsOf<T>(key: object, init: () => T): T {
    let v = this.statics.get(key) as T | undefined;
    if (v === undefined) {
      v = init();
      this.statics.set(key, v);
    }
    return v;
  }
}

/** CONFIG_NR_CPUS of the ports. */
export const NR_CPUS = 8;

let current: Kernel | null = null;

/** The kernel executing now. Kernel code only runs inside `runInKernel`. */
export function kernel(): Kernel {
  if (current === null) throw new KernelContextError("kernel code called outside runInKernel()");
  return current;
}

/** Runs `fn` as kernel code on `cpu` of `k`, restoring the previous context afterwards. */
export function runInKernel<T>(k: Kernel, cpu: number, fn: () => T): T {
  return runInKernelWith(k, cpu, fn, undefined);
}

/**
 * `runInKernel` for a function of one argument: the interrupt entry runs this on every
 * interrupt, and passing the vector as an argument spares a closure per interrupt.
 */
export function runInKernelWith<A, T>(k: Kernel, cpu: number, fn: (arg: A) => T, arg: A): T {
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= k.host.nr_cpu_ids) {
    throw new RangeError(`CPU ${cpu} does not exist (nr_cpu_ids = ${k.host.nr_cpu_ids})`);
  }
  const outer = current;
  const outerCpu = outer?.cpu;
  current = k;
  k.cpu = cpu;
  try {
    return fn(arg);
  } finally {
    current = outer;
    if (outer !== null) outer.cpu = outerCpu!;
  }
}

/**
 * A source file's static variables, one set per kernel: `const statics = perKernel(() => ({…}))`
 * at module level, then `statics().x` where the C says `x`.
 */
export function perKernel<T>(init: () => T): () => T {
  const key = {};
  // The hot paths call this on every register access and tick: remember the last kernel's
  // instance instead of looking it up in that kernel's map each time.
  let owner: Kernel | null = null;
  let value: T | null = null;
  return () => {
    const k = kernel();
    if (k !== owner || value === null) {
      value = k.staticsOf(key, init);
      owner = k;
    }
    return value;
  };
}

/** A per-CPU variable (DEFINE_PER_CPU): one instance per CPU of each kernel. */
export interface PerCpu<T> {
  readonly __percpu: (cpu: number) => T;
}

export function DEFINE_PER_CPU<T>(init: (cpu: number) => T): PerCpu<T> {
  const all = perKernel(() => Array.from({ length: kernel().host.nr_cpu_ids }, (_, c) => init(c)));
  return {
    __percpu: (cpu) => {
      const v = all()[cpu];
      // Seed 004's `cpu > NR_CPUS` check lets cpu == NR_CPUS through; C would index past the array.
      if (v === undefined) throw new RangeError(`per-CPU access for CPU ${cpu} out of range (nr_cpu_ids = ${kernel().host.nr_cpu_ids})`);
      return v;
    },
  };
}

export function per_cpu<T>(v: PerCpu<T>, cpu: number): T {
  return v.__percpu(cpu);
}

/** this_cpu_ptr() / __get_cpu_var(): the instance of the CPU executing now. */
export function this_cpu_ptr<T>(v: PerCpu<T>): T {
  return v.__percpu(kernel().cpu);
}

export function smp_processor_id(): number {
  return kernel().cpu;
}

export function num_possible_cpus(): number {
  return kernel().host.nr_cpu_ids;
}

/** Runs `fn(info)` on every CPU in turn (on_each_cpu), the calling CPU included, and returns. */
export function on_each_cpu<A>(fn: (info: A) => void, info: A): void {
  const k = kernel();
  for (let cpu = 0; cpu < k.host.nr_cpu_ids; cpu++) runInKernel(k, cpu, () => fn(info));
}

/** Runs `fn(info)` on `cpu` (smp_call_function_single with wait = 1). */
export function smp_call_function_single<A>(cpu: number, fn: (info: A) => void, info: A): void {
  runInKernel(kernel(), cpu, () => fn(info));
}

/**
 * Starts a kernel thread (kthread_run) bound to `cpu`. Each time the scheduler resumes it, its
 * code runs inside this kernel on that CPU.
 */
export function kthread_run<T>(body: Co<T>, name: string, cpu = 0): Task<T> {
  const k = kernel();
  return spawn(k.host.clock, name, inKernel(k, cpu, body));
}

function* inKernel<T>(k: Kernel, cpu: number, body: Co<T>): Co<T> {
  let step = runInKernel(k, cpu, () => body.next());
  while (step.done !== true) {
    const wake = yield step.value;
    step = runInKernel(k, cpu, () => body.next(wake));
  }
  return step.value;
}
