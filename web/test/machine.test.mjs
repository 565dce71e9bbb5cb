// machine.test.mjs — the page's CP/M machine against `z80lm run` on a program that calls every
// console BDOS function (test/programs/bdos_tour.asm, assembled with pasmo now), and the
// machine's own rules: the cost model, HALT, the T-state limit, unimplemented calls, loading
// errors, and the page's check of dropped files.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { BDOS9_T_STATES_PER_CHAR, CpmError, CpmMachine, RET_T_STATES, parseFcb } from "../src/cpm_machine.js";
import { programProblem } from "../src/program_check.js";
import { runCom, runZ80lm, scratchDir, webDir } from "./support.mjs";

const tmp = scratchDir("web_machine");
const pasmo = process.env.Z80LM_PASMO ?? "pasmo";

function assemble(name) {
  const out = path.join(tmp, name.replace(/\.asm$/, ".COM"));
  execFileSync(pasmo, ["--bin", path.join(webDir, "test", "programs", name), out], { stdio: "pipe" });
  return out;
}

function wholeRunTStates(stderr) {
  const m = stderr.match(/whole run: (\d+) T-states/);
  assert.ok(m, `no "whole run" in:\n${stderr}`);
  return Number(m[1]);
}

const tourCases = [
  { name: "erasures and a full line", input: "kabc\bd\x15xyz\bW123456789\n", args: ["b:notes.t*", "two"] },
  { name: "no input left", input: "", args: [] },
  { name: "a key, then the end", input: "q", args: ["x"] },
  { name: "control characters echo as ^X", input: "k\x01\x02ab\x7f\n", args: [] },
];
for (const c of tourCases) {
  test(`BDOS tour (${c.name}): same transcript and T-states as z80lm run`, () => {
    const com = assemble("bdos_tour.asm");
    const inputFile = path.join(tmp, "tour.input");
    fs.writeFileSync(inputFile, c.input, "latin1");
    const z = runZ80lm(["run", "--stats", "--input", inputFile, com, "--", ...c.args]);
    const js = runCom(fs.readFileSync(com), { input: c.input, args: c.args });
    assert.equal(js.stdout, z.stdout);
    assert.equal(js.tStates, wholeRunTStates(z.stderr));
    assert.equal(js.result.exitCode, 0);
  });
}

// LD DE,nn (10) LD C,n (7) CALL nn (17); the trapped BDOS 9 (RET 10 + 10 per character); RET (10).
test("BDOS 9 costs its RET plus 10 T-states per character", () => {
  const text = [0x48, 0x49, 0x21];
  const program = Uint8Array.from([0x11, 0x09, 0x01, 0x0e, 0x09, 0xcd, 0x05, 0x00, 0xc9, ...text, 0x24]);
  const r = runCom(program);
  assert.equal(r.stdout, "HI!");
  assert.equal(r.tStates, 10 + 7 + 17 + RET_T_STATES + BDOS9_T_STATES_PER_CHAR * text.length + 10);
  assert.equal(r.result.reason, "warm boot");
});

test("HALT ends the run with an error naming the address", () => {
  const r = runCom(Uint8Array.from([0x00, 0x76]));
  assert.equal(r.result.exitCode, 1);
  assert.match(r.result.message, /HALT at 0101h/);
});

test("a runaway program stops at the T-state limit", () => {
  const r = runCom(Uint8Array.from([0x18, 0xfe]), { maxTStates: 1_000_000 }); // JR $
  assert.equal(r.result.exitCode, 2);
  assert.equal(r.result.reason, "t-state limit");
  assert.ok(r.tStates >= 1_000_000 && r.tStates < 1_000_000 + 12);
});

test("an unimplemented BDOS call stops the run, naming the function and the caller", () => {
  const r = runCom(Uint8Array.from([0x0e, 0x0f, 0xcd, 0x05, 0x00, 0xc9])); // LD C,15; CALL 5
  assert.equal(r.result.exitCode, 1);
  assert.match(r.result.message, /BDOS function 15 \(open file\) called from 0102h/);
});

test("the machine waits for a line, then serves the same call at the same T-state", () => {
  const bytes = fs.readFileSync(assemble("bdos_tour.asm"));
  const outputs = [];
  const m = new CpmMachine({ onOutput: (b, t) => outputs.push([b, t]) });
  m.load(bytes);
  assert.equal(m.run(1e9), "waiting"); // BDOS 1 with no key
  const t = m.tStates;
  assert.equal(m.run(1e9), "waiting");
  assert.equal(m.tStates, t);
  m.typeText("k");
  assert.equal(m.run(1e9), "waiting"); // BDOS 10 without a whole line
  m.typeText("hi\n");
  assert.equal(m.run(1e9), "ended");
  assert.equal(m.result.reason, "warm boot");
  // One run with all the input typed ahead gives the same clock.
  const all = runCom(bytes, { input: "khi\n" });
  assert.equal(m.tStates, all.tStates);
});

test("loading: empty and oversized programs are refused with their sizes", () => {
  const m = new CpmMachine();
  assert.throws(() => m.load(new Uint8Array(0), [], "EMPTY.COM"), (e) => e instanceof CpmError && /empty/.test(e.message));
  assert.throws(() => new CpmMachine().load(new Uint8Array(0xe406), [], "BIG.COM"),
    /BIG.COM: the program is 58374 bytes but the TPA holds only 58118 bytes/);
  assert.throws(() => new CpmMachine().load(Uint8Array.of(0xc9), ["x".repeat(127)]), /command tail is 128/);
});

test("FCBs as the CCP makes them", () => {
  assert.deepEqual([...parseFcb("b:notes.t*")], [2, ...Buffer.from("NOTES   T??"), 0, 0, 0, 0]);
  assert.deepEqual([...parseFcb("")], [0, ...Buffer.from("           "), 0, 0, 0, 0]);
});

test("dropped files that are not programs get a clear message", () => {
  const tpa = 0xe406 - 0x100;
  assert.match(programProblem(new Uint8Array(0), "E.COM", tpa).message, /empty/);
  assert.match(programProblem(new Uint8Array(tpa + 1), "B.COM", tpa).message, /TPA holds only 58118/);
  assert.match(programProblem(Buffer.from("Z80LMMDL\x01\x00\x00\x00"), "m.zlm", tpa).message, /z80lm model/);
  assert.match(programProblem(Buffer.from("MZ\x90\x00\x03"), "x.exe", tpa).message, /DOS or Windows/);
  assert.match(programProblem(Buffer.from("# notes\nhello there, this is text\n"), "n.txt", tpa).message, /text/);
  assert.equal(programProblem(Uint8Array.of(0xc3, 0x00, 0x01, 0x00, 0x00), "OK.COM", tpa), null);
});
