/**
 * The device-tree accessors on nodes built like a DTB's: raw big-endian properties, phandles,
 * cell counts inherited from the parent bus.
 */
import { describe, expect, it } from "vitest";
import { EINVAL, ENOENT } from "../../../src/linux/include/linux/errno.js";
import {
  of_address_to_resource,
  of_count_phandle_with_args,
  of_device_is_compatible,
  of_find_node_by_path,
  of_get_property,
  of_node_alloc,
  of_node_attach,
  of_parse_phandle_with_args,
  of_phandle_args_init,
  of_prop_string,
  of_prop_u32,
  of_property_read_u32_index,
  of_property_read_string,
  resource_init,
  resource_size,
} from "../../../src/linux/include/linux/of.js";
import { builtinBoardTree } from "../../../src/platform/boards/board-tree.js";

describe("device tree", () => {
  it("stores properties as the DTB's big-endian bytes and reads cells and strings back", () => {
    const np = of_node_alloc("n@0", [of_prop_u32("cells", 0x1021_2000, 7), of_prop_string("compatible", "a,b", "c,d")]);
    expect(Array.from(of_get_property(np, "cells")!)).toEqual([0x10, 0x21, 0x20, 0x00, 0, 0, 0, 7]);
    const v = { value: 0 };
    expect(of_property_read_u32_index(np, "cells", 1, v)).toBe(0);
    expect(v.value).toBe(7);
    expect(of_property_read_u32_index(np, "cells", 2, v)).toBe(-75); // -EOVERFLOW
    expect(of_property_read_u32_index(np, "missing", 0, v)).toBe(-EINVAL);
    const s = { value: "" };
    expect(of_property_read_string(np, "compatible", s)).toBe(0);
    expect(s.value).toBe("a,b");
    expect(of_device_is_compatible(np, "a,b")).toBeGreaterThan(of_device_is_compatible(np, "c,d"));
    expect(of_device_is_compatible(np, "x")).toBe(0);
  });

  it("decodes reg with the parent's #address-cells/#size-cells (2/2 on mt8173)", () => {
    const root = builtinBoardTree("mt8173.dts").root;
    const r = resource_init();
    expect(of_address_to_resource(of_find_node_by_path(root, "/soc/gce@10212000"), 0, r)).toBe(0);
    expect([r.start, resource_size(r)]).toEqual([0x1021_2000, 0x1000]);
    expect(of_address_to_resource(of_find_node_by_path(root, "/soc/gce@10212000"), 1, r)).toBe(-EINVAL);
    const bus = of_node_alloc("bus", [of_prop_u32("#address-cells", 1), of_prop_u32("#size-cells", 1)]);
    const child = of_node_attach(bus, of_node_alloc("x@100", [of_prop_u32("reg", 0x100, 0x10, 0x200, 0x20)]));
    expect(of_address_to_resource(child, 1, r)).toBe(0);
    expect([r.start, r.end]).toEqual([0x200, 0x21f]);
  });

  it("parses `mboxes` by the target's #mbox-cells and reports the errors of a malformed list", () => {
    const root = builtinBoardTree("mt8173.dts", "&mmsys { mboxes = <&gce 0 1>, <&gce 5 0>; };").root;
    const mmsys = of_find_node_by_path(root, "/soc/clock-controller@14000000");
    const args = of_phandle_args_init();
    expect(of_parse_phandle_with_args(mmsys, "mboxes", "#mbox-cells", 1, args)).toBe(0);
    expect(args.np).toBe(of_find_node_by_path(root, "/soc/gce@10212000"));
    expect(args.args).toEqual([5, 0]);
    expect(of_parse_phandle_with_args(mmsys, "mboxes", "#mbox-cells", 2, args)).toBe(-ENOENT);
    expect(of_count_phandle_with_args(mmsys, "mboxes", "#mbox-cells")).toBe(2);
    const bad = of_node_attach(root, of_node_alloc("bad", [of_prop_u32("mboxes", 99, 0, 0)]));
    expect(of_parse_phandle_with_args(bad, "mboxes", "#mbox-cells", 0, args)).toBe(-EINVAL);
    const short = of_node_attach(root, of_node_alloc("short", [of_prop_u32("mboxes", args.np!.phandle, 0)]));
    expect(of_parse_phandle_with_args(short, "mboxes", "#mbox-cells", 0, args)).toBe(-EINVAL);
  });
});
