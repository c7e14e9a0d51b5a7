/**
 * toDeviceNode(): the parsed tree as the kernel's struct device_node (include/linux/of.h): base
 * name and full name, phandle from `phandle` or `linux,phandle`, parent links, raw values.
 */
import { describe, expect, it } from "vitest";
import { of_find_node_by_phandle, of_get_property } from "../../../src/linux/include/linux/of.js";
import { parseDts, toDeviceNode } from "../../../src/platform/dt/index.js";
import { cells } from "./helpers.js";

describe("toDeviceNode", () => {
  const t = parseDts(
    "/dts-v1/;\n/ { soc { gce: mailbox@10212000 { reg = <0 0x10212000 0 0x1000>; }; old@1 { linux,phandle = <7>; }; }; c { m = <&gce>; }; };",
  );
  const root = toDeviceNode(t);
  const soc = root.children[0]!;
  const [gce, old] = soc.children;

  it("keeps the unit address in full_name only, and the root's name empty", () => {
    expect([root.name, root.full_name]).toEqual(["", ""]);
    expect([gce!.name, gce!.full_name]).toEqual(["mailbox", "mailbox@10212000"]);
  });

  it("links parents and children in source order", () => {
    expect(root.children.map((c) => c.full_name)).toEqual(["soc", "c"]);
    expect(gce!.parent).toBe(soc);
    expect(soc.parent).toBe(root);
    expect(root.parent).toBeNull();
  });

  it("takes phandles from `phandle` (allocated by the reader) and from `linux,phandle`", () => {
    expect(gce!.phandle).toBe(1);
    expect(old!.phandle).toBe(7);
    expect(of_find_node_by_phandle(root, 1)).toBe(gce);
  });

  it("copies property values as big-endian bytes", () => {
    expect(of_get_property(gce!, "reg")).toEqual(cells(0, 0x1021_2000, 0, 0x1000));
    expect(of_get_property(gce!, "reg")).not.toBe(t.root.children[0]!.children[0]!.properties[0]!.value);
  });
});
