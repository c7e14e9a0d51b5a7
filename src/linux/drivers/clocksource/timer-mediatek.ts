/**
 * MediaTek GPT clocksource and clock event device (drivers/clocksource/timer-mediatek.c, the
 * 2015–2017 mtk_timer.c form with the `set_mode` API this kernel core implements): GPT timer 2
 * runs free as the clocksource, GPT timer 1 is the clock event device (repeat mode for a
 * periodic tick, one-shot for set_next_event), both at the 13 MHz system clock.
 *
 * Why this timer: mt8173 Linux ticks on the ARM generic timer (arch timer, per-CPU PPIs and
 * CNTVCT), which vplat does not model: its CPUs have no system registers. The GPT is on the bus,
 * programmed with readl/writel, and is registered by mt8173 kernels too (rating 300), so the
 * board's jiffies, timer_list and completions with timeouts (the CMDQ controller's 1000 ms
 * thread timer, msleep) run on it.
 *
 * MODEL: the 13 MHz rate comes from the DT clock the node's `clocks` names, which must be a
 * `fixed-clock` with `clock-frequency` (no common clock framework in the port).
 */
import { io_add, ioremap, readl, writel, type IoMem } from "../../include/asm/io.js";
import { IRQF_TIMER, IRQ_HANDLED, type irqreturn_t } from "../../include/linux/interrupt.js";
import { EINVAL, ENXIO } from "../../include/linux/errno.js";
import {
  of_address_to_resource,
  of_parse_phandle_with_args,
  of_phandle_args_init,
  of_property_read_u32,
  resource_init,
  resource_size,
  type device_node,
  type of_device_id,
} from "../../include/linux/of.js";
import { of_irq_get } from "../../include/linux/platform_device.js";
import { kernel, perKernel } from "../../kernel/instance.js";
import { request_irq } from "../../kernel/irq/manage.js";
import { pr_err } from "../../kernel/printk/printk.js";
import {
  CLOCK_EVT_FEAT_ONESHOT,
  CLOCK_EVT_FEAT_PERIODIC,
  CLOCK_EVT_MODE_ONESHOT,
  CLOCK_EVT_MODE_PERIODIC,
  clock_event_device_init,
  clockevents_config_and_register,
  type clock_event_device,
  type clock_event_mode,
} from "../../kernel/time/clockevents.js";
import { CLOCK_SOURCE_IS_CONTINUOUS, clocksource_register_hz } from "../../kernel/time/clocksource.js";

const GPT_IRQ_EN_REG = 0x00;
const GPT_IRQ_ENABLE = (val: number) => 1 << (val - 1);
const GPT_IRQ_ACK_REG = 0x08;
const GPT_IRQ_ACK = (val: number) => 1 << (val - 1);

const TIMER_CTRL_REG = (val: number) => 0x10 * val;
const TIMER_CTRL_OP = (val: number) => (val & 0x3) << 4;
const TIMER_CTRL_OP_ONESHOT = 0;
const TIMER_CTRL_OP_REPEAT = 1;
const TIMER_CTRL_OP_FREERUN = 3;
const TIMER_CTRL_CLEAR = 2;
const TIMER_CTRL_ENABLE = 1;
const TIMER_CTRL_DISABLE = 0;

const TIMER_CLK_REG = (val: number) => 0x04 + 0x10 * val;
const TIMER_CLK_SRC = (val: number) => (val & 0x1) << 4;
const TIMER_CLK_SRC_SYS13M = 0;
const TIMER_CLK_DIV1 = 0x0;

const TIMER_CNT_REG = (val: number) => 0x08 + 0x10 * val;
const TIMER_CMP_REG = (val: number) => 0x0c + 0x10 * val;

const GPT_CLK_EVT = 1;
const GPT_CLK_SRC = 2;

/** struct mtk_clock_event_device. */
export interface mtk_clock_event_device {
  readonly gpt_base: IoMem;
  ticks_per_jiffy: number;
  readonly dev: clock_event_device;
}

function reg(evt: mtk_clock_event_device, off: number): IoMem {
  return io_add(evt.gpt_base, off);
}

function mtk_clkevt_time_stop(evt: mtk_clock_event_device, timer: number): void {
  const val = readl(reg(evt, TIMER_CTRL_REG(timer)));
  writel(val & ~TIMER_CTRL_ENABLE, reg(evt, TIMER_CTRL_REG(timer)));
}

function mtk_clkevt_time_setup(evt: mtk_clock_event_device, delay: number, timer: number): void {
  writel(delay, reg(evt, TIMER_CMP_REG(timer)));
}

function mtk_clkevt_time_start(evt: mtk_clock_event_device, periodic: boolean, timer: number): void {
  // Acknowledge interrupt
  writel(GPT_IRQ_ACK(timer), reg(evt, GPT_IRQ_ACK_REG));
  let val = readl(reg(evt, TIMER_CTRL_REG(timer)));
  // Clear 2 bit timer operation mode field
  val &= ~TIMER_CTRL_OP(0x3);
  val |= TIMER_CTRL_OP(periodic ? TIMER_CTRL_OP_REPEAT : TIMER_CTRL_OP_ONESHOT);
  writel(val | TIMER_CTRL_ENABLE | TIMER_CTRL_CLEAR, reg(evt, TIMER_CTRL_REG(timer)));
}

function mtk_clkevt_mode(evt: mtk_clock_event_device, mode: clock_event_mode): void {
  mtk_clkevt_time_stop(evt, GPT_CLK_EVT);
  switch (mode) {
    case CLOCK_EVT_MODE_PERIODIC:
      mtk_clkevt_time_setup(evt, evt.ticks_per_jiffy, GPT_CLK_EVT);
      mtk_clkevt_time_start(evt, true, GPT_CLK_EVT);
      break;
    case CLOCK_EVT_MODE_ONESHOT:
      // Timer is enabled in set_next_event
      break;
    default:
      // No more interrupts will occur as source is disabled
      break;
  }
}

function mtk_clkevt_next_event(evt: mtk_clock_event_device, event: number): number {
  mtk_clkevt_time_stop(evt, GPT_CLK_EVT);
  mtk_clkevt_time_setup(evt, event, GPT_CLK_EVT);
  mtk_clkevt_time_start(evt, false, GPT_CLK_EVT);
  return 0;
}

function mtk_timer_interrupt(_irq: number, evt: mtk_clock_event_device): irqreturn_t {
  // Acknowledge timer0 irq
  writel(GPT_IRQ_ACK(GPT_CLK_EVT), reg(evt, GPT_IRQ_ACK_REG));
  evt.dev.event_handler?.(evt.dev);
  return IRQ_HANDLED;
}

function mtk_timer_global_reset(evt: mtk_clock_event_device): void {
  // Disable all interrupts
  writel(0x0, reg(evt, GPT_IRQ_EN_REG));
  // Acknowledge all interrupts
  writel(0x3f, reg(evt, GPT_IRQ_ACK_REG));
}

function mtk_timer_setup(evt: mtk_clock_event_device, timer: number, option: number): void {
  writel(TIMER_CTRL_CLEAR | TIMER_CTRL_DISABLE, reg(evt, TIMER_CTRL_REG(timer)));
  writel(TIMER_CLK_SRC(TIMER_CLK_SRC_SYS13M) | TIMER_CLK_DIV1, reg(evt, TIMER_CLK_REG(timer)));
  writel(0x0, reg(evt, TIMER_CMP_REG(timer)));
  writel(TIMER_CTRL_OP(option) | TIMER_CTRL_ENABLE, reg(evt, TIMER_CTRL_REG(timer)));
}

function mtk_timer_enable_irq(evt: mtk_clock_event_device, timer: number): void {
  const val = readl(reg(evt, GPT_IRQ_EN_REG));
  writel(val | GPT_IRQ_ENABLE(timer), reg(evt, GPT_IRQ_EN_REG));
}

/** of_clk_get(node, 0) + clk_get_rate() for a fixed-clock parent; 0 when unknown. */
function fixed_clock_rate(node: device_node): number {
  const spec = of_phandle_args_init();
  if (of_parse_phandle_with_args(node, "clocks", "#clock-cells", 0, spec) !== 0 || spec.np === null) return 0;
  const rate = { value: 0 };
  return of_property_read_u32(spec.np, "clock-frequency", rate) === 0 ? rate.value : 0;
}

/** The devices mtk_timer_init() registered, for reports and tests (one per GPT node). */
const statics = perKernel(() => ({ devices: [] as mtk_clock_event_device[] }));

export function mtk_timer_devices(): readonly mtk_clock_event_device[] {
  return statics().devices;
}

/**
 * mtk_timer_init() (CLOCKSOURCE_OF_DECLARE(mtk_mt6577, "mediatek,mt6577-timer", …)): sets the
 * GPT up as clocksource and clock event device. Returns 0 or -errno.
 */
export function mtk_timer_init(node: device_node): number {
  const res = resource_init();
  const base = of_address_to_resource(node, 0, res) === 0 ? ioremap(res.start, resource_size(res)) : null;
  if (base === null) {
    pr_err(`${node.full_name}: Can't get resource`);
    return -ENXIO;
  }
  const irq = of_irq_get(node, 0);
  if (irq <= 0) {
    pr_err(`${node.full_name}: Can't parse IRQ`);
    return -EINVAL;
  }
  const rate = fixed_clock_rate(node);
  if (rate <= 0) {
    pr_err(`${node.full_name}: Can't get timer clock`);
    return -EINVAL;
  }
  const evt: mtk_clock_event_device = {
    gpt_base: base,
    ticks_per_jiffy: 0,
    dev: clock_event_device_init({
      name: "mtk_tick",
      rating: 300,
      features: CLOCK_EVT_FEAT_PERIODIC | CLOCK_EVT_FEAT_ONESHOT,
      set_mode: (mode) => mtk_clkevt_mode(evt, mode),
      set_next_event: (ticks) => mtk_clkevt_next_event(evt, ticks),
      // cpu_possible_mask
      cpumask: (1 << kernel().host.nr_cpu_ids) - 1,
    }),
  };
  evt.dev.irq = irq;

  mtk_timer_global_reset(evt);
  const err = request_irq(irq, mtk_timer_interrupt, IRQF_TIMER, "mtk_timer", evt);
  if (err !== 0) {
    pr_err(`${node.full_name}: failed to setup irq ${irq}`);
    return err;
  }
  evt.ticks_per_jiffy = Math.ceil(rate / kernel().config.HZ);

  // Configure clock source
  mtk_timer_setup(evt, GPT_CLK_SRC, TIMER_CTRL_OP_FREERUN);
  const cnt = reg(evt, TIMER_CNT_REG(GPT_CLK_SRC));
  // clocksource_mmio_init(…, node->name, rate, 300, 32, clocksource_mmio_readl_up)
  clocksource_register_hz({ name: node.name, rating: 300, read: () => readl(cnt), mask: 0xffff_ffff, mult: 0, shift: 0, flags: CLOCK_SOURCE_IS_CONTINUOUS }, rate);

  // Configure clock event
  mtk_timer_setup(evt, GPT_CLK_EVT, TIMER_CTRL_OP_REPEAT);
  clockevents_config_and_register(evt.dev, rate, 0x3, 0xffff_ffff);

  mtk_timer_enable_irq(evt, GPT_CLK_EVT);
  statics().devices.push(evt);
  return 0;
}

/** The TIMER_OF_DECLARE table entry: the board calls `init` for every node `compatible` matches. */
export const mtk_timer_of_match: of_device_id<(node: device_node) => number> = Object.freeze({
  compatible: "mediatek,mt6577-timer",
  data: mtk_timer_init,
});
