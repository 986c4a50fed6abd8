/**
 * tasklet/system: the `ITasklet` interfaces (after the ntkd tasklet interface), their implementation over
 * this runtime (`createTaskletSystem`), the `Network` it opens sockets on,
 * and a simulated network for tests (`SimNetwork`).
 */
export { ChannelError, ChannelTimeoutError, ClosedError, IOError, KilledError, TaskletError } from "../core/errors.js";
export type { Operation } from "../core/op.js";
export type {
  DispatchableTasklet,
  IChannel,
  IClientDatagramSocket,
  IConnectedStreamSocket,
  IServerDatagramSocket,
  IServerStreamSocket,
  ITasklet,
  ITaskletHandle,
  ITaskletSpawnable,
  RecvFromResult,
  TaskletCommandResult,
} from "./interfaces.js";
export type { Network } from "./network.js";
export { BROADCAST_ADDRESS, realNetwork } from "./real-net.js";
export { DATAGRAM_QUEUE_LIMIT } from "./sim-sockets.js";
export {
  SimDevice,
  SimHost,
  SimLink,
  SimNetwork,
  type SimNetworkOptions,
  type SimStats,
} from "./simnet.js";
export { createTaskletSystem, type TaskletSystemOptions } from "./system.js";
