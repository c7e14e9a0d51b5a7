/**
 * The substrate's own trace events. Each layer declares its events in one block like this
 * (hw/…/trace-events.ts, linux/…), so the catalogue reads like QEMU's trace-events files.
 */
import { defineEvents, ev } from "./trace.js";

export const events = defineEvents("sim", {
  /** An access no region accepted; `reason` is unmapped, size or alignment. */
  bus_error: ev<[addr: number, size: number, write: number, reason: string]>("instant", ["addr:x", "size", "write", "reason"]),
  /** A level change on an interrupt line (every line is a wire, declared when the line is made). */
  irq_level: ev<[line: string, level: number]>("signal", ["line", "level"], { track: "line", group: "irq lines" }),
  /** The guest did something the hardware defines as an error (QEMU LOG_GUEST_ERROR). */
  guest_error: ev<[device: string, message: string]>("instant", ["device", "message"], { track: "device" }),
  /** The guest used a feature the model does not implement (QEMU LOG_UNIMP, Renode WithTag). */
  unimp: ev<[device: string, message: string]>("instant", ["device", "message"], { track: "device" }),
});
