/**
 * How an x86 kernel reads a flattened device tree (arch/x86/kernel/devicetree.c, mainline 6.x:
 * x86_dtb_parse_smp_config → dtb_setup_hpet, dtb_apic_setup → dtb_lapic_setup, dtb_cpu_setup,
 * dtb_ioapic_setup), with the Intel CE4100 binding it was written for
 * (arch/x86/platform/ce4100/falconfalls.dts, now arch/x86/boot/dts/ce4100.dts):
 * - `intel,ce4100-hpet`: its first `reg` entry is `hpet_address`;
 * - `intel,ce4100-lapic`: the local APIC's address (APIC_DEFAULT_PHYS_BASE without one);
 *   `intel,virtual-wire-mode` selects virtual-wire rather than IMCR/PIC mode;
 * - every `/cpus` node of `device_type = "cpu"`: its `reg` is the CPU's local APIC id;
 * - every `intel,ce4100-ioapic`: an IOAPIC at its `reg`, GSIs numbered on from the previous one.
 *
 * The results are kernel globals, read with the kernel's accessors (mpc_ioapic_addr,
 * mp_lapic_addr, …); the arch boot code maps the IOAPIC and LAPIC it finds here. (`of_ioapic`,
 * which later interrupt-routing code consults, has no reader in this port.)
 *
 * Not ported: the IOAPIC irq domain (`interrupts = <pin type>` through of_ioapic_type); the
 * x86-pc board describes no device whose interrupt the tree routes (the HPET routes its own
 * comparators, Tn_INT_ROUTE_CNF). MODEL: mp_register_ioapic reads each IOAPIC's version
 * register for its pin count; here every IOAPIC has the 82093AA's 24 pins.
 */
import { WARN_ON } from "../../../include/linux/bug.js";
import {
  for_each_compatible_node,
  for_each_of_cpu_node,
  of_address_to_resource,
  of_find_compatible_node,
  of_node_full_path,
  of_get_cpu_hwid,
  of_property_read_bool,
  resource_init,
  type device_node,
} from "../../../include/linux/of.js";
import { perKernel } from "../../../kernel/instance.js";
import { pr_err, pr_info, pr_warn } from "../../../kernel/printk/printk.js";
import { APIC_DEFAULT_PHYS_BASE } from "../include/asm/apicdef.js";
import { register_lapic_address } from "./apic.js";
import { set_hpet_address } from "./hpet.js";

/** struct mpc_ioapic, as mp_register_ioapic records it. */
export interface mpc_ioapic {
  readonly apicid: number;
  readonly apicaddr: number;
  readonly gsi_base: number;
  readonly gsi_end: number;
}

/** Pins per IOAPIC (82093AA; see MODEL above). */
const IOAPIC_PINS = 24;

const statics = perKernel(() => ({
  ioapic_id: 0,
  gsi_top: 0,
  mp_ioapics: [] as mpc_ioapic[],
  mp_lapic_addr: 0,
  smp_found_config: 0,
  pic_mode: 0,
  /** topology_register_apic(): the local APIC ids of the CPUs the tree lists, in tree order. */
  apic_ids: [] as number[],
}));

/** dtb_setup_hpet(): `hpet_address` from the first `intel,ce4100-hpet` node. */
function dtb_setup_hpet(root: device_node): void {
  const dn = of_find_compatible_node(root, "intel,ce4100-hpet");
  if (dn === null) return;
  const r = resource_init();
  const ret = of_address_to_resource(dn, 0, r);
  if (ret !== 0) {
    WARN_ON(true, `dtb_setup_hpet: ${of_node_full_path(dn)} has no reg`);
    return;
  }
  set_hpet_address(r.start);
}

/** dtb_cpu_setup(): registers each cpu node's local APIC id. */
function dtb_cpu_setup(root: device_node): void {
  for (const dn of for_each_of_cpu_node(root)) {
    const apic_id = of_get_cpu_hwid(dn, 0);
    if (apic_id === 0xffff_ffff) {
      pr_warn(`${of_node_full_path(dn)}: missing local APIC ID`);
      continue;
    }
    statics().apic_ids.push(apic_id);
  }
}

/** dtb_lapic_setup(): the local APIC's address (the CPUs have an APIC: no apic_force_enable). */
function dtb_lapic_setup(root: device_node): void {
  const s = statics();
  let lapic_addr = APIC_DEFAULT_PHYS_BASE;
  const dn = of_find_compatible_node(root, "intel,ce4100-lapic");
  if (dn !== null) {
    const r = resource_init();
    const ret = of_address_to_resource(dn, 0, r);
    if (WARN_ON(ret !== 0, `dtb_lapic_setup: ${of_node_full_path(dn)} has no reg`)) return;
    lapic_addr = r.start;
  }
  register_lapic_address(lapic_addr);
  s.mp_lapic_addr = lapic_addr;
  s.smp_found_config = 1;
  s.pic_mode = of_property_read_bool(dn, "intel,virtual-wire-mode") ? 0 : 1;
  pr_info(`${s.pic_mode ? "IMCR and PIC" : "Virtual Wire"} compatibility mode.`);
}

/** mp_register_ioapic(): records IOAPIC `id` at `address`, its GSIs from `gsi_base`. */
function mp_register_ioapic(id: number, address: number, gsi_base: number): void {
  const s = statics();
  s.mp_ioapics.push({ apicid: id, apicaddr: address, gsi_base, gsi_end: gsi_base + IOAPIC_PINS - 1 });
  s.gsi_top = gsi_base + IOAPIC_PINS;
}

function dtb_add_ioapic(dn: device_node): void {
  const s = statics();
  const r = resource_init();
  if (of_address_to_resource(dn, 0, r) !== 0) {
    pr_err(`Can't obtain address from device node ${of_node_full_path(dn)}.`);
    return;
  }
  mp_register_ioapic(++s.ioapic_id, r.start, s.gsi_top);
}

/** dtb_ioapic_setup(): every `intel,ce4100-ioapic` node. */
function dtb_ioapic_setup(root: device_node): void {
  for (const dn of for_each_compatible_node(root, "intel,ce4100-ioapic")) dtb_add_ioapic(dn);
  if (statics().mp_ioapics.length > 0) return;
  pr_err("Error: No information about IO-APIC in OF.");
}

/** x86_dtb_parse_smp_config(): the HPET, the local APICs, the CPUs and the IOAPICs from the tree `root`. */
export function x86_dtb_parse_smp_config(root: device_node): void {
  dtb_setup_hpet(root);
  dtb_lapic_setup(root);
  dtb_cpu_setup(root);
  dtb_ioapic_setup(root);
}

/** nr_ioapics: IOAPICs registered. */
export function nr_ioapics(): number {
  return statics().mp_ioapics.length;
}

/** mpc_ioapic_addr(): the physical address of IOAPIC `ioapic_idx`. */
export function mpc_ioapic_addr(ioapic_idx: number): number {
  return statics().mp_ioapics[ioapic_idx]?.apicaddr ?? 0;
}

/** The IOAPICs the tree described (for reports). */
export function mp_ioapics(): readonly mpc_ioapic[] {
  return statics().mp_ioapics;
}

/** mp_lapic_addr: the local APIC address registered (0 before x86_dtb_parse_smp_config). */
export function mp_lapic_addr(): number {
  return statics().mp_lapic_addr;
}

/** The local APIC ids dtb_cpu_setup registered, in tree order. */
export function dtb_apic_ids(): readonly number[] {
  return statics().apic_ids;
}
