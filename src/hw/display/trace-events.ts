/**
 * Trace events of the display model (category "disp"). Each display path has a track
 * (`disp.path0`) with alternating slices: `frame N` from SOF to EOF and `vblank` from EOF to
 * the next SOF; component register writes are instants on the component's track.
 */
import { defineEvents, ev } from "../../sim/trace.js";

export const dispEvents = defineEvents("disp", {
  /** A register write: `vblank` 1 when it landed in a vblank, `late` 1 when it missed the frame being scanned out. */
  disp_write: ev<[component: string, addr: number, value: number, vblank: number, late: number]>(
    "instant",
    ["component", "addr:x", "value:x", "vblank", "late"],
    { track: "component" },
  ),
  /** Start of frame (SOF): the path scans frame `frame` out until its end of frame (EOF). */
  disp_active_begin: ev<[path: string, frame: number]>("begin", ["path", "frame"], { track: "path", label: "frame {frame}" }),
  disp_active_end: ev<[path: string, frame: number]>("end", ["path", "frame"], { track: "path" }),
  disp_vblank_begin: ev<[path: string, frame: number]>("begin", ["path", "frame"], { track: "path", label: "vblank" }),
  disp_vblank_end: ev<[path: string, frame: number]>("end", ["path", "frame"], { track: "path" }),
  /** A frame latched an incomplete configuration (see docs/gce.md, "Underruns"). */
  disp_underrun: ev<[path: string, frame: number, reason: string]>("instant", ["path", "frame", "reason"], { track: "path" }),
});
