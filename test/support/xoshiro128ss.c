/* Reference xoshiro128** 1.1 (Blackman & Vigna, public domain, prng.di.unimi.it), seeded with
 * SplitMix64 as documented in src/sim/prng.ts. Prints the first N outputs for a seed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t s[4];
static uint64_t sm;

static uint64_t splitmix64(void) {
  uint64_t z = (sm += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline uint32_t rotl(const uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

static uint32_t next(void) {
  const uint32_t result = rotl(s[1] * 5, 7) * 9;
  const uint32_t t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  sm = strtoull(argv[1], NULL, 0);
  uint64_t x0 = splitmix64(), x1 = splitmix64();
  s[0] = (uint32_t)x0; s[1] = (uint32_t)(x0 >> 32); s[2] = (uint32_t)x1; s[3] = (uint32_t)(x1 >> 32);
  long n = strtol(argv[2], NULL, 0);
  for (long i = 0; i < n; i++) printf("%u\n", next());
  return 0;
}
