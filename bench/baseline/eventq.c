/*
 * Baseline for the event-queue benchmark: N periodic timers re-arming themselves from their
 * callbacks, on a binary min-heap ordered by (deadline, sequence), in plain C compiled with -O2.
 * It uses the same algorithm as src/sim/clock.ts (the firing timer stays at the root and sinks
 * once after its callback re-arms it), so the ratio compares implementations, not algorithms.
 *
 * usage: eventq TIMERS EVENTS   -> prints "events seconds"
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct timer {
  uint64_t deadline, seq, period;
  void (*cb)(struct timer *);
} timer;

static timer **heap;
static size_t n;
static uint64_t now, seq;

static int before(const timer *a, const timer *b) {
  return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void sift_down(size_t i) {
  timer *t = heap[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && before(heap[c + 1], heap[c])) c++;
    if (!before(heap[c], t)) break;
    heap[i] = heap[c];
    i = c;
  }
  heap[i] = t;
}

static void sift_up(size_t i) {
  timer *t = heap[i];
  while (i > 0 && before(t, heap[(i - 1) / 2])) {
    heap[i] = heap[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  heap[i] = t;
}

static void rearm(timer *t) {
  t->deadline = now + t->period;
  t->seq = seq++;
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  size_t timers = strtoul(argv[1], NULL, 10);
  uint64_t events = strtoull(argv[2], NULL, 10);
  heap = calloc(timers, sizeof *heap);
  for (size_t i = 0; i < timers; i++) {
    timer *t = calloc(1, sizeof *t);
    t->period = 1000 + 7 * i;
    t->cb = rearm;
    t->deadline = t->period;
    t->seq = seq++;
    heap[n++] = t;
    sift_up(n - 1);
  }
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (uint64_t e = 0; e < events; e++) {
    timer *t = heap[0];
    now = t->deadline;
    t->cb(t);
    sift_down(0);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  printf("%llu %.6f %llu\n", (unsigned long long)events, s, (unsigned long long)now);
  return 0;
}
