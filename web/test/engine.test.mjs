// engine.test.mjs — the page's machine (web/src/cpm_machine.js on z80-emulator) answers like
// `z80lm run --speed`: the same transcript and the same T-states per answer, computed now from
// the z80lm binary under test (never written down here); and the page exported with `-t web`
// holds exactly the bytes `-t cpm` writes. Run by CTest (tests/CMakeLists.txt) with node --test.
//
// Cases: the two examples (fast engine, the options the build uses), the original tinychat
// imported from ../shared (skipped when absent), and a shard of the conformance vectors typed
// into the original tinychat through the page's machine.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { runCom, runZ80lm, scratchDir, sharedDir, sourceDir } from "./support.mjs";
import { CpmMachine } from "../src/cpm_machine.js";

const tmp = scratchDir("web_engine");

// The page data JSON of an exported page: the text of <script id="z80lm-data">.
export function pageData(html) {
  const m = html.match(/<script id="z80lm-data" type="application\/json">([^<]*)<\/script>/);
  assert.ok(m, "the exported page has no z80lm-data script element");
  return JSON.parse(m[1]);
}

// Exports `model` as a .COM and as a page with the same options; checks the page holds the
// .COM's bytes; returns them.
function exportBoth(model, name, options) {
  const com = path.join(tmp, `${name}.COM`);
  const html = path.join(tmp, `${name}.html`);
  runZ80lm(["export", model, ...options, "-o", com]);
  runZ80lm(["export", model, ...options, "-t", "web", "-o", html]);
  const bytes = fs.readFileSync(com);
  const data = pageData(fs.readFileSync(html, "latin1"));
  assert.equal(data.format, "z80lm-web");
  assert.equal(data.version, 1);
  assert.equal(data.program_bytes, bytes.length);
  assert.ok(Buffer.from(data.program, "base64").equals(bytes), `${name}.html does not hold ${name}.COM's bytes`);
  assert.equal(data.model.name, name.toUpperCase());
  return { com, bytes, data };
}

function readExchanges(file) {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"))
    .map((l) => {
      const bar = l.indexOf("|");
      return { query: l.slice(0, bar), answer: l.slice(bar + 1) };
    });
}

// Types the queries (then "!") into `z80lm run --speed` and into the page's machine.
function compareWithZ80lmRun(com, bytes, queries) {
  const input = queries.map((q) => q + "\n").join("") + "!\n";
  const inputFile = path.join(tmp, path.basename(com) + ".input");
  fs.writeFileSync(inputFile, input, "latin1");
  const z = runZ80lm(["run", "--speed", "--input", inputFile, com]);
  const js = runCom(bytes, { input });
  assert.equal(js.result.exitCode, 0, js.result.message);
  assert.equal(js.stdout, z.stdout, "the transcript differs from z80lm run's");
  const expectedLines = z.stderr.split("\n").filter((l) => l.startsWith("  ["));
  assert.equal(expectedLines.length, queries.length, `z80lm run printed:\n${z.stderr}`);
  assert.deepEqual(js.speedLines, expectedLines, "per-answer T-states differ from z80lm run --speed");
  return js;
}

for (const example of ["tinychat", "guess"]) {
  test(`${example}: the page's machine answers the exchanges like z80lm run --speed`, () => {
    const dir = path.join(sourceDir, "examples", example);
    const { com, bytes, data } = exportBoth(path.join(dir, "model.zlm"), example,
      ["--engine", "fast", "--min-tpa", "0xAC06"]);
    assert.equal(data.model.engine, "fast");
    assert.match(data.model.architecture, /^\d+( -> \d+)+$/);
    const exchanges = readExchanges(path.join(dir, "exchanges.txt"));
    assert.ok(exchanges.length >= 5);
    const js = compareWithZ80lmRun(com, bytes, exchanges.map((e) => e.query));
    // And the answers are the committed exchanges.
    for (const { query, answer } of exchanges)
      assert.ok(js.stdout.includes(`> ${query}\n${answer}\n`), `no "${answer}" after "${query}" in:\n${js.stdout}`);
    for (const a of js.answers) assert.ok(a.tStates > 100_000, `an answer in ${a.tStates} T-states?`);
  });
}

test("one-shot: the answer to a command tail, with z80lm run's line from the program's start", () => {
  const { com, bytes } = exportBoth(path.join(sourceDir, "examples", "tinychat", "model.zlm"), "oneshot",
    ["--engine", "fast"]);
  const z = runZ80lm(["run", "--speed", com, "are", "you", "a", "robot"]);
  const js = runCom(bytes, { args: ["are", "you", "a", "robot"] });
  // z80lm run ends a one-shot answer with a line break of its own, on the host side, so the
  // shell prompt does not follow the answer; the program itself prints none.
  assert.equal(js.stdout.endsWith("\n") ? js.stdout : js.stdout + "\n", z.stdout);
  const line = z.stderr.split("\n").find((l) => l.startsWith("  ["));
  assert.match(line, /from the program's start/);
  assert.equal(js.machine.oneShotSpeedLine(), line);
});

const npz = path.join(sharedDir, "conformance", "tinychat-model.npz");
const vectorsFile = path.join(sharedDir, "conformance", "tinychat-vectors.tsv");
const haveShared = fs.existsSync(npz) && fs.existsSync(vectorsFile);
const skipShared = haveShared ? false : `${npz} is absent (the original's reference data in ../shared)`;

test("original tinychat (imported .npz): the page answers like z80lm run --speed", { skip: skipShared }, () => {
  const { com, bytes } = exportBoth(npz, "orig", []);
  compareWithZ80lmRun(com, bytes, ["hello", "are you a robot", "what is your name", "bye"]);
});

// What the CP/M chat prints for one exchange: prompt, the echo of the typed line and the CR
// BDOS 10 ends it with, the program's CR LF, then the answer (as tests/export_test_support.h).
test("conformance vectors (a shard) through the page's machine", { skip: skipShared }, () => {
  const { bytes } = exportBoth(npz, "conf", []);
  const vectors = fs
    .readFileSync(vectorsFile, "latin1")
    .split("\n")
    .filter((l) => l.includes("\t"))
    .map((l) => ({ query: l.slice(0, l.indexOf("\t")), response: l.slice(l.indexOf("\t") + 1) }));
  assert.equal(vectors.length, 2302);
  const typeable = (q) => {
    const span = q.trimStart().trimEnd();
    return span !== "" && !span.startsWith("!");
  };
  const shard = vectors.filter((v, i) => i % 15 === 7 && typeable(v.query));
  assert.ok(shard.length >= 150, `only ${shard.length} vectors`);
  let raw = "";
  const machine = new CpmMachine({ onOutput: (b) => { raw += String.fromCharCode(b); } });
  machine.load(bytes);
  let expected = "";
  for (const v of shard) {
    machine.typeText(v.query + "\r");
    expected += `\r\n> ${v.query}\r\r\n${v.response}`;
  }
  machine.closeInput();
  let state;
  do state = machine.run(machine.tStates + 100_000_000);
  while (state === "running");
  assert.equal(machine.result.reason, "end of input", machine.result.message);
  expected += "\r\n> ";
  // Answer by answer, so that a failure names the query.
  let pos = 0;
  for (const v of shard) {
    const one = `\r\n> ${v.query}\r\r\n${v.response}`;
    assert.equal(raw.slice(pos, pos + one.length), one, `vector "${v.query}"`);
    pos += one.length;
  }
  assert.equal(raw, expected);
});
