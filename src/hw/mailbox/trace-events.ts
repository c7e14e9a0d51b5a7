/**
 * Trace events of the GCE model (category "gce"). Each GCE thread has two tracks: `gce.thrN`
 * with non-overlapping `exec` slices (the engine runs the thread) and `wfe` slices (blocked on an
 * event), and `gce.thrN.pkt` with one `packet` slice per command sequence (from the first
 * instruction after the thread was idle to its EOC, or to the thread stopping), titled by the
 * packet's start address. Each thread's state is also a wire (`gce.thrN`, `GceThreadState`).
 */
import { defineEvents, ev } from "../../sim/trace.js";

export const gceEvents = defineEvents("gce", {
  /** A register write from the bus. */
  gce_reg_write: ev<[device: string, offset: number, value: number]>("instant", ["device", "offset:x", "value:x"], { track: "device" }),
  /** One executed instruction (only while tracing: it costs an event per instruction). */
  gce_insn: ev<[thread: string, pc: number, hi: number, lo: number]>("instant", ["thread", "pc:x", "hi:x", "lo:x"], { track: "thread" }),
  gce_exec_begin: ev<[thread: string, pc: number]>("begin", ["thread", "pc:x"], { track: "thread", label: "exec" }),
  gce_exec_end: ev<[thread: string, pc: number]>("end", ["thread", "pc:x"], { track: "thread" }),
  gce_wfe_begin: ev<[thread: string, event: number]>("begin", ["thread", "event"], { track: "thread", label: "wfe {event}" }),
  gce_wfe_end: ev<[thread: string, event: number]>("end", ["thread", "event"], { track: "thread" }),
  gce_packet_begin: ev<[thread: string, pc: number]>("begin", ["thread", "pc:x"], { track: "thread", label: "packet {pc}" }),
  gce_packet_end: ev<[thread: string, pc: number]>("end", ["thread", "pc:x"], { track: "thread" }),
  /** An EOC executed; `irq` 1 when it raised the DONE interrupt. */
  gce_eoc: ev<[thread: string, pc: number, irq: number]>("instant", ["thread", "pc:x", "irq"], { track: "thread" }),
  /** The thread stopped on an error (invalid instruction, POLL timeout); `bits` went into IRQ_STATUS. */
  gce_error: ev<[thread: string, pc: number, bits: number, reason: string]>("instant", ["thread", "pc:x", "bits:x", "reason"], {
    track: "thread",
  }),
  /** An event flag changed (hardware pulse, WFE update, SYNC_TOKEN_UPDATE). */
  gce_event: ev<[event: number, value: number]>("instant", ["event", "value"]),
  /** The thread's state changed (a `GceThreadState` value). */
  gce_thread_state: ev<[thread: string, state: number]>("signal", ["thread", "state"], { track: "thread", vcd: "integer" }),
  /** The thread reached END_ADDR and went idle. */
  gce_idle: ev<[thread: string, pc: number]>("instant", ["thread", "pc:x"], { track: "thread" }),
});

/** Values of the `gce_thread_state` wire. */
export const GceThreadState = {
  /** Disabled, stopped on an error, or at END_ADDR: nothing to run. */
  idle: 0,
  /** The engine is executing its instructions. */
  running: 1,
  /** Blocked in a WFE until its event is set. */
  waiting: 2,
  /** Re-reading a register in a POLL until it matches. */
  polling: 3,
  /** Has work but is not running: the engine serves another thread, or the thread is suspended. */
  ready: 4,
} as const;
