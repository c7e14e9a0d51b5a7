/**
 * WARN_ON / WARN / BUG_ON (include/asm-generic/bug.h). A warning is printed with the kernel's
 * "WARNING:" prefix, counted in `kernel().warnings` (tests fail on unexpected ones), and the code
 * carries on, as the kernel does. BUG() stops the simulation: it is a bug in the port or a state
 * the kernel would oops on.
 */
import { kernel } from "../../kernel/instance.js";
import { printk, KERN_WARNING } from "../../kernel/printk/printk.js";

export class KernelBug extends Error {
  override readonly name = "KernelBug";
}

/** WARN(condition, message): returns the condition, like the macro. */
export function WARN(condition: boolean, message: string): boolean {
  if (condition) {
    const k = kernel();
    k.warnings.push(message);
    printk(`${KERN_WARNING}WARNING: CPU: ${k.cpu} at ${message}`);
  }
  return condition;
}

export function WARN_ON(condition: boolean, what = "WARN_ON"): boolean {
  return WARN(condition, what);
}

const warnedOnce = new WeakMap<object, Set<string>>();

/** WARN_ONCE: warns the first time per kernel and message. */
export function WARN_ONCE(condition: boolean, message: string): boolean {
  if (!condition) return false;
  const k = kernel();
  let seen = warnedOnce.get(k);
  if (seen === undefined) warnedOnce.set(k, (seen = new Set()));
  if (!seen.has(message)) {
    seen.add(message);
    WARN(true, message);
  }
  return true;
}

export function BUG_ON(condition: boolean, what = "BUG_ON"): void {
  if (condition) throw new KernelBug(`kernel BUG: ${what}`);
}
