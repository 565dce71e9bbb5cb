// web_speed_bench.mjs — how fast the page's Z80 runs "as fast as possible", in Node and in
// headless Chromium, against `z80lm run` (libz80ex) measured in the same run, on the same work:
// TINYCHAT.COM (fast engine) answering the tinychat exchanges several times.
//
//   node bench/web_speed_bench.mjs [--rounds N] [--build DIR]     (after a build and scripts/web_deps.sh)
//
// Prints emulated MHz (T-states per second of host time) and the ratio to z80lm run's:
//  - z80lm run: the whole process (wall time, start-up included; best of 3);
//  - Node: CpmMachine.run from web/src/cpm_machine.js (best of 3);
//  - Chromium, in frames: T-states per millisecond the page spends running the CPU (its own
//    measure, shown in the status line), and wall: all answers' T-states over the wall time from
//    typing the lines (type-ahead) to the last answer, frame pacing included.
// Chromium is skipped with a message when /usr/bin/chromium (or $Z80LM_CHROMIUM) is absent.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const build = path.resolve(arg("--build", path.join(root, "build")));
const rounds = Number(arg("--rounds", "4"));
process.env.Z80LM_BIN ??= path.join(build, "z80lm");
process.env.Z80LM_TEST_TMP ??= path.join(build, "bench-tmp");
const { runCom, runZ80lm, scratchDir } = await import(path.join(root, "web", "test", "support.mjs"));

const tmp = scratchDir("web_speed_bench");
const model = path.join(root, "examples", "tinychat", "model.zlm");
const com = path.join(tmp, "TINYCHAT.COM");
const html = path.join(tmp, "tinychat.html");
runZ80lm(["export", model, "--engine", "fast", "--min-tpa", "0xAC06", "-o", com]);
runZ80lm(["export", model, "--engine", "fast", "--min-tpa", "0xAC06", "-t", "web", "-o", html]);
const queries = fs
  .readFileSync(path.join(root, "examples", "tinychat", "exchanges.txt"), "utf8")
  .split("\n")
  .filter((l) => l.trim() && !l.startsWith("#"))
  .map((l) => l.slice(0, l.indexOf("|")));
const lines = Array.from({ length: rounds }, () => queries).flat();
const input = lines.map((q) => q + "\n").join("") + "!\n";
const inputFile = path.join(tmp, "input.txt");
fs.writeFileSync(inputFile, input);
const bytes = fs.readFileSync(com);

const best = (n, f) => Array.from({ length: n }, f).reduce((a, b) => (b.mhz > a.mhz ? b : a));

// z80lm run
const native = best(3, () => {
  const z = runZ80lm(["run", "--stats", "--input", inputFile, com]);
  const t = Number(z.stderr.match(/whole run: (\d+) T-states/)[1]);
  return { tStates: t, seconds: z.seconds, mhz: t / z.seconds / 1e6 };
});
// Node
const node = best(3, () => {
  const r = runCom(bytes, { input });
  return { tStates: r.tStates, seconds: r.seconds, mhz: r.tStates / r.seconds / 1e6 };
});
if (node.tStates !== native.tStates)
  throw new Error(`the page's machine ran ${node.tStates} T-states, z80lm run ${native.tStates}`);

// Chromium
let chrome = null;
const chromium = process.env.Z80LM_CHROMIUM ?? "/usr/bin/chromium";
if (fs.existsSync(chromium)) {
  const require = createRequire(path.join(root, "web", "package.json"));
  const puppeteer = require("puppeteer-core");
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    userDataDir: fs.mkdtempSync(path.join(tmp, "profile-")),
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"],
  });
  try {
    const page = await browser.newPage();
    await page.goto("file://" + html);
    await page.waitForFunction(() => window.z80lm?.state() === "waiting");
    await page.select("#speed", "max");
    const t0 = await page.evaluate(() => window.z80lm.tStates());
    const started = Date.now();
    await page.evaluate((ls) => ls.forEach((l) => window.z80lm.type(l)), lines);
    await page.waitForFunction((n) => window.z80lm.speedLines.length >= n && window.z80lm.state() === "waiting",
      { timeout: 600_000, polling: 50 }, lines.length);
    const wallSeconds = (Date.now() - started) / 1000;
    const t1 = await page.evaluate(() => window.z80lm.tStates());
    const inFrames = await page.evaluate(() => window.z80lm.emulatedMHz());
    chrome = { inFrames, wall: (t1 - t0) / wallSeconds / 1e6, seconds: wallSeconds };
  } finally {
    await browser.close();
  }
}

const row = (name, mhz, note = "") =>
  console.log(`${name.padEnd(30)} ${mhz.toFixed(1).padStart(8)} MHz  ${(mhz / native.mhz).toFixed(3).padStart(7)}x z80lm run  ${note}`);
console.log(`work: TINYCHAT.COM (fast engine), ${lines.length} answers, ${native.tStates} T-states ` +
  `(${(native.tStates / 4e6).toFixed(1)} s on a 4 MHz Z80)`);
row("z80lm run (libz80ex, process)", native.mhz, `${native.seconds.toFixed(3)} s`);
row("Node (page's machine)", node.mhz, `${node.seconds.toFixed(3)} s, ${process.version}`);
if (chrome) {
  row("Chromium, in frames", chrome.inFrames, "T-states per ms of CPU slices");
  row("Chromium, wall", chrome.wall, `${chrome.seconds.toFixed(3)} s typed ahead to the last answer`);
} else {
  console.log(`Chromium: skipped (no ${chromium}; Z80LM_WITH_PLATFORMS=1 scripts/deps.sh installs it)`);
}
