import { call, main, type Operation, TimeoutError, timeout } from "../../src/index.js";
import { startService } from "./service.js";

// fetch's own promise, waited on in a tasklet: a timeout aborts the signal.
function* fetchText(url: string, ms: number): Operation<string> {
  return yield* timeout(
    ms,
    call(async (signal) => (await fetch(url, { signal })).text()),
  );
}

main(function* () {
  const service = yield* call(() => startService());
  try {
    console.log(yield* fetchText(`${service.url}/fast`, 1000));
    try {
      yield* fetchText(`${service.url}/slow`, 200);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      console.log("slow: timed out after 200 ms");
    }
  } finally {
    yield* call(() => service.close());
  }
});
