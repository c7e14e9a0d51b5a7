/**
 * Trace events of the HPET (QEMU hw/timer/trace-events, `hpet_*`). Guest errors and
 * unimplemented features use the substrate's `guest_error` and `unimp` events with the device
 * name (`hpet`). Register accesses go on the `hpet` track; each timer has its own track
 * (`hpet.timer0`…) with its comparator arm and fire instants, and a wire for Tn_INT_ENB_CNF.
 */
import { defineEvents, ev } from "../../sim/trace.js";

export const hpetEvents = defineEvents("hpet", {
  /** One register access as the device decoded it (`size` 4 or 8; 8-bit and 16-bit accesses are refused before). */
  hpet_ram_read: ev<[addr: number, size: number, val: bigint]>("instant", ["addr:x", "size", "val:x"]),
  hpet_ram_write: ev<[addr: number, size: number, val: bigint]>("instant", ["addr:x", "size", "val:x"]),
  /** The main counter started (`running` 1, from `counter`) or stopped (`running` 0, latched at `counter`). */
  hpet_counter: ev<[running: number, counter: bigint]>("instant", ["running", "counter:x"]),
  /** A timer's next event was scheduled at virtual time `deadline` (`kind`: match, wrap or late). */
  hpet_timer_arm: ev<[timer: number, deadline: number, kind: string]>("instant", ["timer", "deadline", "kind"], { track: "hpet.timer{timer}" }),
  hpet_timer_disarm: ev<[timer: number]>("instant", ["timer"], { track: "hpet.timer{timer}" }),
  /** A timer's comparator event happened with the counter at `counter`. */
  hpet_timer_fire: ev<[timer: number, counter: bigint, kind: string]>("instant", ["timer", "counter:x", "kind"], { track: "hpet.timer{timer}" }),
  /** §1.6 Tn_INT_ENB_CNF: the timer may interrupt (1) or not (0). */
  hpet_timer_int_enb: ev<[timer: number, enabled: number]>("signal", ["timer", "enabled"], { track: "hpet.timer{timer}.int_enb" }),
  /** An FSB (MSI) delivery: a 32-bit write of `val` to `addr`. */
  hpet_fsb_write: ev<[timer: number, addr: number, val: number]>("instant", ["timer", "addr:x", "val:x"], { track: "hpet.timer{timer}" }),
});
