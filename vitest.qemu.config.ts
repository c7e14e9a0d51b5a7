import { defineConfig } from "vitest/config";

/** `npm run test:qemu`: the QEMU differential suite (test/qemu/*.qemu.ts), kept out of `npm test`. */
export default defineConfig({
  test: {
    include: ["test/qemu/**/*.qemu.ts"],
    testTimeout: 600_000,
    hookTimeout: 3_600_000,
  },
});
