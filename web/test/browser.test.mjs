// browser.test.mjs — the exported pages in a real browser: headless Chromium (Debian's
// `chromium`, driven by npm's puppeteer-core) opens both examples exported with `-t web` from
// file:// (tinychat at 4 MHz real time, guess as fast as possible) and the site build/web over
// a server on 127.0.0.1 started here (index.html, then each example), types the examples'
// exchanges into the input field, reads the screen, and checks the answers and the per-answer
// T-states against `z80lm run --speed` (run now). It also quits with "!", drops a file that is
// not a program, stops a runaway program at the page's limit, checks that every request the
// pages make is file:// or 127.0.0.1, and saves screenshots to the scratch directory
// (docs/web-*.png are copies of them).
// Skips with a message when Chromium is not installed (Z80LM_WITH_PLATFORMS=1 scripts/deps.sh).
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, test } from "node:test";
import { runZ80lm, scratchDir, sourceDir } from "./support.mjs";

const chromium = process.env.Z80LM_CHROMIUM ?? "/usr/bin/chromium";
const site = process.env.Z80LM_WEB_SITE ?? path.join(sourceDir, "build", "web");
const tmp = scratchDir("web_browser");
const skip = fs.existsSync(chromium)
  ? false
  : `no Chromium at ${chromium} (install it with Z80LM_WITH_PLATFORMS=1 scripts/deps.sh)`;

let browser;
let server;
let serverUrl;
const requests = [];

before(async () => {
  if (skip) return;
  const puppeteer = (await import("puppeteer-core")).default;
  browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    userDataDir: fs.mkdtempSync(path.join(tmp, "profile-")),
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"],
  });
  server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const file = path.join(site, path.normalize(decodeURIComponent(url.pathname)).replace(/^\/+/, "") || "index.html");
    if (!file.startsWith(site) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end("not found");
      return;
    }
    const type = file.endsWith(".html") ? "text/html; charset=utf-8" : "application/octet-stream";
    res.writeHead(200, { "content-type": type }).end(fs.readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  serverUrl = `http://127.0.0.1:${server.address().port}/`;
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function newPage() {
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 640 });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("request", (r) => requests.push(r.url()));
  page.errors = errors;
  return page;
}

function readExchanges(example) {
  return fs
    .readFileSync(path.join(sourceDir, "examples", example, "exchanges.txt"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"))
    .map((l) => ({ query: l.slice(0, l.indexOf("|")), answer: l.slice(l.indexOf("|") + 1) }));
}

// The --speed lines of `z80lm run` for the exchanges, from the .COM beside the page.
function expectedSpeedLines(com, queries) {
  const input = path.join(tmp, path.basename(com) + ".input");
  fs.writeFileSync(input, queries.map((q) => q + "\n").join("") + "!\n");
  const z = runZ80lm(["run", "--speed", "--input", input, com]);
  return z.stderr.split("\n").filter((l) => l.startsWith("  ["));
}

// Types each query into the page's input field and waits for its answer; returns the screen.
async function chat(page, exchanges, expectedLines) {
  await page.waitForFunction(() => window.z80lm?.state() === "waiting", { timeout: 60_000 });
  const focused = await page.evaluate(() => document.activeElement?.id);
  assert.equal(focused, "line", "the input field has the focus on load");
  for (let i = 0; i < exchanges.length; ++i) {
    await page.type("#line", exchanges[i].query);
    await page.keyboard.press("Enter");
    await page.waitForFunction((n) => window.z80lm.speedLines.length >= n && window.z80lm.state() === "waiting",
      { timeout: 60_000 }, i + 1);
  }
  const screen = await page.$eval("#screen", (el) => el.innerText);
  for (const { query, answer } of exchanges)
    assert.ok(screen.includes(`> ${query}\n${answer}\n`), `no "${answer}" after "${query}" on the screen:\n${screen}`);
  const lines = await page.evaluate(() => window.z80lm.speedLines.slice());
  assert.deepEqual(lines, expectedLines, "per-answer T-states differ from z80lm run --speed");
  for (const line of expectedLines) assert.ok(screen.includes(line.trim()), `"${line}" is not on the screen`);
  assert.deepEqual(page.errors, []);
  return screen;
}

test("tinychat exported as one file, from file://, at 4 MHz real time", { skip }, async () => {
  const model = path.join(sourceDir, "examples", "tinychat", "model.zlm");
  const options = ["--engine", "fast", "--min-tpa", "0xAC06"];
  const html = path.join(tmp, "tinychat.html");
  const com = path.join(tmp, "TINYCHAT.COM");
  runZ80lm(["export", model, ...options, "-t", "web", "-o", html]);
  runZ80lm(["export", model, ...options, "-o", com]);
  const exchanges = readExchanges("tinychat").slice(0, 4);
  const expected = expectedSpeedLines(com, exchanges.map((e) => e.query));
  const page = await newPage();
  await page.goto("file://" + html);
  assert.equal(await page.$eval("#speed", (el) => el.value), "4");
  const started = Date.now();
  await chat(page, exchanges, expected);
  // Real time: the answers took at least their emulated time at 4 MHz.
  const emulated = expected.reduce((s, l) => s + Number(l.match(/in (\d+) T-states/)[1]), 0) / 4e6;
  assert.ok((Date.now() - started) / 1000 >= emulated * 0.9, "answers came faster than a 4 MHz Z80");
  const about = await page.$eval("#about", (el) => el.innerText);
  assert.match(about, /architecture\s+\d+( -> \d+)+ -> 25 \(/);  // the charset: 25 symbols
  assert.match(about, /z80lm train/);
  await page.screenshot({ path: path.join(tmp, "web-tinychat.png") });
  // "!" ends the program like in z80lm run; Enter runs it again.
  await page.type("#line", "!");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => window.z80lm.state() === "ended", { timeout: 10_000 });
  assert.match(await page.$eval("#screen", (el) => el.innerText), /program jumped to 0000h \(warm boot\)/);
  // A file that is not a program gets a message, and the page keeps working.
  const text = path.join(tmp, "notes.txt");
  fs.writeFileSync(text, "these are notes, not a Z80 program\n".repeat(4));
  const input = await page.$("#file");
  await input.uploadFile(text);
  await page.waitForFunction(() => document.getElementById("screen").innerText.includes("looks like text"));
  // A runaway program (JR $) stops at the page's T-state limit with a message.
  await page.evaluate(() => {
    window.z80lm.setRunawayLimit(20_000_000);
    window.z80lm.setSpeed("max");
    window.z80lm.loadProgram(Uint8Array.of(0x18, 0xfe), "LOOP.COM", []);
  });
  await page.waitForFunction(() => window.z80lm.state() === "ended", { timeout: 60_000 });
  assert.match(await page.$eval("#screen", (el) => el.innerText), /Stopped: the program ran 20,000,000 T-states without asking for input/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("guess exported as one file, from file://, as fast as possible", { skip }, async () => {
  const model = path.join(sourceDir, "examples", "guess", "model.zlm");
  const html = path.join(tmp, "guess.html");
  const com = path.join(tmp, "GUESS.COM");
  runZ80lm(["export", model, "--engine", "fast", "--min-tpa", "0xAC06", "-t", "web", "-o", html]);
  runZ80lm(["export", model, "--engine", "fast", "--min-tpa", "0xAC06", "-o", com]);
  const exchanges = readExchanges("guess");
  const expected = expectedSpeedLines(com, exchanges.map((e) => e.query));
  const page = await newPage();
  await page.goto("file://" + html);
  await page.select("#speed", "max");
  await chat(page, exchanges, expected);
  assert.ok(await page.evaluate(() => window.z80lm.emulatedMHz()) > 1, "as fast as possible is slower than 1 MHz");
  await page.close();
});

test("the site over 127.0.0.1: index.html, then each example", { skip }, async () => {
  assert.ok(fs.existsSync(path.join(site, "index.html")), `${site}/index.html is missing: build the web_site target`);
  for (const example of ["tinychat", "guess"]) {
    const page = await newPage();
    await page.goto(serverUrl);
    if (example === "tinychat") await page.screenshot({ path: path.join(tmp, "web-index.png") });
    await Promise.all([page.waitForNavigation(), page.click(`a[href="${example}.html"]`)]);
    await page.select("#speed", "max");
    const exchanges = readExchanges(example);
    const expected = expectedSpeedLines(path.join(site, `${example.toUpperCase()}.COM`), exchanges.map((e) => e.query));
    await chat(page, exchanges, expected);
    if (example === "guess") await page.screenshot({ path: path.join(tmp, "web-guess.png") });
    await page.close();
  }
});

test("no request leaves file:// or 127.0.0.1", { skip }, () => {
  assert.ok(requests.length > 0);
  const foreign = requests.filter((u) => !u.startsWith("file://") && !u.startsWith(serverUrl) && !u.startsWith("data:"));
  assert.deepEqual(foreign, []);
});
