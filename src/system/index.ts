/**
 * tasklet/system: seed 001's ITasklet interfaces, and their implementation
 * over this runtime.
 */
export { ChannelError, ChannelTimeoutError, ClosedError, IOError, KilledError, TaskletError } from "../core/errors.js";
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
