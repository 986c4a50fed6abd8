// A kill is never lost behind the io layer's own frames whose cleanup
// blocks (readFile's and writeFile's close): once the cleanup ends, the
// killed tasklet goes on unwinding; the code after the call never runs.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { KilledError, run, sleep, spawn } from "../../src/index.js";
import { readFile } from "../../src/io/index.js";
import { withTempDir } from "./helpers.js";

test("a tasklet killed inside readFile does not run the code after it", async () => {
  await withTempDir("tasklet-unwind-", async (dir) => {
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    // A writer that never writes: readFile's open returns, its read waits.
    const fd = fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    const log: string[] = [];
    try {
      await run(function* () {
        const t = spawn(function* () {
          yield* readFile(fifo);
          log.push("ran on after the kill");
          yield* sleep(5);
        });
        yield* sleep(200); // readFile is waiting in its read
        t.kill();
        try {
          yield* t.join();
        } catch (e) {
          log.push(e instanceof KilledError ? "killed" : String(e));
        }
      });
    } finally {
      fs.closeSync(fd);
    }
    assert.deepEqual(log, ["killed"]);
  });
});
