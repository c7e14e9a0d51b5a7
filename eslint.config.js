// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Host time and host randomness would make runs irreproducible; the simulation has its own clock and PRNG. */
const hostTimeAndRandomness = {
  "no-restricted-globals": [
    "error",
    { name: "Date", message: "Use the virtual clock (sim/clock)." },
    { name: "performance", message: "Use the virtual clock (sim/clock)." },
    { name: "setTimeout", message: "Arm a sim/clock timer instead." },
    { name: "setInterval", message: "Arm a sim/clock timer instead." },
    { name: "setImmediate", message: "Arm a sim/clock timer instead." },
  ],
  "no-restricted-properties": [
    "error",
    { object: "Math", property: "random", message: "Use the seeded PRNG (sim/prng)." },
    { object: "process", property: "hrtime", message: "Use the virtual clock (sim/clock)." },
    { object: "Date", property: "now", message: "Use the virtual clock (sim/clock)." },
  ],
};

export default tseslint.config(
  { ignores: ["dist/**", "dist-bench/**", "node_modules/**", "bench/baseline/**"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { console: "readonly", process: "readonly" } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "error",
      // noUncheckedIndexedAccess makes every indexed read optional; `!` records where an index is known good.
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    files: ["src/sim/**", "src/hw/**", "src/linux/**", "src/platform/**"],
    rules: hostTimeAndRandomness,
  },
  {
    // Only the CLI prints; benchmarks and tests report through their own runners.
    files: ["src/cli/**", "bench/**", "test/**"],
    rules: { "no-console": "off" },
  },
);
