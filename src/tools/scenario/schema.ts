/**
 * The scenario file, described once (docs/scenarios.md is its reference). The validator, the
 * JSON Schema `vplat schema` prints, and the `Scenario` type all come from `SCENARIO`.
 *
 * Every field has a default, so an empty file runs the x86-pc board for one second. Fields
 * inside a fault are required where no sensible default exists (a fault's time).
 */
import { GCE_SOCS } from "../../hw/mailbox/mtk-gce-soc.js";
import { DEFAULT_GCE_TIMING } from "../../hw/mailbox/mtk-gce.js";
import { DEFAULT_PANEL_TIMING } from "../../hw/display/mtk-disp.js";
import { ICH_PERIOD_FS, QEMU_INTCAP } from "../../hw/timer/hpet.profiles.js";
import { HPET_SEED_2007_SWITCHES } from "../../linux/arch/x86/kernel/hpet.js";
import { CMDQ_SEED_SWITCHES } from "../../linux/drivers/mailbox/mtk-cmdq-mailbox.js";
import {
  boolean,
  duration,
  formatDuration,
  frequency,
  integer,
  jsonSchema,
  list,
  map,
  object,
  oneOf,
  text,
  union,
  variants,
  type JsonSchema,
  type TypeOf,
} from "./schema-dsl.js";

const US = 1_000;
const MS = 1_000_000;
const S = 1_000_000_000;

/** Kernel switches each board's kernel knows (docs/timekeeping.md, docs/cmdq.md). */
export const X86_SWITCHES: readonly string[] = HPET_SEED_2007_SWITCHES;
/** The seed's CMDQ switches, plus mainline 5.11+'s removal of the controller's thread timer. */
export const MT8173_SWITCHES: readonly string[] = [...CMDQ_SEED_SWITCHES, "cmdq.no-thread-timeout"];

/** GCE event names of mt8173 (spec §4.1), for faults that name an event. */
export const MT8173_EVENT_NAMES: readonly string[] = GCE_SOCS.mt8173.events.map((e) => e.name);

/** QEMU's HPET period (hw/timer/hpet.c HPET_CLK_PERIOD, 10 ns), the qemu-7.2 profile's default. */
export const QEMU_PERIOD_FS = 10_000_000;

const at = (what: string) => duration({ description: `When ${what}, in simulated time from power-on.`, required: true });

const x86Board = object(
  {
    cpus: integer({ description: "CPUs, each with a local APIC.", min: 1, max: 8, default: 2 }),
    hpet: object(
      {
        present: boolean({ description: "Whether the board has an HPET at 0xFED00000.", default: true }),
        profile: oneOf(["spec", "qemu-7.2"] as const, {
          description: "HPET behaviour: 'spec' (IA-PC HPET 1.0a hardware) or 'qemu-7.2' (QEMU 7.2's model, quirks included; docs/hpet.md).",
          default: "spec",
        }),
        timers: integer({ description: "Comparators (timers) the HPET implements.", min: 3, max: 32, default: 3 }),
        periodFs: integer({
          description: "Main counter period in femtoseconds (COUNTER_CLK_PERIOD); the qemu-7.2 profile needs a whole number of nanoseconds.",
          min: 1_000_000,
          max: 100_000_000,
          defaultNote: `${ICH_PERIOD_FS} (the ICH's 14.318 MHz) with profile spec, ${QEMU_PERIOD_FS} (QEMU's 100 MHz) with profile qemu-7.2.`,
        }),
        routeCap: integer({
          description: "Tn_INT_ROUTE_CAP of every timer: bit n set means the timer can drive IOAPIC input n.",
          min: 0,
          max: 0xffff_ffff,
          hex: true,
          default: `0x${QEMU_INTCAP.q35.toString(16).padStart(8, "0")}`,
        }),
      },
      { title: "the HPET", description: "The HPET device." },
    ),
    nohpet: boolean({ description: "Boot option 'nohpet': the kernel ignores the HPET.", default: false }),
    forceHpetAddress: boolean({ description: "Find the HPET through the PCI quirk path instead of ACPI (force_hpet_address).", default: false }),
    arat: boolean({ description: "The APIC timer keeps running in deep idle (ARAT); 2007-era CPUs lack it.", default: false }),
    tscHz: frequency({ description: "TSC frequency (the CPU counter the LAPIC timer is calibrated against).", min: 1_000_000, max: 10_000_000_000, default: "2GHz" }),
    apicMainTimer: boolean({ description: "Boot option 'apicmaintimer': the boot CPU's LAPIC timer replaces the IRQ 0 timer.", default: false }),
    irqEntry: duration({ description: "Interrupt entry latency of every CPU.", max: MS, default: "500ns" }),
  },
  { title: "x86-pc", description: "x86-pc: N CPUs with local APICs, an IOAPIC, the HPET; a 2007-era kernel with seed 004's HPET driver (docs/timekeeping.md)." },
);

const gceTiming = DEFAULT_GCE_TIMING;
const mt8173Board = object(
  {
    crtcs: integer({ description: "Display paths (crtcs): 1, or 2 (OVL1 → RDMA1 on mutex 1, mailbox channel 1).", min: 1, max: 2, default: 1 }),
    dramMiB: integer({ description: "DRAM in MiB at 0x40000000 (the kernel's memory; packets live here).", min: 1, max: 512, default: 16 }),
    panel: object(
      {
        refreshHz: integer({ description: "Display refresh rate in frames per second.", min: 1, max: 240, default: DEFAULT_PANEL_TIMING.refreshHz }),
        activeLines: integer({ description: "Active (scanned-out) lines per frame.", min: 1, max: 10_000, default: DEFAULT_PANEL_TIMING.activeLines }),
        vblankLines: integer({ description: "Vertical blanking lines per frame (the window the frame's register writes must land in).", min: 1, max: 10_000, default: DEFAULT_PANEL_TIMING.vblankLines }),
      },
      { title: "the panel", description: "Panel timing of every display path (default CEA-861 1080p60)." },
    ),
    gce: object(
      {
        cycle: duration({ description: "One GCE cycle.", min: 1, max: US, default: formatDuration(gceTiming.cycleNs) }),
        internal: duration({ description: "MASK, JUMP, WFE, EOC, LOGIC.", min: 1, max: 100 * US, default: formatDuration(gceTiming.internalNs) }),
        write: duration({ description: "A posted bus write (WRITE, WRITE_S).", min: 1, max: 100 * US, default: formatDuration(gceTiming.writeNs) }),
        read: duration({ description: "A bus read round trip (READ_S, one POLL attempt).", min: 1, max: 100 * US, default: formatDuration(gceTiming.readNs) }),
        slice: duration({ description: "Longest batch of instructions executed as one event (finer: exact stamps, slower).", min: 1, max: MS, default: formatDuration(gceTiming.sliceNs) }),
        pollInterval: duration({ description: "Longest gap between two reads of an unmatched POLL.", min: 1, max: MS, default: formatDuration(gceTiming.pollIntervalNs) }),
      },
      { title: "GCE timing", description: "GCE instruction costs (docs/gce.md)." },
    ),
  },
  { title: "mt8173", description: "mt8173: the GCE (CMDQ) with the seed-000 stack, the display pipeline, DRAM, the GPT timer, one CPU (docs/cmdq.md)." },
);

const dtsBoard = object(
  { dts: text({ description: "A device-tree source file (relative to the scenario's directory).", what: "a file path", required: true }) },
  { title: "a DTS board", description: "A board described by a device-tree source file." },
);
const dtbBoard = object(
  { dtb: text({ description: "A flattened device-tree blob (relative to the scenario's directory).", what: "a file path", required: true }) },
  { title: "a DTB board", description: "A board described by a device-tree blob." },
);

const kernel = object(
  {
    HZ: oneOf([100, 250, 1000] as const, { description: "Timer interrupt frequency (CONFIG_HZ).", defaultNote: "1000 on x86-pc, 250 on mt8173 and mediatek-gce." }),
    tickMode: oneOf(["periodic", "oneshot"] as const, { description: "x86-pc: the tick runs periodic where the device can, or is programmed one-shot every tick.", default: "periodic" }),
    driverProfile: oneOf(["fixed", "seed-2007", "seed"] as const, {
      description: "Driver behaviour: 'fixed' corrects the seeds' defects as mainline did; 'seed-2007' (x86-pc) runs seed 004 as written; 'seed' (mt8173, mediatek-gce) seed 000's CMDQ behaviour.",
      default: "fixed",
    }),
    switches: map(boolean({ description: "On (true) or off (false).", required: true }), {
      description: "Single driver switches over the profile, by name (the tables in docs/timekeeping.md and docs/cmdq.md).",
      keys: [...X86_SWITCHES, ...MT8173_SWITCHES],
      keysWhat: "a switch name (docs/timekeeping.md, docs/cmdq.md)",
    }),
  },
  { title: "the kernel", description: "The kernel configuration." },
);

const frames = union([integer({ description: "A number of frames.", min: 0, max: Number.MAX_SAFE_INTEGER }), oneOf(["unlimited"] as const, { description: "No limit." })], {
  description: "Frames each display client commits, or 'unlimited'.",
  default: "unlimited",
});

const idlePattern = object(
  {
    cpu: integer({ description: "The CPU that idles.", min: 0, max: 7, required: true }),
    period: duration({ description: "One busy + idle cycle.", min: US, required: true }),
    idle: duration({ description: "Deep idle (C3) in each period; the LAPIC timer stops there unless the board has ARAT.", min: 1, required: true }),
    jitter: duration({ description: "Each period's idle time is drawn uniformly from idle ± jitter with the scenario's seed.", max: 2 * S, default: "0ns" }),
    start: duration({ description: "When the pattern starts.", default: "0ns" }),
  },
  { title: "an idle pattern", description: "A CPU that sleeps in deep idle part of every period (x86-pc)." },
);

const workload = object(
  {
    idle: list(idlePattern, { description: "x86-pc: CPUs in deep idle patterns.", maxItems: 8 }),
    display: object(
      {
        planes: integer({ description: "Enabled OVL layers per frame.", min: 0, max: 4, default: 4 }),
        writesPerFrame: integer({ description: "Register writes per frame packet, the layer registers included.", min: 0, max: 100_000, default: 200 }),
        frames,
      },
      { title: "the display client", description: "mt8173: the DRM client, which builds one packet per frame with seed 000's helper." },
    ),
    cmdq: object(
      {
        program: text({ description: "GCE assembly (docs/cmdq-asm.md) a kernel client submits once per frame, instead of crtc 0's DRM packet.", what: "a string of GCE assembly" }),
        file: text({ description: "A file of GCE assembly (relative to the scenario's directory), instead of 'program'.", what: "a file path" }),
        waitFrame: boolean({
          description: "mt8173: begin each packet as the DRM client does (clear_event + wfe on the path's mutex stream EOF), so it runs once per frame.",
          default: true,
        }),
        packets: integer({
          description: "mediatek-gce: packets the client submits, back to back (each after the previous one's callback; no display paces them).",
          min: 1,
          max: 100_000,
          default: 1,
        }),
      },
      {
        title: "the CMDQ program client",
        description: "mt8173: a client that submits your own command buffer every frame through the mailbox; mediatek-gce: on the first bound channel of the tree, back to back.",
      },
    ),
  },
  { title: "the workload", description: "What the system does while it runs." },
);

const cpu = (what: string) => integer({ description: what, min: 0, max: 7, default: 0 });
const address = (what: string) => integer({ description: what, min: 0, max: 0xffff_ffff, hex: true, required: true });

const faults = list(
  variants(
    {
      smi: {
        node: object(
          { cpu: cpu("The CPU held."), at: at("the SMI starts"), duration: duration({ description: "How long the CPU is held (no interrupts, no accesses).", min: 1, required: true }) },
          { title: "an SMI", description: "An SMI: the CPU executes nothing for a while." },
        ),
      },
      "access-delay": {
        node: object(
          {
            cpu: integer({ description: "The CPU whose access is held (default: every CPU).", min: 0, max: 7 }),
            address: address("Physical address of the access."),
            size: integer({ description: "Bytes covered from 'address'.", min: 1, max: 4096, default: 4 }),
            access: oneOf(["write", "read"] as const, { description: "The kind of access.", default: "write" }),
            after: duration({ description: "Only accesses at or after this time match.", default: "0ns" }),
            delay: duration({ description: "How long the CPU is held just before the access.", min: 1, required: true }),
            times: integer({ description: "How many matching accesses are held.", min: 1, max: 1_000_000, default: 1 }),
          },
          { title: "an access delay", description: "An SMI landing just before a matching MMIO access (e.g. between the HPET driver's counter read and its comparator write)." },
        ),
      },
      "posted-write": {
        node: object(
          {
            address: address("Physical address of the writes."),
            size: integer({ description: "Bytes covered from 'address'.", min: 1, max: 4096, default: 4 }),
            latency: duration({ description: "How late the writes reach the device.", min: 1, required: true }),
          },
          { title: "a posted write", description: "Matching CPU writes reach the device late (a chipset posting them)." },
        ),
      },
      "drop-irq": {
        node: object(
          { pin: integer({ description: "IOAPIC input.", min: 0, max: 23, required: true }), at: at("the next rising edge is dropped (the first at or after this time)") },
          { title: "a dropped interrupt", description: "x86-pc: the next rising edge on an IOAPIC input is lost." },
        ),
      },
      "duplicate-irq": {
        node: object(
          { pin: integer({ description: "IOAPIC input.", min: 0, max: 23, required: true }), at: at("the next rising edge is doubled (the first at or after this time)") },
          { title: "a doubled interrupt", description: "x86-pc: the next rising edge on an IOAPIC input is delivered twice." },
        ),
      },
      "halt-hpet": {
        node: object({ at: at("the HPET main counter halts") }, { title: "an HPET halt", description: "x86-pc: the HPET main counter stops (as firmware in SMM might)." }),
      },
      suspend: {
        node: object(
          { at: at("the system suspends"), duration: duration({ description: "How long it stays suspended.", min: 1, required: true }) },
          { title: "a suspend", description: "x86-pc: a suspend/resume cycle (timer_suspend, timer_resume; the HPET counter restarts)." },
        ),
      },
      "stop-display": {
        node: object(
          {
            path: integer({ description: "The display path (crtc).", min: 0, max: 1, default: 0 }),
            at: at("the panel stops"),
            duration: duration({ description: "How long until frames start again (default: never).", min: 1 }),
          },
          { title: "a stopped display", description: "mt8173: a panel stops sending frames: no SOF, EOF or stream EOF events." },
        ),
      },
      "mask-event": {
        node: object(
          {
            event: union([oneOf(MT8173_EVENT_NAMES, { description: "An mt8173 event name (spec §4.1)." }), integer({ description: "A hardware event id.", min: 0, max: 1023 })], {
              description: "The GCE event, by name or id.",
              required: true,
            }),
            at: at("the event stops reaching the GCE"),
            duration: duration({ description: "How long its pulses are lost (default: for good).", min: 1 }),
          },
          { title: "a masked event", description: "mt8173: a display event's pulses never reach the GCE (a stuck event wire)." },
        ),
      },
    },
    { tag: "type", description: "A fault, by type.", required: true },
  ),
  { description: "Faults injected during the run (docs/scenarios.md, Faults).", maxItems: 1000 },
);

const outputs = object(
  {
    trace: text({ description: "Trace file to write (relative to the scenario's directory); none by default.", what: "a file path" }),
    format: oneOf(["perfetto", "perfetto-proto", "jsonl", "vcd"] as const, {
      description:
        "Trace format: Perfetto/Chrome JSON, Perfetto's native protobuf (compact and fast, for long runs), JSON lines, or VCD waveforms of the interrupt lines.",
      defaultNote: "from the trace file's extension: .json → perfetto, .pftrace or .perfetto-trace → perfetto-proto, .jsonl → jsonl, .vcd → vcd.",
    }),
    dmesg: boolean({ description: "Print the kernel log after the summary.", default: false }),
  },
  { title: "the outputs", description: "What the run writes besides its summary." },
);

/** The whole scenario file. */
export const SCENARIO = object(
  {
    board: variants(
      { "x86-pc": { node: x86Board }, mt8173: { node: mt8173Board }, dts: { node: dtsBoard, has: "dts" }, dtb: { node: dtbBoard, has: "dtb" } },
      { tag: "name", shorthand: true, description: "The board: x86-pc or mt8173 (a name, or a mapping with 'name' and its parameters), or {dts: FILE} / {dtb: FILE}.", default: "x86-pc" },
    ),
    kernel,
    workload,
    faults,
    duration: duration({ description: "Simulated time to run.", min: 1, default: "1s" }),
    seed: integer({ description: "Seed of the PRNG behind everything random in the run (idle jitter). Same scenario and seed: same run.", min: 0, max: Number.MAX_SAFE_INTEGER, default: 1 }),
    outputs,
  },
  { title: "a scenario", description: "A vplat scenario: a board, its kernel, a workload, faults, how long to run and what to write." },
);

/** A validated scenario: every default filled in, durations in ns, frequencies in Hz. */
export type ScenarioDoc = TypeOf<typeof SCENARIO>;
export type BoardDoc = ScenarioDoc["board"];
export type FaultDoc = ScenarioDoc["faults"][number];

/** The JSON Schema (draft 2020-12) of scenario files, for editors. */
export function scenarioJsonSchema(): JsonSchema {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "vplat scenario",
    ...jsonSchema(SCENARIO),
  };
}

