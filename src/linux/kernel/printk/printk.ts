/**
 * printk (kernel/printk/printk.c): messages go to the booted kernel's log with their virtual
 * timestamp, level and CPU, and to the trace. A leading KERN_<LEVEL> marker sets the level
 * (default KERN_INFO's neighbour, MESSAGE_LOGLEVEL_DEFAULT = 4, as in the kernel).
 */
import { defineEvents, ev } from "../../../sim/trace.js";
import { kernel, type LogRecord } from "../instance.js";

export const KERN_EMERG = "\x010";
export const KERN_ALERT = "\x011";
export const KERN_CRIT = "\x012";
export const KERN_ERR = "\x013";
export const KERN_WARNING = "\x014";
export const KERN_NOTICE = "\x015";
export const KERN_INFO = "\x016";
export const KERN_DEBUG = "\x017";

const MESSAGE_LOGLEVEL_DEFAULT = 4;

export const printkEvents = defineEvents("printk", {
  printk: ev<[cpu: number, level: number, text: string]>("instant", ["cpu", "level", "text"]),
});

/** printk(KERN_DEBUG "text"): the message, with any KERN_ prefix, already formatted. */
export function printk(message: string): void {
  const k = kernel();
  let level = MESSAGE_LOGLEVEL_DEFAULT;
  let text = message;
  if (text.charCodeAt(0) === 1 && text.length >= 2) {
    level = text.charCodeAt(1) - 48;
    text = text.slice(2);
  }
  // The kernel splits on newlines; a trailing one ends the record.
  for (const line of text.replace(/\n$/, "").split("\n")) {
    k.log.push({ t: k.host.clock.now, level, cpu: k.cpu, text: line });
    if (k.host.tracer.on) k.host.tracer.emit(printkEvents.printk, k.cpu, level, line);
  }
}

export const pr_emerg = (s: string) => printk(KERN_EMERG + s);
export const pr_err = (s: string) => printk(KERN_ERR + s);
export const pr_warn = (s: string) => printk(KERN_WARNING + s);
export const pr_notice = (s: string) => printk(KERN_NOTICE + s);
export const pr_info = (s: string) => printk(KERN_INFO + s);
export const pr_debug = (s: string) => printk(KERN_DEBUG + s);

/** A log record as dmesg prints it: `[    1.234567] text`. */
export function format_log_line(r: LogRecord): string {
  const us = Math.floor(r.t / 1000);
  const sec = Math.floor(us / 1_000_000);
  return `[${String(sec).padStart(5)}.${String(us % 1_000_000).padStart(6, "0")}] ${r.text}`;
}

/** The whole log, as `dmesg` would print it. */
export function dmesg(records: readonly LogRecord[]): string {
  return records.map((r) => `${format_log_line(r)}\n`).join("");
}
