/**
 * Error numbers (include/uapi/asm-generic/errno-base.h, errno.h, include/linux/errno.h).
 * Kernel functions return them negated (`return -EINVAL;`), as the C does: the clockevents
 * core, for one, branches on `-ETIME`.
 */
export const EPERM = 1;
export const ENOENT = 2;
export const EINTR = 4;
export const EIO = 5;
export const ENXIO = 6;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const ENOSPC = 28;
export const ENOSYS = 38;
export const ENODATA = 61;
export const ETIME = 62;
export const EOVERFLOW = 75;
export const ENOBUFS = 105;
export const ETIMEDOUT = 110;
export const ECONNABORTED = 103;
export const ENOEXEC = 8;
export const ENOTSUPP = 524;
export const EPROBE_DEFER = 517;

const NAMES: Readonly<Record<number, string>> = {
  [EPERM]: "EPERM",
  [ENOENT]: "ENOENT",
  [EINTR]: "EINTR",
  [EIO]: "EIO",
  [ENXIO]: "ENXIO",
  [ENOEXEC]: "ENOEXEC",
  [EAGAIN]: "EAGAIN",
  [ENOMEM]: "ENOMEM",
  [EFAULT]: "EFAULT",
  [EBUSY]: "EBUSY",
  [EEXIST]: "EEXIST",
  [ENODEV]: "ENODEV",
  [EINVAL]: "EINVAL",
  [ENOSPC]: "ENOSPC",
  [ENOSYS]: "ENOSYS",
  [ENODATA]: "ENODATA",
  [ETIME]: "ETIME",
  [EOVERFLOW]: "EOVERFLOW",
  [ECONNABORTED]: "ECONNABORTED",
  [ENOBUFS]: "ENOBUFS",
  [ETIMEDOUT]: "ETIMEDOUT",
  [ENOTSUPP]: "ENOTSUPP",
  [EPROBE_DEFER]: "EPROBE_DEFER",
};

/** "-EINVAL" for -22, for messages and test output. */
export function errname(err: number): string {
  const name = NAMES[Math.abs(err)];
  return name === undefined ? String(err) : `${err < 0 ? "-" : ""}${name}`;
}
