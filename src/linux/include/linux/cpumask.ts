/**
 * CPU masks (include/linux/cpumask.h) as bitmasks over NR_CPUS = 8 CPUs. The 2007 API passed
 * `cpumask_t` by value, which a number reproduces exactly.
 */
export type cpumask_t = number;

export function cpumask_of(cpu: number): cpumask_t {
  return 1 << cpu;
}

/** The 2007 spelling. */
export const cpumask_of_cpu = cpumask_of;

export function cpu_isset(cpu: number, mask: cpumask_t): boolean {
  return (mask & (1 << cpu)) !== 0;
}

export function cpumask_equal(a: cpumask_t, b: cpumask_t): boolean {
  return a === b;
}

export function cpumask_first(mask: cpumask_t): number {
  return mask === 0 ? 32 : 31 - Math.clz32(mask & -mask);
}

export const CPU_MASK_NONE: cpumask_t = 0;
