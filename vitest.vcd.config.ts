import { defineConfig } from "vitest/config";

/**
 * `npm run test:vcd`: the VCD files read back by GTKWave's tools (test/vcd/*.vcd.ts), kept out
 * of `npm test` because it needs `vcd2fst` and `fst2vcd` (Debian package gtkwave).
 */
export default defineConfig({
  test: {
    include: ["test/vcd/**/*.vcd.ts"],
    testTimeout: 120_000,
  },
});
