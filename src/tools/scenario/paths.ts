/**
 * File paths without node:path (the library runs in a browser): a scenario's relative paths
 * (CMDQ assembly, device trees, traces) are taken from the scenario file's directory.
 */

/** The directory part of `path` ("" for a bare file name). */
export function dirname(path: string): string {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (i < 0) return "";
  return i === 0 ? path.slice(0, 1) : path.slice(0, i);
}

export function isAbsolute(path: string): boolean {
  return path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:[\\/]/.test(path);
}

/** `path` as seen from `dir` (unchanged when absolute or when `dir` is the current directory). */
export function resolveFrom(dir: string, path: string): string {
  if (isAbsolute(path) || dir === "" || dir === ".") return path;
  return dir.endsWith("/") || dir.endsWith("\\") ? `${dir}${path}` : `${dir}/${path}`;
}
