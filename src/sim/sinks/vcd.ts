import type { TraceArg, TraceEvent, TraceSink } from "../trace.js";
import { ChunkedWriter, type TextOutput } from "./writer.js";

export interface VcdSignal {
  /** Dotted name; the dots become scopes (`hpet.t0.irq` is wire `irq` in module `hpet.t0`). */
  readonly name: string;
  readonly width: number;
}

interface Wire {
  readonly id: string;
  readonly width: number;
  value: number | undefined;
}

/** VCD identifiers: printable ASCII 33..126, shortest first. */
function identifier(n: number): string {
  let id = "";
  do {
    id += String.fromCharCode(33 + (n % 94));
    n = Math.floor(n / 94);
  } while (n > 0);
  return id;
}

/**
 * Value Change Dump (IEEE 1364 §18) for waveform viewers such as GTKWave: every `signal` event
 * whose track names a declared wire becomes a value change, with a 1 ns timescale. VCD declares
 * its wires before the first change, so the wires are given up front; `signal` events on
 * undeclared tracks are counted in `undeclared` and skipped.
 */
export class VcdSink implements TraceSink {
  private readonly out: ChunkedWriter;
  private readonly wires = new Map<string, Wire>();
  private lastTime = -1;
  undeclared = 0;

  constructor(output: TextOutput, signals: readonly VcdSignal[], comment = "vplat") {
    this.out = new ChunkedWriter(output);
    signals.forEach((s, i) => {
      if (!Number.isInteger(s.width) || s.width < 1 || s.width > 64) throw new RangeError(`VCD signal ${s.name}: width ${s.width} is not 1..64`);
      if (this.wires.has(s.name)) throw new RangeError(`VCD signal ${s.name} declared twice`);
      this.wires.set(s.name, { id: identifier(i), width: s.width, value: undefined });
    });
    this.header(signals, comment);
  }

  private header(signals: readonly VcdSignal[], comment: string): void {
    this.out.write(`$comment ${comment} $end\n$timescale 1ns $end\n`);
    const byScope = new Map<string, VcdSignal[]>();
    for (const s of signals) {
      const dot = s.name.lastIndexOf(".");
      const scope = dot < 0 ? "top" : s.name.slice(0, dot);
      byScope.set(scope, [...(byScope.get(scope) ?? []), s]);
    }
    for (const [scope, list] of byScope) {
      const parts = scope.split(".");
      for (const p of parts) this.out.write(`$scope module ${p} $end\n`);
      for (const s of list) {
        const leaf = s.name.slice(s.name.lastIndexOf(".") + 1);
        this.out.write(`$var wire ${s.width} ${this.wires.get(s.name)!.id} ${leaf} $end\n`);
      }
      for (let i = 0; i < parts.length; i++) this.out.write(`$upscope $end\n`);
    }
    this.out.write(`$enddefinitions $end\n#0\n$dumpvars\n`);
    for (const w of this.wires.values()) this.out.write(w.width === 1 ? `x${w.id}\n` : `bx ${w.id}\n`);
    this.out.write(`$end\n`);
    this.lastTime = 0;
  }

  record(t: number, ev: TraceEvent, args: readonly TraceArg[]): void {
    if (ev.kind !== "signal") return;
    const wire = this.wires.get(String(ev.track >= 0 ? args[ev.track] : ev.name));
    if (wire === undefined) {
      this.undeclared++;
      return;
    }
    const raw = args[args.length - 1];
    const value = typeof raw === "number" ? raw : typeof raw === "bigint" ? Number(raw) : Number.NaN;
    if (value === wire.value) return;
    wire.value = value;
    if (t !== this.lastTime) {
      this.out.write(`#${t}\n`);
      this.lastTime = t;
    }
    this.out.write(change(wire, value));
  }

  close(): void {
    this.out.flush();
  }
}

function change(wire: Wire, value: number): string {
  if (!Number.isFinite(value)) return wire.width === 1 ? `x${wire.id}\n` : `bx ${wire.id}\n`;
  if (wire.width === 1) return `${value !== 0 ? 1 : 0}${wire.id}\n`;
  return `b${BigInt.asUintN(wire.width, BigInt(Math.trunc(value))).toString(2)} ${wire.id}\n`;
}
