/**
 * Platform devices and drivers from the device tree (include/linux/platform_device.h,
 * drivers/base/platform.c, drivers/base/dd.c, drivers/of/platform.c, drivers/of/irq.c), reduced
 * to what the ports use.
 *
 * `of_platform_populate(root)` creates a platform device for every node with a `compatible`
 * under the root (descending into `simple-bus` nodes), named "<unit address>.<node name>" as
 * Linux names them; `platform_driver_register` binds a driver to every device its match table
 * accepts and calls `probe`. A probe returning -EPROBE_DEFER is retried after the next successful
 * probe (the deferred-probe list), so a client whose mailbox controller has not probed yet
 * binds once it has.
 *
 * MODEL: interrupt specifiers are decoded for an ARM GIC (`#interrupt-cells = <3>`: type,
 * number, flags) without irq domains: the Linux IRQ number is the GIC interrupt ID (SPI n =
 * 32 + n, PPI n = 16 + n), which the platform's interrupt controller delivers unchanged.
 */
import { EINVAL, ENXIO, EPROBE_DEFER } from "./errno.js";
import { perKernel } from "../../kernel/instance.js";
import { printk, KERN_WARNING } from "../../kernel/printk/printk.js";
import type { device, device_driver } from "./device.js";
import {
  IORESOURCE_IRQ,
  IORESOURCE_MEM,
  of_address_to_resource,
  of_device_is_available,
  of_device_is_compatible,
  of_find_node_by_phandle,
  of_find_property,
  of_match_node,
  of_property_read_u32,
  of_read_number,
  resource_init,
  type device_node,
  type of_device_id,
  type resource,
} from "./of.js";

/** struct platform_device. */
export interface platform_device {
  readonly name: string;
  readonly id: number;
  readonly dev: device;
  readonly resource: resource[];
  readonly num_resources: number;
}

/** struct platform_driver. */
export interface platform_driver {
  readonly probe: (pdev: platform_device) => number;
  readonly remove?: (pdev: platform_device) => number;
  readonly shutdown?: (pdev: platform_device) => void;
  readonly driver: device_driver;
}

const statics = perKernel(() => ({
  devices: [] as platform_device[],
  drivers: [] as platform_driver[],
  /** Devices whose probe returned -EPROBE_DEFER, with the driver that deferred. */
  deferred: [] as Array<{ pdev: platform_device; drv: platform_driver }>,
}));

/** GIC_SPI / GIC_PPI (include/dt-bindings/interrupt-controller/arm-gic.h). */
export const GIC_SPI = 0;
export const GIC_PPI = 1;

/** The interrupt parent of `np`: its `interrupt-parent` phandle, else the parent's, up the tree. */
function interrupt_parent(np: device_node): device_node | null {
  for (let p: device_node | null = np; p !== null; p = p.parent) {
    const ph = { value: 0 };
    if (of_property_read_u32(p, "interrupt-parent", ph) === 0) return of_find_node_by_phandle(np, ph.value);
  }
  return null;
}

/**
 * of_irq_get() / irq_of_parse_and_map(): the Linux IRQ number of interrupt `index` of `np`, or
 * a negative errno (-EINVAL when the node has no such interrupt).
 */
export function of_irq_get(np: device_node | null, index: number): number {
  if (np === null) return -EINVAL;
  const p = of_find_property(np, "interrupts");
  if (p === null) return -EINVAL;
  const ip = interrupt_parent(np);
  const cells = { value: 3 };
  if (ip !== null) of_property_read_u32(ip, "#interrupt-cells", cells);
  const n = cells.value;
  if (n < 2 || !Number.isInteger(index) || index < 0 || (index + 1) * n * 4 > p.value.length) return -EINVAL;
  if (n === 2) return of_read_number(p.value, index * n, 1); // a flat controller: <number flags>
  const type = of_read_number(p.value, index * n, 1);
  const hwirq = of_read_number(p.value, index * n + 1, 1);
  if (type === GIC_SPI) return 32 + hwirq;
  if (type === GIC_PPI) return 16 + hwirq;
  return -EINVAL;
}

/** The name Linux gives a device made from `np`: "10212000.gce" (of_device_make_bus_id). */
function bus_id(np: device_node, reg: resource | undefined): string {
  return reg === undefined ? np.name : `${reg.start.toString(16)}.${np.name}`;
}

/** of_platform_device_create(): a platform device for `np`, with its MEM and IRQ resources. */
export function of_platform_device_create(np: device_node, parent: device | null = null): platform_device {
  const resources: resource[] = [];
  for (let i = 0; ; i++) {
    const r = resource_init();
    if (of_address_to_resource(np, i, r) !== 0) break;
    resources.push(r);
  }
  for (let i = 0; ; i++) {
    const irq = of_irq_get(np, i);
    if (irq < 0) break;
    resources.push({ start: irq, end: irq, flags: IORESOURCE_IRQ, name: np.full_name });
  }
  const name = bus_id(np, resources.find((r) => r.flags === IORESOURCE_MEM));
  const pdev: platform_device = {
    name,
    id: -1,
    dev: { init_name: name, of_node: np, bus_name: "platform", parent, driver: null, driver_data: null },
    resource: resources,
    num_resources: resources.length,
  };
  const s = statics();
  s.devices.push(pdev);
  for (const drv of s.drivers) if (try_probe(pdev, drv)) break;
  return pdev;
}

/**
 * of_platform_populate(): devices for the compatible children of `root`, descending into
 * `simple-bus` nodes. Nodes already populated, and nodes whose `status` is not "okay"
 * (of_platform_bus_create skips them), get no device.
 */
export function of_platform_populate(root: device_node, parent: device | null = null): number {
  for (const child of root.children) {
    if (of_find_property(child, "compatible") === null || !of_device_is_available(child)) continue;
    if (of_find_device_by_node(child) === null) of_platform_device_create(child, parent);
    if (of_device_is_compatible(child, "simple-bus") > 0) of_platform_populate(child, parent);
  }
  return 0;
}

/** of_find_device_by_node(): the platform device made from `np`, or null. */
export function of_find_device_by_node(np: device_node | null): platform_device | null {
  if (np === null) return null;
  return statics().devices.find((d) => d.dev.of_node === np) ?? null;
}

/** Every platform device (for reports). */
export function platform_devices(): readonly platform_device[] {
  return statics().devices;
}

function matches(pdev: platform_device, drv: platform_driver): boolean {
  const table = drv.driver.of_match_table;
  if (table !== undefined && pdev.dev.of_node !== null) return of_match_node(table, pdev.dev.of_node) !== null;
  return pdev.name === drv.driver.name;
}

/** really_probe(): binds and probes; true when the device ended up bound (or deferred). */
function try_probe(pdev: platform_device, drv: platform_driver): boolean {
  if (pdev.dev.driver !== null || !matches(pdev, drv)) return false;
  pdev.dev.driver = drv.driver;
  const ret = drv.probe(pdev);
  if (ret === 0) {
    deferred_probe_trigger();
    return true;
  }
  pdev.dev.driver = null;
  pdev.dev.driver_data = null;
  if (ret === -EPROBE_DEFER) {
    statics().deferred.push({ pdev, drv });
    return true;
  }
  printk(`${KERN_WARNING}${drv.driver.name}: probe of ${pdev.name} failed with error ${ret}`);
  return false;
}

/** driver_deferred_probe_trigger(): retries every deferred probe (once per trigger). */
function deferred_probe_trigger(): void {
  const s = statics();
  const pending = s.deferred.splice(0);
  for (const { pdev, drv } of pending) try_probe(pdev, drv);
}

/** platform_driver_register(): binds `drv` to every matching device now and later. Returns 0. */
export function platform_driver_register(drv: platform_driver): number {
  const s = statics();
  if (!s.drivers.includes(drv)) s.drivers.push(drv);
  for (const pdev of s.devices) try_probe(pdev, drv);
  return 0;
}

/** Devices waiting for a dependency (deferred probes). */
export function platform_deferred_devices(): readonly platform_device[] {
  return statics().deferred.map((d) => d.pdev);
}

/** platform_get_resource(): resource `num` of `type`, or null. */
export function platform_get_resource(pdev: platform_device, type: number, num: number): resource | null {
  let n = 0;
  for (const r of pdev.resource) {
    if (r.flags !== type) continue;
    if (n++ === num) return r;
  }
  return null;
}

/** platform_get_irq(): the IRQ number of interrupt `num`, or -ENXIO. */
export function platform_get_irq(pdev: platform_device, num: number): number {
  const r = platform_get_resource(pdev, IORESOURCE_IRQ, num);
  return r === null ? -ENXIO : r.start;
}

export function platform_get_drvdata(pdev: platform_device): unknown {
  return pdev.dev.driver_data;
}

export function platform_set_drvdata(pdev: platform_device, data: unknown): void {
  pdev.dev.driver_data = data;
}

/** The driver's of_device_get_match_data(): `data` of the matching table entry, or undefined. */
export function of_device_get_match_data(dev: device): unknown {
  const table = dev.driver?.of_match_table;
  if (table === undefined) return undefined;
  return of_match_node(table, dev.of_node)?.data;
}

export type { of_device_id };
