/**
 * struct device and the dev_printk family (include/linux/device.h, drivers/base/core.c), reduced
 * to what the ports use: a name, the device-tree node, the bound driver and its private data.
 *
 * dev_err(dev, "…") prints `<driver> <device>: …` exactly as dev_printk does
 * ("mtk_cmdq 10212000.gce: timeout").
 */
import { printk, KERN_DEBUG, KERN_ERR, KERN_INFO, KERN_WARNING } from "../../kernel/printk/printk.js";
import type { device_node, of_device_id } from "./of.js";

/** dev_pm_ops: system sleep callbacks (0 or -errno). */
export interface dev_pm_ops {
  readonly suspend?: (dev: device) => number;
  readonly resume?: (dev: device) => number;
}

/** struct device_driver. */
export interface device_driver {
  readonly name: string;
  readonly of_match_table?: readonly of_device_id[];
  readonly pm?: dev_pm_ops;
}

/** struct device. */
export interface device {
  /** dev_name(): "10212000.gce" for a device created from the tree. */
  readonly init_name: string;
  readonly of_node: device_node | null;
  /** The bus the device sits on ("platform"), printed when no driver is bound. */
  readonly bus_name: string;
  parent: device | null;
  driver: device_driver | null;
  driver_data: unknown;
}

/** A device not created from the tree (a test's client, a virtual device). */
export function device_create(init_name: string, of_node: device_node | null = null, bus_name = ""): device {
  return { init_name, of_node, bus_name, parent: null, driver: null, driver_data: null };
}

export function dev_name(dev: device): string {
  return dev.init_name;
}

/** dev_driver_string(): the bound driver's name, else the bus name. */
export function dev_driver_string(dev: device): string {
  return dev.driver?.name ?? dev.bus_name;
}

export function dev_get_drvdata(dev: device): unknown {
  return dev.driver_data;
}

export function dev_set_drvdata(dev: device, data: unknown): void {
  dev.driver_data = data;
}

function dev_printk(level: string, dev: device | null, message: string): void {
  if (dev === null) {
    printk(`${level}(NULL device *): ${message}`);
    return;
  }
  const drv = dev_driver_string(dev);
  printk(`${level}${drv === "" ? "" : `${drv} `}${dev_name(dev)}: ${message}`);
}

export function dev_err(dev: device | null, message: string): void {
  dev_printk(KERN_ERR, dev, message);
}

export function dev_warn(dev: device | null, message: string): void {
  dev_printk(KERN_WARNING, dev, message);
}

export function dev_info(dev: device | null, message: string): void {
  dev_printk(KERN_INFO, dev, message);
}

export function dev_dbg(dev: device | null, message: string): void {
  dev_printk(KERN_DEBUG, dev, message);
}
