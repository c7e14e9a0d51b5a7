import { defineConfig } from "vitest/config";

/** `npm run test:dtc`: the dtc cross-check suite (test/dtc/*.dtc.ts), kept out of `npm test`. */
export default defineConfig({
  test: {
    include: ["test/dtc/**/*.dtc.ts"],
    testTimeout: 300_000,
  },
});
