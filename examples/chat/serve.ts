/**
 * The showcase's chat server on its own, for clients of your own.
 *
 *   node dist/examples/chat/serve.js [port]
 *
 * Protocol (examples/chat/server.ts): the first line `J <room>` joins a room
 * (the answer is `W`), every later line goes to every member of the room,
 * the sender included. SIGINT or SIGTERM stops it and prints what it counted,
 * the clients it dropped among them (too slow, or a line too long).
 */

import { channel, main } from "../../src/index.js";
import { listen } from "../../src/io/index.js";
import { startServer } from "./server.js";
import { Stats } from "./stats.js";

main(
  function* () {
    const listener = yield* listen({ port: Number(process.argv[2] ?? 7009), host: "127.0.0.1" });
    const stats = new Stats();
    const server = startServer(listener, stats);
    console.log(`chat server on port ${listener.address.port}`);
    try {
      yield* channel<never>(0).recv(); // serves until a signal kills this tasklet (the listener keeps it from a deadlock)
    } finally {
      yield* server.stop(1000);
      console.log(
        `accepted ${stats.accepted}, dropped slow clients: ${stats.droppedSlow}, dropped for a line too long: ${stats.droppedLongLine}`,
      );
    }
  },
  { name: "chat-server" },
);
