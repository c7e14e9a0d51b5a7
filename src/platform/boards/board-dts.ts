/**
 * The built-in boards' device trees, the text of boards/*.dts (the library reads no files, so
 * it runs in browsers). Written by scripts/embed-dts.mjs: edit the .dts files, then run it;
 * test/platform/board-dts.test.ts fails while this module and boards/ differ.
 */
export const BOARD_DTS: Readonly<Record<string, string>> = Object.freeze({
  "mt8173.dts": `// SPDX-License-Identifier: (GPL-2.0-only OR MIT)
/*
 * vplat's mt8173 board: the GCE (CMDQ) with its display clients, one CPU, the GPT timer and
 * DRAM for command buffers. \`vplat run --dts\` boots any tree like it; the library extends it
 * with overlays (\`&mmsys { mboxes = <&gce 0 1 0>; };\`), so every node a test or scenario may
 * touch has a label.
 *
 * Sources:
 * - the GCE binding of the seed's era, ../shared/spec/dts/mt8173-gce-seed-era.dtsi (inferred from
 *   the 2016-2017 driver): \`gce@10212000\`, \`#mbox-cells = <2>\` (<thread atomic_exec>, read as
 *   <thread priority> by 5.7+ kernels), mmsys's \`mboxes\`, display blocks that carry only \`reg\`
 *   (seed 000's cmdq_register_device derives their subsys from it), and imgsys at 0x15000000,
 *   outside the subsys table;
 * - addresses and interrupts of mainline arch/arm64/boot/dts/mediatek/mt8173.dtsi
 *   (../shared/spec/dts/mt8173-gce-mainline.resolved.dts for the display blocks; the GPT
 *   timer@10008000 on SPI 144, the GIC-400 at 0x10221000, the 13 MHz oscillator);
 * - dt-bindings macros written as numbers: GIC_SPI = 0, IRQ_TYPE_LEVEL_LOW = 8
 *   (arm-gic.h, irq.h), CLK_INFRA_GCE = 4 (mt8173-clk.h, as in the resolved spec file).
 *
 * Board choices: one CPU (vplat has no ARM generic timer, so the kernel ticks on the GPT, whose
 * clock is the 13 MHz oscillator here rather than mainline's infracfg/topckgen clocks); 16 MiB
 * of DRAM at 0x40000000 for the kernel's allocations and the command buffers.
 */
/dts-v1/;

/ {
	model = "vplat mt8173 (seed-era CMDQ binding)";
	compatible = "mediatek,mt8173-evb", "mediatek,mt8173";
	#address-cells = <2>;
	#size-cells = <2>;
	interrupt-parent = <&gic>;

	cpus {
		#address-cells = <1>;
		#size-cells = <0>;

		cpu0: cpu@0 {
			device_type = "cpu";
			compatible = "arm,cortex-a53";
			reg = <0x000>;
		};
	};

	memory: memory@40000000 {
		device_type = "memory";
		reg = <0 0x40000000 0 0x1000000>;
	};

	clk13m: oscillator-13m {
		compatible = "fixed-clock";
		#clock-cells = <0>;
		clock-frequency = <13000000>;
		clock-output-names = "clk13m";
	};

	soc {
		#address-cells = <2>;
		#size-cells = <2>;
		compatible = "simple-bus";
		ranges;

		infracfg: power-controller@10001000 {
			compatible = "mediatek,mt8173-infracfg", "syscon";
			reg = <0 0x10001000 0 0x1000>;
			#clock-cells = <1>;
			#reset-cells = <1>;
		};

		timer: timer@10008000 {
			compatible = "mediatek,mt8173-timer", "mediatek,mt6577-timer";
			reg = <0 0x10008000 0 0x1000>;
			interrupts = <0 144 8>;
			clocks = <&clk13m>;
		};

		gce: gce@10212000 {
			compatible = "mediatek,mt8173-gce";
			reg = <0 0x10212000 0 0x1000>;
			interrupts = <0 135 8>;
			clocks = <&infracfg 4>;
			clock-names = "gce";
			#mbox-cells = <2>;
		};

		gic: interrupt-controller@10221000 {
			compatible = "arm,gic-400";
			#interrupt-cells = <3>;
			interrupt-parent = <&gic>;
			interrupt-controller;
			reg = <0 0x10221000 0 0x1000>,
			      <0 0x10222000 0 0x2000>,
			      <0 0x10224000 0 0x2000>,
			      <0 0x10226000 0 0x2000>;
		};

		/* display client: DRM crtc i uses mboxes[i], <&gce thread atomic_exec> */
		mmsys: clock-controller@14000000 {
			compatible = "mediatek,mt8173-mmsys", "syscon";
			reg = <0 0x14000000 0 0x1000>;
			#clock-cells = <1>;
			mboxes = <&gce 0 1>,
				 <&gce 1 1>;
		};

		/* subsys 1 (0x1400xxxx) */
		ovl0: ovl@1400c000 {
			compatible = "mediatek,mt8173-disp-ovl";
			reg = <0 0x1400c000 0 0x1000>;
			interrupts = <0 180 8>;
		};

		ovl1: ovl@1400d000 {
			compatible = "mediatek,mt8173-disp-ovl";
			reg = <0 0x1400d000 0 0x1000>;
			interrupts = <0 181 8>;
		};

		rdma0: rdma@1400e000 {
			compatible = "mediatek,mt8173-disp-rdma";
			reg = <0 0x1400e000 0 0x1000>;
			interrupts = <0 182 8>;
		};

		rdma1: rdma@1400f000 {
			compatible = "mediatek,mt8173-disp-rdma";
			reg = <0 0x1400f000 0 0x1000>;
			interrupts = <0 183 8>;
		};

		/* subsys 2 (0x1401xxxx) */
		rdma2: rdma@14010000 {
			compatible = "mediatek,mt8173-disp-rdma";
			reg = <0 0x14010000 0 0x1000>;
			interrupts = <0 184 8>;
		};

		wdma0: wdma@14011000 {
			compatible = "mediatek,mt8173-disp-wdma";
			reg = <0 0x14011000 0 0x1000>;
			interrupts = <0 185 8>;
		};

		wdma1: wdma@14012000 {
			compatible = "mediatek,mt8173-disp-wdma";
			reg = <0 0x14012000 0 0x1000>;
			interrupts = <0 186 8>;
		};

		/* subsys 3 (0x1402xxxx) */
		mutex: mutex@14020000 {
			compatible = "mediatek,mt8173-disp-mutex";
			reg = <0 0x14020000 0 0x1000>;
			interrupts = <0 169 8>;
		};

		/* 0x1500xxxx has no subsys in the seed's table: cmdq_register_device gives NULL */
		imgsys: clock-controller@15000000 {
			compatible = "mediatek,mt8173-imgsys", "syscon";
			reg = <0 0x15000000 0 0x1000>;
			#clock-cells = <1>;
		};
	};
};
`,
  "x86-pc.dts": `// SPDX-License-Identifier: (GPL-2.0-only OR MIT)
/*
 * vplat's x86-pc board: CPUs with local APICs, an IOAPIC and the HPET, described in the binding
 * of Linux's one x86 device tree, the Intel CE4100 "Falcon Falls" board
 * (arch/x86/platform/ce4100/falconfalls.dts, later arch/x86/boot/dts/ce4100.dts), which is what
 * arch/x86/kernel/devicetree.c reads:
 * - every /cpus node with device_type = "cpu": its \`reg\` is the CPU's local APIC id
 *   (dtb_cpu_setup); the board runs one CPU per node;
 * - \`intel,ce4100-lapic\`: the local APIC registers (dtb_lapic_setup);
 * - \`intel,ce4100-ioapic\` with #interrupt-cells = <2> (<pin type>): the IOAPIC (dtb_ioapic_setup);
 * - \`intel,ce4100-hpet\` at 0xfed00000: hpet_address (dtb_setup_hpet).
 * The CE4100's PCI and ISA subtrees are left out: no device of this board sits behind them.
 *
 * Board choices: two CPUs (the library's \`cpus\` option rewrites /cpus); 1 MiB of RAM at 1 MiB for
 * the kernel's allocations; the HPET node spans the 1 KiB register block of IA-PC HPET 1.0a
 * §2.3 (the CE4100's node says 0x200). Its comparators raise the IOAPIC input they are routed to
 * (Tn_INT_ROUTE_CNF), so the tree gives it no \`interrupts\`.
 */
/dts-v1/;

/ {
	model = "vplat x86-pc";
	compatible = "vplat,x86-pc";
	#address-cells = <1>;
	#size-cells = <1>;

	cpus {
		#address-cells = <1>;
		#size-cells = <0>;

		cpu0: cpu@0 {
			device_type = "cpu";
			compatible = "intel,ce4100";
			reg = <0>;
			lapic = <&lapic0>;
		};

		cpu1: cpu@1 {
			device_type = "cpu";
			compatible = "intel,ce4100";
			reg = <1>;
			lapic = <&lapic0>;
		};
	};

	memory: memory@100000 {
		device_type = "memory";
		reg = <0x100000 0x100000>;
	};

	soc: soc@0 {
		#address-cells = <1>;
		#size-cells = <1>;
		compatible = "simple-bus";
		ranges;

		ioapic1: interrupt-controller@fec00000 {
			#interrupt-cells = <2>;
			compatible = "intel,ce4100-ioapic";
			interrupt-controller;
			reg = <0xfec00000 0x1000>;
		};

		hpet: timer@fed00000 {
			compatible = "intel,ce4100-hpet";
			reg = <0xfed00000 0x400>;
		};

		lapic0: interrupt-controller@fee00000 {
			compatible = "intel,ce4100-lapic";
			reg = <0xfee00000 0x1000>;
		};
	};
};
`,
});
