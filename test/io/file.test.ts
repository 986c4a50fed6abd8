import assert from "node:assert/strict";
import { execFileSync, spawn as spawnChild } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  ClosedError,
  IOError,
  type Operation,
  run,
  schedule,
  sleep,
  spawn,
  TimeoutError,
  timeout,
} from "../../src/index.js";
import { type File, open } from "../../src/io/file.js";
import { readFile, writeFile } from "../../src/io/whole-file.js";
import { errorOf, GIVE_UP_MS, pollUntil } from "../helpers.js";
import { withTempDir } from "./helpers.js";

/** A FIFO opened read-write (so open does not block): reads block on the pool until someone writes. */
function fifo(dir: string): string {
  const p = join(dir, "fifo");
  execFileSync("mkfifo", [p]);
  return p;
}

test("open, write, read, pread, pwrite, fstat, ftruncate, fsync and close work on one descriptor", async () => {
  await withTempDir("file", async (dir) => {
    await run(function* () {
      const f = yield* open(join(dir, "a"), "w+");
      try {
        assert.equal(yield* f.write(Buffer.alloc(0)), 0, "an empty write returns at once");
        assert.equal(yield* f.write(Buffer.from("hello world")), 11);
        assert.equal(yield* f.pwrite(Buffer.from("HELLO"), 0), 5);
        const buf = Buffer.alloc(5);
        assert.equal(yield* f.pread(buf, 6), 5);
        assert.equal(buf.toString(), "world");
        assert.equal((yield* f.fstat()).size, 11);
        yield* f.ftruncate(5);
        yield* f.fsync();
        assert.equal((yield* f.fstat()).size, 5);
        const big = Buffer.alloc(100);
        const n = yield* f.pread(big, 0);
        assert.equal(big.subarray(0, n).toString(), "HELLO");
      } finally {
        yield* f.close();
      }
    });
  });
});

test("read returns a positive count and throws ClosedError at end of file", async () => {
  await withTempDir("file", async (dir) => {
    fs.writeFileSync(join(dir, "b"), "abcdef");
    await run(function* () {
      const f = yield* open(join(dir, "b"));
      const buf = Buffer.alloc(4);
      const got: string[] = [];
      try {
        for (;;) {
          const n = yield* f.read(buf);
          assert.ok(n > 0);
          got.push(buf.subarray(0, n).toString());
        }
      } catch (e) {
        assert.ok(e instanceof ClosedError, String(e));
        assert.ok(e instanceof IOError);
      } finally {
        yield* f.close();
      }
      assert.deepEqual(got, ["abcd", "ef"]);
      // pread past the end is end of file too.
      const g = yield* open(join(dir, "b"));
      yield* errorOf(g.pread(buf, 100), ClosedError);
      yield* g.close();
    });
  });
});

test("a read blocks only its tasklet: others run while it waits on the thread pool", async () => {
  await withTempDir("file", async (dir) => {
    const path = fifo(dir);
    await run(function* () {
      const f = yield* open(path, "r+");
      try {
        const log: string[] = [];
        const reader = spawn(function* (): Operation<string> {
          const buf = Buffer.alloc(16);
          const n = yield* f.read(buf);
          log.push("read");
          return buf.subarray(0, n).toString();
        });
        for (let i = 0; i < 3; i++) {
          yield* sleep(5);
          log.push(`tick ${i}`);
        }
        fs.writeFileSync(path, "ping");
        assert.equal(yield* reader.join(), "ping");
        assert.deepEqual(log, ["tick 0", "tick 1", "tick 2", "read"]);
      } finally {
        yield* f.close();
      }
    });
  });
});

test("a killed read that completes later keeps its bytes for the next read and leaves the caller's buffer alone", async () => {
  await withTempDir("file", async (dir) => {
    const path = fifo(dir);
    await run(function* () {
      const f = yield* open(path, "r+");
      try {
        const callerBuf = Buffer.alloc(16);
        const t = spawn(function* (): Operation<number> {
          return yield* f.read(callerBuf);
        });
        yield* schedule(); // t is now blocked in read, on the pool
        t.kill();
        fs.writeFileSync(path, "first"); // the withdrawn read completes now, in the background
        const buf = Buffer.alloc(16);
        // Bounded: were the bytes lost, this read would wait for ever.
        const n = yield* timeout(GIVE_UP_MS, f.read(buf));
        assert.equal(buf.subarray(0, n).toString(), "first", "the bytes of the killed read were kept");
        assert.ok(
          callerBuf.every((b) => b === 0),
          "the killed caller's buffer was not written",
        );
        // And the descriptor goes on as usual.
        fs.writeFileSync(path, "second");
        const m = yield* f.read(buf);
        assert.equal(buf.subarray(0, m).toString(), "second");
      } finally {
        yield* f.close();
      }
    });
  });
});

test("a read under timeout() throws TimeoutError, and the bytes that arrive later are not lost", async () => {
  await withTempDir("file", async (dir) => {
    const path = fifo(dir);
    await run(function* () {
      const f = yield* open(path, "r+");
      try {
        const buf = Buffer.alloc(8);
        yield* errorOf(timeout(20, f.read(buf)), TimeoutError);
        fs.writeFileSync(path, "late");
        const n = yield* timeout(GIVE_UP_MS, f.read(buf));
        assert.equal(buf.subarray(0, n).toString(), "late");
      } finally {
        yield* f.close();
      }
    });
  });
});

test("an open withdrawn while it blocks closes the descriptor it gets later", async () => {
  await withTempDir("file", async (dir) => {
    const path = fifo(dir);
    await run(function* () {
      // Opening a FIFO for reading blocks (on the pool) until a writer opens it.
      // 300 ms, so that the open has started (and blocks) before the timeout withdraws it even
      // on a loaded machine: an open withdrawn before it started never opens at all.
      yield* errorOf(timeout(300, open(path, "r")), TimeoutError);
      // The withdrawn open, blocked in its thread, is the FIFO's reader: a non-blocking open for
      // writing succeeds, and the withdrawn open then completes in the background. (A blocking
      // open here would hang the test's own thread for good if no reader were there.)
      let w = -1;
      const writerOpened = (): boolean => {
        try {
          w = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
          return true;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENXIO") return false;
          throw e;
        }
      };
      yield* pollUntil("the withdrawn open is the FIFO's reader", writerOpened);
      try {
        // Once the late open's descriptor is closed, the FIFO has no reader: a write fails with EPIPE.
        const readerClosed = (): boolean => {
          try {
            fs.writeSync(w, "x");
            return false;
          } catch (e) {
            return (e as NodeJS.ErrnoException).code === "EPIPE";
          }
        };
        yield* pollUntil("the descriptor of the withdrawn open was closed", readerClosed);
      } finally {
        fs.closeSync(w);
      }
    });
  });
});

test("a tasklet waiting on a read is not a deadlock: the pending host call holds the runtime", async () => {
  await withTempDir("file", async (dir) => {
    const path = fifo(dir);
    const writer = spawnChild("sh", ["-c", `sleep 0.2; printf from-child > '${path}'`], { stdio: "ignore" });
    try {
      const text = await run(function* () {
        const f = yield* open(path, "r+");
        try {
          const buf = Buffer.alloc(32);
          const n = yield* f.read(buf);
          return buf.subarray(0, n).toString();
        } finally {
          yield* f.close();
        }
      });
      assert.equal(text, "from-child");
    } finally {
      writer.kill("SIGKILL");
    }
  });
});

test("errors are IOErrors with the system's code; a closed File refuses calls", async () => {
  await withTempDir("file", async (dir) => {
    await run(function* () {
      const e = yield* errorOf(open(join(dir, "missing")), IOError);
      assert.equal(e.code, "ENOENT");
      const f: File = yield* open(join(dir, "c"), "w");
      yield* f.close();
      yield* f.close(); // a second close is harmless
      const closed = yield* errorOf(f.write(Buffer.from("x")), IOError);
      assert.equal(closed.code, "EBADF");
      const g = yield* open(join(dir, "c"), "r");
      const ro = yield* errorOf(g.write(Buffer.from("x")), IOError);
      assert.equal(ro.code, "EBADF");
      yield* g.close();
      assert.throws(() => g.read(Buffer.alloc(0)), /read: length must be > 0/);
      assert.throws(() => g.pread(Buffer.alloc(4), -1), /pread: position must be an integer >= 0/);
      assert.throws(() => g.read(Buffer.alloc(4), 5), /read: offset must be an integer in \[0, 4\]/);
    });
  });
});

test("readFile and writeFile move whole files, larger than one read", async () => {
  await withTempDir("file", async (dir) => {
    const data = Buffer.alloc(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    await run(function* () {
      yield* writeFile(join(dir, "big"), data);
      const back = yield* readFile(join(dir, "big"));
      assert.ok(back.equals(data));
      yield* writeFile(join(dir, "t"), "one ");
      yield* writeFile(join(dir, "t"), "two", { flag: "a" });
      assert.equal((yield* readFile(join(dir, "t"))).toString(), "one two");
      // /proc files report size 0 but have content.
      assert.match((yield* readFile("/proc/self/status")).toString(), /^Name:/);
    });
  });
});

test("a write to a FIFO larger than its buffer reaches the reader whole, while other tasklets run", async () => {
  await withTempDir("file", async (dir) => {
    const path = fifo(dir);
    const data = Buffer.alloc(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 0xff;
    await run(function* () {
      const w = yield* open(path, "r+");
      const r = yield* open(path, "r"); // a writer exists: no wait
      try {
        const writer = spawn(w.write(data));
        const got = Buffer.alloc(data.length);
        let n = 0;
        while (n < data.length) n += yield* timeout(GIVE_UP_MS, r.read(got, n));
        assert.equal(yield* writer.join(), data.length);
        assert.ok(got.equals(data), "the bytes arrived in order, none lost");
      } finally {
        yield* w.close();
        yield* r.close();
      }
    });
  });
});
