/**
 * Error pointers (include/linux/err.h): functions that return an object or an error return
 * `ERR_PTR(-ENODEV)`, and callers test with `IS_ERR`. In TypeScript an error pointer is a small
 * tagged object, so a caller that forgets `IS_ERR` gets a type error rather than a bad deref.
 */
import { errname } from "./errno.js";

export class ErrPtr {
  constructor(readonly err: number) {}
  toString(): string {
    return `ERR_PTR(${errname(this.err)})`;
  }
}

export function ERR_PTR(err: number): ErrPtr {
  if (!(err < 0 && err >= -4095)) throw new RangeError(`ERR_PTR(${err}): not a negative errno`);
  return new ErrPtr(err);
}

export function IS_ERR<T>(ptr: T | ErrPtr): ptr is ErrPtr {
  return ptr instanceof ErrPtr;
}

export function IS_ERR_OR_NULL<T>(ptr: T | ErrPtr | null | undefined): ptr is ErrPtr | null | undefined {
  return ptr === null || ptr === undefined || ptr instanceof ErrPtr;
}

export function PTR_ERR(ptr: ErrPtr): number {
  return ptr.err;
}
