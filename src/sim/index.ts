/** The simulation substrate: time, the event queue, blocking, the bus, registers, IRQ lines, tracing, randomness. */
export * from "./time.js";
export * from "./clock.js";
export * from "./task.js";
export * from "./bus.js";
export * from "./regs.js";
export * from "./irq.js";
export * from "./trace.js";
export { events as simEvents } from "./trace-events.js";
export * from "./prng.js";
export * from "./sinks/writer.js";
export * from "./sinks/ring.js";
export * from "./sinks/jsonl.js";
export * from "./sinks/perfetto.js";
export * from "./sinks/perfetto-proto.js";
export * from "./sinks/vcd.js";
export * from "./sinks/relay.js";
