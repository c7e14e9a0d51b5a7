/**
 * A parsed tree as the kernel's unflattened device tree (src/linux/include/linux/of.ts): what
 * drivers/of/fdt.c unflatten_device_tree() builds from a DTB. Each node keeps its full name
 * (`mailbox@10212000`) and gets its base name (`mailbox`), its phandle from the `phandle` or
 * `linux,phandle` property (of_node_alloc reads it), and its properties as name + raw bytes.
 * The root's full name is "" as for the boards built in code. Reservations and boot_cpuid_phys
 * are not part of a device_node.
 */
import { of_node_alloc, of_node_attach, type device_node } from "../../linux/include/linux/of.js";
import type { DtNode, DtTree } from "./types.js";

function convert(node: DtNode): device_node {
  const np = of_node_alloc(
    node.name,
    node.properties.map((p) => ({ name: p.name, value: p.value.slice() })),
  );
  for (const c of node.children) of_node_attach(np, convert(c));
  return np;
}

/** The tree's root as a struct device_node, with parent and child links. */
export function toDeviceNode(tree: DtTree): device_node {
  return convert(tree.root);
}
