/*
 * Baseline for the CMDQ packet-building benchmark: the seed helper's append loop
 * (drivers/soc/mediatek/mtk-cmdq-helper.c, seed 000) in plain C compiled with -O2. Each packet
 * starts with a zeroed PAGE_SIZE buffer; every append checks whether the packet is finalized
 * (second-to-last word == the IRQ-raising EOC), doubles the buffer with realloc + zeroing when
 * full, and stores ((op << 24 | arg_a) << 32) | arg_b. A packet is: clear_event, wfe, WRITES
 * register writes (cmdq_pkt_write: ((base + offset) & 0xffff) | subsys << 16), finalize (EOC,
 * JUMP), then it is freed. The packet struct is allocated too (the seed's kzalloc(sizeof(*pkt))).
 * This is the work bench/cmdq.ts times in TypeScript.
 *
 * usage: cmdq_append PACKETS WRITES   -> prints "instructions seconds"
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE_SIZE 4096
#define CMDQ_INST_SIZE 8
#define CMDQ_OP_CODE_SHIFT 24
#define CMDQ_SUBSYS_SHIFT 16
#define CMDQ_CODE_WRITE 0x04
#define CMDQ_CODE_JUMP 0x10
#define CMDQ_CODE_WFE 0x20
#define CMDQ_CODE_EOC 0x40
#define CMDQ_EOC_IRQ_EN 1
#define CMDQ_JUMP_PASS 8
#define CMDQ_WFE_UPDATE (1u << 31)
#define CMDQ_WFE_WAIT (1u << 15)
#define CMDQ_WFE_WAIT_VALUE 1
#define CMDQ_EOC_CMD (((uint64_t)(CMDQ_CODE_EOC << CMDQ_OP_CODE_SHIFT)) << 32 | CMDQ_EOC_IRQ_EN)

struct cmdq_pkt {
  void *va_base;
  size_t cmd_buf_size;
  size_t buf_size;
};

struct cmdq_base {
  int subsys;
  uint32_t base;
};

static int realloc_cmd_buffer(struct cmdq_pkt *pkt, size_t size) {
  void *n = realloc(pkt->va_base, size);
  if (!n) return -12;
  if (size > pkt->buf_size) memset((char *)n + pkt->buf_size, 0, size - pkt->buf_size);
  pkt->va_base = n;
  pkt->buf_size = size;
  return 0;
}

static int is_finalized(struct cmdq_pkt *pkt) {
  if (pkt->cmd_buf_size < CMDQ_INST_SIZE << 1) return 0;
  uint64_t *expect_eoc = (uint64_t *)((char *)pkt->va_base + pkt->cmd_buf_size - (CMDQ_INST_SIZE << 1));
  return *expect_eoc == CMDQ_EOC_CMD;
}

static int append(struct cmdq_pkt *pkt, uint32_t code, uint32_t arg_a, uint32_t arg_b) {
  if (is_finalized(pkt)) return -16;
  if (pkt->cmd_buf_size + CMDQ_INST_SIZE > pkt->buf_size) {
    int err = realloc_cmd_buffer(pkt, pkt->buf_size << 1);
    if (err < 0) return err;
  }
  uint64_t *cmd_ptr = (uint64_t *)((char *)pkt->va_base + pkt->cmd_buf_size);
  *cmd_ptr = (uint64_t)((code << CMDQ_OP_CODE_SHIFT) | arg_a) << 32 | arg_b;
  pkt->cmd_buf_size += CMDQ_INST_SIZE;
  return 0;
}

static int pkt_write(struct cmdq_pkt *pkt, uint32_t value, const struct cmdq_base *base, uint32_t offset) {
  uint32_t arg_a = ((base->base + offset) & 0xffff) | (base->subsys << CMDQ_SUBSYS_SHIFT);
  return append(pkt, CMDQ_CODE_WRITE, arg_a, value);
}

int main(int argc, char **argv) {
  long packets = argc > 1 ? atol(argv[1]) : 20000;
  long writes = argc > 2 ? atol(argv[2]) : 1000;
  struct cmdq_base base = {2, 0x14010000};
  uint64_t sink = 0, count = 0;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long p = 0; p < packets; p++) {
    struct cmdq_pkt *pkt = calloc(1, sizeof(*pkt));
    if (!pkt || realloc_cmd_buffer(pkt, PAGE_SIZE) < 0) return 1;
    memset(pkt->va_base, 0, PAGE_SIZE);
    append(pkt, CMDQ_CODE_WFE, 53, CMDQ_WFE_UPDATE);
    append(pkt, CMDQ_CODE_WFE, 53, CMDQ_WFE_UPDATE | CMDQ_WFE_WAIT | CMDQ_WFE_WAIT_VALUE);
    for (long i = 0; i < writes; i++) pkt_write(pkt, (uint32_t)(p + i), &base, (uint32_t)((i & 0x3ff) << 2));
    if (!is_finalized(pkt)) {
      append(pkt, CMDQ_CODE_EOC, 0, CMDQ_EOC_IRQ_EN);
      append(pkt, CMDQ_CODE_JUMP, 0, CMDQ_JUMP_PASS);
    }
    count += pkt->cmd_buf_size / CMDQ_INST_SIZE;
    sink += ((uint64_t *)pkt->va_base)[(p * 7) % (pkt->cmd_buf_size / CMDQ_INST_SIZE)];
    free(pkt->va_base);
    free(pkt);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double secs = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  if (sink == 42) fprintf(stderr, "!");
  printf("%llu %.9f\n", (unsigned long long)count, secs);
  return 0;
}
