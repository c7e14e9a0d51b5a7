/**
 * Shared helpers for the CMDQ controller and board tests: an mt8173 board booted without its
 * display clients, CMDQ clients on the mmsys device, packets built with the seed helper, and a
 * record of every completion callback.
 */
import { expect } from "vitest";
import { IS_ERR, type ErrPtr } from "../../../../src/linux/include/linux/err.js";
import type { cmdq_base, cmdq_cb_data, cmdq_client, cmdq_pkt } from "../../../../src/linux/include/linux/soc/mediatek/mtk-cmdq.js";
import { cmdq_mbox_create, cmdq_pkt_create, cmdq_pkt_flush_async } from "../../../../src/linux/drivers/soc/mediatek/mtk-cmdq-helper.js";
import { Mt8173, type Mt8173Props } from "../../../../src/platform/boards/mt8173.js";

export const OVL0: cmdq_base = { subsys: 1, base: 0x1400_c000 };
export const RDMA0: cmdq_base = { subsys: 1, base: 0x1400_e000 };
export const RDMA2: cmdq_base = { subsys: 2, base: 0x1401_0000 };
export const WDMA0: cmdq_base = { subsys: 2, base: 0x1401_1000 };

/** An mt8173 board booted with no display client running. */
export function quietBoard(props: Mt8173Props = {}): Mt8173 {
  return new Mt8173({ ...props, client: { ...props.client, start: false } }).boot();
}

/** A CMDQ client on channel `index` of the mmsys device (fails the test on error). */
export function client(b: Mt8173, index = 0): cmdq_client {
  const c = b.inKernel(() => cmdq_mbox_create(b.mmsysDevice()!, index));
  if (IS_ERR(c)) throw new Error(`cmdq_mbox_create(${index}): ${c}`);
  return c;
}

/** cmdq_mbox_create's result as-is. */
export function tryClient(b: Mt8173, index = 0): cmdq_client | ErrPtr {
  return b.inKernel(() => cmdq_mbox_create(b.mmsysDevice()!, index));
}

/** A packet built by `build` (not finalized). */
export function packet(b: Mt8173, build: (pkt: cmdq_pkt) => void): cmdq_pkt {
  const ptr: { value: cmdq_pkt | null } = { value: null };
  b.inKernel(() => {
    expect(cmdq_pkt_create(ptr)).toBe(0);
    build(ptr.value!);
  });
  return ptr.value!;
}

export interface Done {
  readonly name: string;
  readonly t: number;
  readonly err: boolean;
  readonly sta: number;
}

/** Submits `pkt` with a callback that records (name, time, err, sta) into `log`. */
export function submit(b: Mt8173, c: cmdq_client, pkt: cmdq_pkt, name: string, log: Done[]): number {
  return b.inKernel(() =>
    cmdq_pkt_flush_async(c, pkt, (d: cmdq_cb_data) => log.push({ name, t: b.machine.clock.now, err: d.err, sta: d.sta }), null),
  );
}

/** Kernel log lines. */
export function logLines(b: Mt8173): string[] {
  return b.machine.kernel.log.map((r) => r.text);
}
