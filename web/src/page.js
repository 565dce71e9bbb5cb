// page.js — the page of `z80lm export -t web`: a CP/M machine, a terminal, a speed selector.
//
// The exported page holds a JSON object in <script id="z80lm-data"> (written by
// src/web/web_page.cpp): { format: "z80lm-web", version: 1, program: base64 .COM bytes,
// program_bytes, model: { name, engine, architecture, ... } }. Without one (the bare template)
// the page asks for a .COM file.
//
// The CPU runs in slices from requestAnimationFrame (a timer when the tab is hidden), so the tab
// never freezes: at a real clock rate each slice runs the T-states that the elapsed wall time
// allows (at most 1/10 s worth, so a tab coming back from the background does not race); "as
// fast as possible" runs slices of about 12 ms back to back, each a task of its own (so input
// and painting go on between them). A program that runs longer than
// RUNAWAY_T_STATES without asking for input is stopped with a message.
//
// For tests, window.z80lm exposes { screenText(), state(), speedLines, type(line), setSpeed(id),
// loadProgram(bytes, name) }.
import { CpmMachine, CPM } from "./cpm_machine.js";
import { programProblem } from "./program_check.js";
import { Terminal } from "./terminal.js";

export const SPEEDS = [
  { id: "4", label: "4 MHz (real time)", mhz: 4 },
  { id: "3.5", label: "3.5 MHz (ZX Spectrum)", mhz: 3.5 },
  { id: "1.77", label: "1.77 MHz (TRS-80 Model I)", mhz: 1.77 },
  { id: "max", label: "as fast as possible", mhz: 0 },
];
export const RUNAWAY_T_STATES = 4_000_000_000; // 1000 s at 4 MHz without asking for input
const FAST_SLICE_MS = 12;
const MAX_CATCH_UP_S = 0.1;

const $ = (id) => document.getElementById(id);

function decodeBase64(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; ++i) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

function readPageData() {
  const el = $("z80lm-data");
  if (!el) return null;
  let data;
  try {
    data = JSON.parse(el.textContent);
  } catch {
    return null;
  }
  if (!data || typeof data !== "object" || data.format !== "z80lm-web") return null;
  if (data.version !== 1) throw new Error(`page data version ${data.version}; this page reads version 1`);
  return data;
}

class Page {
  constructor() {
    this.term = new Terminal($("screen"));
    this.speed = SPEEDS[0];
    this.speedLines = [];
    this.runawayTStates = RUNAWAY_T_STATES;
    this.state = "idle"; // idle, running, waiting, ended
    this.program = null; // { bytes, name, args }
    this.machine = null;
    this.lastFrame = 0;
    this.measure = { tStates: 0, ms: 0 }; // emulated T-states and wall time in "as fast" mode
    this.data = readPageData();
    this.setupControls();
    if (this.data) {
      const name = this.data.model?.name || "CHAT";
      document.title = `${name} — z80lm on a Z80`;
      $("title").textContent = `${name}.COM`;
      this.showAbout(this.data.model, this.data.program_bytes);
      this.start({ bytes: decodeBase64(this.data.program), name: `${name}.COM`, args: [] });
    } else {
      this.showAbout(null, 0);
      this.term.note("No program in this page: drop a CP/M .COM file here, or choose one with “Run a .COM…”.", "message");
      this.term.flush();
    }
    $("line").focus();
    this.scheduleFrame();
  }

  setupControls() {
    const speed = $("speed");
    for (const s of SPEEDS) {
      const option = document.createElement("option");
      option.value = s.id;
      option.textContent = s.label;
      speed.appendChild(option);
    }
    speed.addEventListener("change", () => this.setSpeed(speed.value));
    $("phosphor").addEventListener("change", (e) => {
      document.body.classList.toggle("amber", e.target.value === "amber");
    });
    $("input-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const field = $("line");
      this.type(field.value);
      field.value = "";
      field.focus();
    });
    $("screen").addEventListener("click", () => {
      if (!window.getSelection()?.toString()) $("line").focus();
    });
    $("restart").addEventListener("click", () => {
      if (this.program) this.start(this.program);
      $("line").focus();
    });
    $("file").addEventListener("change", (e) => {
      const file = e.target.files?.[0];
      if (file) this.loadFile(file);
      e.target.value = "";
    });
    document.addEventListener("dragover", (e) => {
      e.preventDefault();
      document.body.classList.add("dragging");
    });
    document.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
    document.addEventListener("drop", (e) => {
      e.preventDefault();
      document.body.classList.remove("dragging");
      const file = e.dataTransfer?.files?.[0];
      if (file) this.loadFile(file);
    });
    document.addEventListener("visibilitychange", () => this.scheduleFrame());
  }

  setSpeed(id) {
    const s = SPEEDS.find((x) => x.id === id);
    if (!s) return;
    this.speed = s;
    $("speed").value = id;
    if (this.machine) this.machine.mhz = s.mhz || 4;
    this.lastFrame = 0;
  }

  async loadFile(file) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const args = $("args").value.trim().split(/\s+/).filter(Boolean);
    this.loadProgram(bytes, file.name, args);
  }

  loadProgram(bytes, name, args = []) {
    const problem = programProblem(bytes, name, CPM.defaultTpaTop - CPM.tpaStart);
    if (problem) {
      this.term.note(`Cannot run ${problem.message}.`, "message error");
      if (problem.hint) this.term.note(`(${problem.hint})`, "message");
      this.term.flush();
      return false;
    }
    $("title").textContent = name.toUpperCase();
    document.title = `${name} — z80lm on a Z80`;
    this.showAbout(null, bytes.length, name);
    this.start({ bytes, name, args });
    return true;
  }

  // A fresh machine with the program, as if typed at the A> prompt.
  start(program) {
    this.program = program;
    this.machine = new CpmMachine({
      mhz: this.speed.mhz || 4,
      onOutput: (byte) => this.term.put(byte),
      onSpeed: (line) => {
        this.speedLines.push(line);
        this.term.note(line, "note");
      },
    });
    const tail = program.args.length ? " " + program.args.join(" ").toUpperCase() : "";
    this.term.note(`A>${program.name.replace(/\.COM$/i, "").toUpperCase()}${tail}`, "message");
    try {
      this.machine.load(program.bytes, program.args, program.name);
    } catch (e) {
      this.machine = null;
      this.state = "ended";
      this.term.note(`Cannot run it: ${e.message}`, "message error");
      this.term.flush();
      return;
    }
    this.machine.maxTStates = this.runawayTStates;
    this.state = "running";
    this.lastFrame = 0;
    this.setStatus();
    this.scheduleFrame();
  }

  // A line typed by the user: to the machine's keyboard (type-ahead is kept), or, after the
  // program ended, Enter runs it again.
  type(text) {
    if (this.state === "ended" || this.state === "idle") {
      if (this.program) this.start(this.program);
      if (text === "") return;
    }
    if (!this.machine) return;
    this.machine.typeText(text + "\n");
    if (this.state === "waiting") {
      this.state = "running";
      this.machine.maxTStates = this.machine.tStates + this.runawayTStates;
      this.lastFrame = 0;
    }
    this.setStatus();
    this.scheduleFrame();
  }

  scheduleFrame() {
    if (this.framePending) return;
    this.framePending = true;
    const go = (t) => {
      this.framePending = false;
      this.frame(t ?? performance.now());
    };
    if (document.hidden) {
      setTimeout(go, 50);
    } else if (this.speed.mhz === 0 && this.state === "running") {
      // As fast as possible: the next slice as soon as the browser has handled input and painted
      // if it wanted to (a message is a task of its own; rAF would leave the CPU idle between frames).
      this.channel ??= new MessageChannel();
      this.channel.port1.onmessage = () => go();
      this.channel.port2.postMessage(0);
    } else {
      requestAnimationFrame(go);
    }
  }

  frame(now) {
    if (this.state === "running" && this.machine) {
      const m = this.machine;
      let outcome;
      if (this.speed.mhz > 0) {
        const elapsed = this.lastFrame ? Math.min((now - this.lastFrame) / 1000, MAX_CATCH_UP_S) : 1 / 60;
        this.budget = (this.lastFrame ? this.budget ?? 0 : 0) + elapsed * this.speed.mhz * 1e6;
        const start = m.tStates;
        outcome = m.run(start + Math.max(0, Math.floor(this.budget)));
        this.budget -= m.tStates - start;
        if (outcome !== "running") this.budget = 0;
      } else {
        const t0 = performance.now();
        const start = m.tStates;
        do outcome = m.run(m.tStates + 250_000);
        while (outcome === "running" && performance.now() - t0 < FAST_SLICE_MS);
        this.measure.tStates += m.tStates - start;
        this.measure.ms += performance.now() - t0;
      }
      this.lastFrame = now;
      if (outcome === "waiting") {
        this.state = "waiting";
      } else if (outcome === "ended") {
        this.state = "ended";
        this.reportEnd(m.result);
      }
      this.setStatus();
    }
    this.term.flush();
    if (this.state === "running") this.scheduleFrame();
  }

  reportEnd(result) {
    const oneShot = this.machine.oneShotSpeedLine();
    if (oneShot) {
      this.speedLines.push(oneShot);
      this.term.note(oneShot, "note");
    }
    if (result.reason === "t-state limit") {
      const limit = this.runawayTStates;
      this.term.note(`Stopped: the program ran ${limit.toLocaleString("en")} T-states without asking ` +
        `for input (the page's limit; ${limit / 4e6} s at 4 MHz). It may be stuck in a loop.`, "message error");
    } else if (result.exitCode !== 0) {
      this.term.note(`Error: ${result.message}`, "message error");
      if (result.hint) this.term.note(`(${result.hint})`, "message");
    } else {
      this.term.note(`[${result.message}]`, "message");
    }
    this.term.note("Press Enter to run it again.", "message");
  }

  setStatus() {
    const labels = { idle: "no program", running: "running", waiting: "waiting for input", ended: "ended" };
    let text = labels[this.state];
    if (this.machine) text += ` · ${this.machine.tStates.toLocaleString("en")} T-states`;
    if (this.speed.mhz === 0 && this.measure.ms > 0)
      text += ` · ${(this.measure.tStates / this.measure.ms / 1000).toFixed(1)} MHz emulated`;
    $("status").textContent = text;
    document.body.dataset.state = this.state;
  }

  // The "about" panel: the model from the page data, or the program that was dropped.
  showAbout(model, programBytes, droppedName) {
    const list = $("about-list");
    list.textContent = "";
    const row = (key, value) => {
      const dt = document.createElement("dt");
      dt.textContent = key;
      const dd = document.createElement("dd");
      dd.textContent = value;
      list.append(dt, dd);
    };
    const raw = $("about-raw");
    raw.textContent = "";
    if (!model) {
      if (droppedName) {
        row("program", `${droppedName}, ${programBytes} bytes, loaded at 0100h`);
        row("machine", "CP/M 2.2, 64K (TPA to E405h), console BDOS 0, 1, 2, 6, 9, 10, 11, 12");
      } else {
        row("program", "none embedded");
      }
      return;
    }
    const codes = model.weight_codes ?? {};
    const weights = Object.values(codes).reduce((a, n) => a + n, 0) || 1;
    const pct = (n) => `${((100 * (n ?? 0)) / weights).toFixed(1)}%`;
    row("program", `${model.name}.COM, ${programBytes} bytes (CP/M 2.2, engine ${model.engine})`);
    row("architecture", `${model.architecture} (${model.parameters.toLocaleString("en")} parameters)`);
    row("weights", `2-bit codes: -2 ${pct(codes["-2"])}, -1 ${pct(codes["-1"])}, 0 ${pct(codes["0"])}, ` +
      `+1 ${pct(codes["+1"])} (${model.nonzero_weights.toLocaleString("en")} non-zero)`);
    row("charset", `${model.symbols} symbols: "${model.charset}"`);
    const p = model.provenance ?? {};
    if (p.tool) row("made by", `${p.tool} ${p.version ?? ""}`.trim());
    if (p.command) row("command", p.command);
    if (p.data) row("data", `${p.data.pairs ?? "?"} pairs, ${p.data.examples ?? "?"} examples` +
      (p.data.fnv1a64 ? ` (FNV-1a ${p.data.fnv1a64})` : ""));
    if (p.seed !== undefined) row("seed", String(p.seed));
    if (p.epochs !== undefined) row("epochs", `${p.epochs}${p.best_epoch !== undefined ? `, best ${p.best_epoch}` : ""}`);
    if (p.int_acc !== undefined) row("integer accuracy", `${(100 * p.int_acc).toFixed(2)}% (teacher-forced, training data)`);
    if (p.source) row("source", String(p.source));
    row("exported by", `z80lm ${model.z80lm_version}`);
    raw.textContent = JSON.stringify(p, null, 2);
  }
}

function main() {
  const page = new Page();
  window.z80lm = {
    screenText: () => page.term.text(),
    state: () => page.state,
    speedLines: page.speedLines,
    type: (line) => page.type(line),
    setSpeed: (id) => page.setSpeed(id),
    loadProgram: (bytes, name, args) => page.loadProgram(bytes, name, args),
    emulatedMHz: () => (page.measure.ms > 0 ? page.measure.tStates / page.measure.ms / 1000 : 0),
    tStates: () => page.machine?.tStates ?? 0,
    setRunawayLimit: (t) => { page.runawayTStates = t; },
  };
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
else main();
