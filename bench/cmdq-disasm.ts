/**
 * GCE command-buffer decoding speed. The target row is disassembly to objects (`decodeAll`,
 * one fresh typed object per instruction), >= 5 M instructions/s. Two reference rows: the
 * allocation-free `decodeInto` the GCE engine uses, and disassembly all the way to text.
 */
import { createDecodeScratch, decodeInto, encodeInto, type Instruction } from "../src/hw/mailbox/mtk-gce-isa.js";
import { assemble, decodeAll, disassemble } from "../src/tools/cmdq/index.js";
import { rate, type Benchmark, type BenchRow } from "./harness.js";

/** A display packet as DRM builds one (spec §5.1): clear + wait on the frame event, register writes, finalize. */
const FRAME_PACKET = `
  clear_event MUTEX0_STREAM_EOF
  wait_no_clear MUTEX0_STREAM_EOF
  write DISP_OVL0 + 0x040, 0x00000001
  mask 0x0000ff00
  write DISP_OVL0 + 0x044, 0x00001200, masked
  write DISP_RDMA0 + 0x000, 0x00000001
  write DISP_RDMA0 + 0x010, 0x04380780
  poll DISP_MUTEX + 0x020, 0x00000001
  assign SPR0, 0x14001000
  add SPR1, SPR1, 8
  read_s SPR2, [SPR0 + 0x0102]
  write_s [SPR0 + 0x0102], SPR2
  eoc
  jump +8
`;

/** About `n` instructions: frame packets back to back, plus one unknown word per packet. */
function buffer(n: number): Uint32Array {
  const packet = assemble(FRAME_PACKET);
  const perPacket = packet.length / 2 + 1;
  const packets = Math.ceil(n / perPacket);
  const words = new Uint32Array(packets * perPacket * 2);
  const unknown: Instruction = { kind: "unknown", lo: 0, hi: 0x0500_0000, reason: "unknown opcode" };
  for (let p = 0; p < packets; p++) {
    words.set(packet, p * perPacket * 2);
    encodeInto(words, (p + 1) * perPacket - 1, unknown);
  }
  return words;
}

/** Instructions per buffer: 32 KiB, eight times the helper's PAGE_SIZE packet (spec §1.7). */
const BUFFER_INSTRUCTIONS = 4096;
/** Buffers per timed run: about a million instructions. */
const REPEATS = 256;

export const cmdqDisasm: Benchmark = {
  name: "cmdq disasm",
  run(): BenchRow[] {
    const words = buffer(BUFFER_INSTRUCTIONS);
    const count = words.length / 2;
    let sink = 0;
    const objects = rate(count * REPEATS, () => {
      // Reading a decoded object keeps the optimizer from dropping the work.
      for (let r = 0; r < REPEATS; r++) sink += decodeAll(words)[(r * 17) % count]!.kind.length;
    });
    const scratch = createDecodeScratch();
    const inPlace = rate(count * REPEATS, () => {
      for (let r = 0; r < REPEATS; r++) {
        for (let i = 0; i < count; i++) if (decodeInto(scratch, words[2 * i]!, words[2 * i + 1]!).kind === "unknown") sink++;
      }
    });
    const text = rate(count * 16, () => {
      for (let r = 0; r < 16; r++) sink += disassemble(words).text.length;
    });
    if (sink < 0) throw new Error("unreachable: keeps the work observable");
    return [
      { name: "cmdq disasm to objects (decodeAll)", unit: "instr/s", value: objects, target: { min: 5e6 } },
      { name: "cmdq decodeInto, no allocation", unit: "instr/s", value: inPlace },
      { name: "cmdq disasm to text", unit: "instr/s", value: text },
    ];
  },
};
