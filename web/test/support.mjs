// support.mjs — shared by the Node tests and the benchmark: run a CP/M program to its end on the
// page's machine (web/src/cpm_machine.js) with piped input, and run `z80lm` itself.
//
//   const r = runCom(bytes, { input: "hello\n!\n" });   // r.stdout, r.speedLines, r.result
//   const z = runZ80lm(["run", "--speed", "--input", file, com]);   // z.stdout, z.stderr
//
// runCom translates output line ends as `z80lm run` does for a file or a pipe (CR LF and a lone
// LF become "\n", a lone CR is dropped), so the two transcripts compare byte for byte.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CpmMachine } from "../src/cpm_machine.js";

export const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const sourceDir = path.resolve(webDir, "..");
// The z80lm binary and a scratch directory: set by CTest (tests/CMakeLists.txt).
export const z80lmBin = process.env.Z80LM_BIN ?? path.join(sourceDir, "build", "z80lm");
export const sharedDir = process.env.Z80LM_SHARED_DIR ?? path.join(sourceDir, "..", "shared");

export function scratchDir(name) {
  const base = process.env.Z80LM_TEST_TMP ?? path.join(sourceDir, "build", "tests", "tmp");
  const dir = path.join(base, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function runCom(bytes, { input = "", args = [], maxTStates = 0, mhz = 4 } = {}) {
  let stdout = "";
  const speedLines = [];
  const answers = [];
  const machine = new CpmMachine({
    maxTStates,
    mhz,
    onOutput: (byte) => {
      if (byte === 0x0a) stdout += "\n";
      else if (byte !== 0x0d) stdout += String.fromCharCode(byte);
    },
    onSpeed: (line, figures) => {
      speedLines.push(line);
      answers.push(figures);
    },
  });
  machine.load(bytes, args);
  machine.typeText(input);
  machine.closeInput();
  const started = process.hrtime.bigint();
  let state;
  do state = machine.run(machine.tStates + 50_000_000);
  while (state === "running");
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (state !== "ended") throw new Error(`runCom: the machine stopped in state ${state}`);
  return { stdout, speedLines, answers, result: machine.result, tStates: machine.tStates, seconds, machine };
}

export function runZ80lm(args) {
  const started = process.hrtime.bigint();
  const r = spawnSync(z80lmBin, args, { encoding: "latin1", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "pipe"] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.error) throw new Error(`cannot run ${z80lmBin}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${z80lmBin} ${args.join(" ")} failed (exit ${r.status}):\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr, seconds };
}
