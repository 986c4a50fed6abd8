/**
 * The ntkd tasklet interface's `read(fd, b, maxlen)` and `write(fd, b, count)` over the io
 * layer's `File`: one File per descriptor, made on first use, so that the
 * calls on one descriptor run in the order they were made (a File's chain)
 * and bytes of a read withdrawn by a kill are kept for the next read.
 *
 * The system does not own the descriptors: it never closes them. A File
 * keeps only the descriptor's number, so if the caller closes a descriptor
 * and the number is reused, the same File serves the new one.
 */

import type { Operation } from "../core/op.js";
import { File } from "../io/file.js";

export class Descriptors {
  private readonly files = new Map<number, File>();

  private file(fd: number): File {
    let f = this.files.get(fd);
    if (f === undefined) {
      f = File.fromFd(fd);
      this.files.set(fd, f);
    }
    return f;
  }

  /** >= 1 bytes read into `b[0, maxlen)`; `ClosedError` at end of file. */
  read(fd: number, b: Uint8Array, maxlen: number): Operation<number> {
    return this.file(fd).read(b, 0, maxlen);
  }

  /** Writes all of `b[0, count)`; returns `count`. */
  write(fd: number, b: Uint8Array, count: number): Operation<number> {
    return this.file(fd).write(b, 0, count);
  }
}
