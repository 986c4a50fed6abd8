/**
 * The ntkd tasklet interface's IChannel over the sync layer's Channel: a rendezvous channel
 * (capacity 0), so that `send` "blocks the current tasklet until the message
 * has been read", while `sendAsync` queues past any capacity without
 * blocking or yielding. Receivers wait FIFO ("the priority is respected when
 * other tasklets try to read from the same channel"); `getBalance` is the
 * channel's balance: values waiting (> 0) or receivers waiting (< 0).
 */

import type { Operation } from "../core/op.js";
import { Channel } from "../sync/channel.js";
import type { IChannel } from "./interfaces.js";

export class SystemChannel<T> implements IChannel<T> {
  private readonly ch = new Channel<T>(0);

  send(v: T): Operation<void> {
    return this.ch.send(v);
  }

  sendAsync(v: T): void {
    this.ch.sendAsync(v);
  }

  getBalance(): number {
    return this.ch.balance;
  }

  recv(): Operation<T> {
    return this.ch.recv();
  }

  recvWithTimeout(timeoutMsec: number): Operation<T> {
    if (typeof timeoutMsec !== "number" || !(timeoutMsec >= 0) || timeoutMsec === Number.POSITIVE_INFINITY) {
      throw new RangeError(
        `IChannel.recvWithTimeout: timeoutMsec must be a finite number >= 0, got ${String(timeoutMsec)}`,
      );
    }
    return this.ch.recvTimeout(timeoutMsec);
  }
}
