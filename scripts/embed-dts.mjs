#!/usr/bin/env node
// Writes src/platform/boards/board-dts.ts from boards/*.dts, so that the library carries the
// built-in boards' sources without a file system (it runs in browsers too).
//
//   node scripts/embed-dts.mjs           rewrite the module
//   node scripts/embed-dts.mjs --check   exit 1 (and say so) when the module is out of date
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const boardsDir = join(root, "boards");
const target = join(root, "src", "platform", "boards", "board-dts.ts");

/** The text as a template literal: backslashes, backticks and `${` escaped, newlines kept. */
function templateLiteral(text) {
  return "`" + text.replace(/\\/g, "\\\\").replace(/`/g, "\\`").replace(/\$\{/g, "\\${") + "`";
}

/** The module's text for the given { name, text } files (sorted by name). */
export function render(files) {
  const entries = files.map((f) => `  ${JSON.stringify(f.name)}: ${templateLiteral(f.text)},`).join("\n");
  return [
    "/**",
    " * The built-in boards' device trees, the text of boards/*.dts (the library reads no files, so",
    " * it runs in browsers). Written by scripts/embed-dts.mjs: edit the .dts files, then run it;",
    " * test/platform/board-dts.test.ts fails while this module and boards/ differ.",
    " */",
    "export const BOARD_DTS: Readonly<Record<string, string>> = Object.freeze({",
    entries,
    "});",
    "",
  ].join("\n");
}

function readBoards() {
  return readdirSync(boardsDir)
    .filter((name) => name.endsWith(".dts"))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(boardsDir, name), "utf8") }));
}

const wanted = render(readBoards());
if (process.argv.includes("--check")) {
  let current;
  try {
    current = readFileSync(target, "utf8");
  } catch {
    current = null;
  }
  if (current !== wanted) {
    process.stderr.write("src/platform/boards/board-dts.ts is out of date with boards/*.dts: run node scripts/embed-dts.mjs\n");
    process.exit(1);
  }
} else {
  writeFileSync(target, wanted);
}
