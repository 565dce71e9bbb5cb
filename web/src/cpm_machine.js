// cpm_machine.js — the CP/M 2.2 machine of `z80lm run`, in JavaScript, on npm's z80-emulator core.
//
//   const m = new CpmMachine({ onOutput: (byte) => screen.put(byte), onSpeed: (line) => show(line) });
//   m.load(comBytes, ["HELLO"]);                 // like the CCP: A>PROG HELLO
//   m.typeText("hello\n");                       // keyboard: '\n' becomes CR, as in z80lm run
//   let s = m.run(m.tStates + 1_000_000);        // a slice: "running", "waiting" (for input) or "ended"
//   if (s === "ended") show(m.result.message);
//
// This file mirrors src/emu/cpm_machine.cpp, src/emu/cpm_command_line.cpp and the `--speed` meter
// of src/cli/cmd_run.cpp so that the page answers with the same text and the same T-states:
//  - page zero as CP/M 2.2 sets it up: JP FF03h at 0000h, IOBYTE 0, drive 0, JP tpa_top at 0005h
//    (the word at 0006h is the TPA top, E406h by default), FCBs at 005Ch/006Ch and the command
//    tail at 0080h from the arguments; the program at 0100h; SP = FEFEh holding 0000h.
//  - BDOS and BIOS are trapped, not emulated: PC reaching 0005h, tpa_top or a BIOS entry is
//    served here and the machine returns to the caller as a RET would, charging its 10 T-states.
//    BDOS 9 (print string) also charges 10 T-states per character printed, as if each were a
//    BDOS 2 call (the shared cost model of `z80lm run`).
//  - BDOS 0, 1, 2, 6, 9, 10, 11, 12; BIOS BOOT, WBOOT, CONST, CONIN, CONOUT. PC = 0000h (warm
//    boot), BDOS 0, BOOT/WBOOT and ^C at the start of a BDOS 10 line end the run cleanly.
//  - BDOS 10 echoes like CP/M 2.2: typed characters, BS/DEL erase (BS SP BS), ^U/^X erase the
//    line, other control characters echo as ^X, a full buffer ends the line, a CR ends it.
//  - the `--speed` line after each answer: "  [N chars in T T-states = S s at M MHz]".
// Input is asynchronous here: when the program waits for a key or a line that has not been
// typed, run() returns "waiting" with PC still at the BDOS entry, and the same call is served
// again once input arrives, so its T-state (the call's entry) is unchanged. closeInput() is end
// of input (the Node tests): the run then ends as `z80lm run` ends at the end of stdin.
// Not modelled: disks and files (BDOS 13..40), the CCP, TAB expansion, ^S/^P, interrupts.
import { Z80 } from "z80-emulator";

export const CPM = Object.freeze({
  warmBoot: 0x0000, // JP to the BIOS warm boot: reaching it ends the program
  ioByte: 0x0003, // IOBYTE, 0 (console = TTY)
  driveUser: 0x0004, // current drive and user: 0 = A:, user 0
  bdosEntry: 0x0005, // JP tpa_top: programs CALL 5 for system services
  tpaTopWord: 0x0006, // operand of that JP: first address above the TPA
  fcb1: 0x005c, // default FCB, from the first argument
  fcb2: 0x006c, // second FCB, from the second argument
  commandTail: 0x0080, // length byte + uppercased arguments
  tpaStart: 0x0100, // programs load and start here
  defaultTpaTop: 0xe406, // BDOS entry of a typical 64K CP/M 2.2, as `z80lm run` uses
  biosBase: 0xff00, // BIOS jump table, 17 entries of 3 bytes, all trapped
  initialStack: 0xfefe, // SP at start; the word there is 0000h (return = exit)
});
export const RET_T_STATES = 10; // an unconditional RET: what every trapped call costs
export const BDOS9_T_STATES_PER_CHAR = 10; // BDOS 9 prints each character as a BDOS 2 call would
export const MAX_COMMAND_TAIL = 127;

const CR = 0x0d, LF = 0x0a, BS = 0x08, TAB = 0x09, DEL = 0x7f, CTRL_C = 0x03, CTRL_U = 0x15, CTRL_X = 0x18;
const BIOS_ENTRIES = ["BOOT", "WBOOT", "CONST", "CONIN", "CONOUT", "LIST", "PUNCH", "READER", "HOME", "SELDSK",
  "SETTRK", "SETSEC", "SETDMA", "READ", "WRITE", "LISTST", "SECTRAN"];
const BDOS_NAMES = ["system reset", "console input", "console output", "reader input", "punch output",
  "list output", "direct console I/O", "get I/O byte", "set I/O byte", "print string", "read console buffer",
  "get console status", "return version number", "reset disk system", "select disk", "open file",
  "close file", "search for first", "search for next", "delete file", "read sequential", "write sequential",
  "make file", "rename file", "return login vector", "return current disk", "set DMA address",
  "get allocation vector", "write protect disk", "get read-only vector", "set file attributes",
  "get disk parameters", "get/set user code", "read random", "write random", "compute file size",
  "set random record", "reset drive", "unknown", "unknown", "write random with zero fill"];

export function bdosFunctionName(f) {
  return f < BDOS_NAMES.length ? BDOS_NAMES[f] : "unknown";
}

export function hex4(v) {
  return v.toString(16).toUpperCase().padStart(4, "0");
}

// An error a user can act on: what happened, and a hint.
export class CpmError extends Error {
  constructor(message, hint) {
    super(message);
    this.hint = hint;
  }
}

const upper = (c) => (c >= 0x61 && c <= 0x7a ? c - 0x20 : c);
const bytesOf = (s) => Array.from(s, (ch) => ch.charCodeAt(0) & 0xff);

// The 128 bytes the CCP leaves at 0080h: length, then " ARG1 ARG2" uppercased.
export function buildCommandTail(args) {
  const tail = [];
  for (const arg of args) {
    tail.push(0x20);
    for (const c of bytesOf(arg)) tail.push(upper(c));
  }
  if (tail.length > MAX_COMMAND_TAIL)
    throw new CpmError(`command tail is ${tail.length} characters; CP/M allows at most ${MAX_COMMAND_TAIL}`,
      "pass shorter arguments");
  const buffer = new Uint8Array(128);
  buffer[0] = tail.length;
  buffer.set(tail, 1);
  return buffer;
}

function fillField(text, n) {
  const field = [];
  for (const c of text) {
    if (field.length === n) break;
    if (c === 0x2a) { // '*'
      while (field.length < n) field.push(0x3f);
      break;
    }
    field.push(upper(c));
  }
  while (field.length < n) field.push(0x20);
  return field;
}

// The 16-byte FCB the CCP writes for one argument (drive, 8.3 name, '*' as '?').
export function parseFcb(arg) {
  let bytes = bytesOf(arg ?? "");
  const fcb = new Uint8Array(16);
  if (bytes.length >= 2 && bytes[1] === 0x3a) {
    const drive = upper(bytes[0]);
    if (drive >= 0x41 && drive <= 0x50) {
      fcb[0] = drive - 0x41 + 1;
      bytes = bytes.slice(2);
    }
  }
  const dot = bytes.indexOf(0x2e);
  fcb.set(fillField(dot < 0 ? bytes : bytes.slice(0, dot), 8), 1);
  fcb.set(fillField(dot < 0 ? [] : bytes.slice(dot + 1), 3), 9);
  return fcb;
}

// `{:.2f}` and `{:g}` as fmt prints them, for the --speed line.
function formatG(x) {
  return String(Number(x.toPrecision(6)));
}
export function speedLine(chars, tStates, mhz) {
  return `  [${chars} chars in ${tStates} T-states = ${(tStates / (mhz * 1e6)).toFixed(2)} s at ${formatG(mhz)} MHz]`;
}

// The hardware abstraction layer z80-emulator asks for: 64 KiB of RAM, ports reading FFh.
class Hal {
  constructor() {
    this.tStateCount = 0;
    this.memory = new Uint8Array(0x10000);
  }
  readMemory(address) { return this.memory[address]; }
  writeMemory(address, value) { this.memory[address] = value; }
  contendMemory() {}
  readPort() { return 0xff; }
  writePort() {}
  contendPort() {}
}

const TRAP_NONE = 0, TRAP_WARM_BOOT = 1, TRAP_BDOS = 2, TRAP_BIOS = 3;

export class CpmMachine {
  // tpaTop: the word at 0006h. maxTStates: stop the run there (0 = none). mhz: for the --speed
  // line. onOutput(byte, tState): every console byte, raw. onSpeed(line): after each answer.
  constructor({ tpaTop = CPM.defaultTpaTop, maxTStates = 0, mhz = 4, onOutput = () => {}, onSpeed = () => {} } = {}) {
    if (tpaTop < 0x0200 || tpaTop > 0xfe00)
      throw new CpmError(`TPA top ${hex4(tpaTop)}h is outside 0200h..FE00h`, "leave the default E406h");
    this.tpaTop = tpaTop;
    this.maxTStates = maxTStates;
    this.mhz = mhz;
    this.onOutput = onOutput;
    this.onSpeed = onSpeed;
    this.hal = new Hal();
    this.z80 = new Z80(this.hal);
    this.memory = this.hal.memory;
    this.traps = new Uint8Array(0x10000);
    this.input = []; // keyboard bytes not yet read, after the '\n' -> CR rule
    this.inputClosed = false;
    this.afterCr = false;
    this.result = null; // set when the run ends: { reason, exitCode, message, hint, tStates, pc }
    // The timeline, kept only as far as the --speed meter and the response split need it.
    this.outputCount = 0;
    this.inputs = 0; // input requests so far
    this.lastInput = null; // { outputBegin, outputEnd } of the latest request; outputEnd 0 while open
    this.meter = { inputsSeen: 0, spanStart: 0, chars: 0, reported: false };
    this.printed = { chars: 0, lastTState: 0 }; // printable bytes, for a one-shot run's line
    this.callTState = 0;
    this.loaded = false;
  }

  get tStates() { return this.hal.tStateCount; }
  get pc() { return this.z80.regs.pc; }

  // Page zero, command tail and FCBs, the program at 0100h. Throws CpmError for an empty
  // program or one larger than the TPA, with the sizes.
  load(program, args = [], name = "program") {
    const tpaSize = this.tpaTop - CPM.tpaStart;
    if (program.length === 0)
      throw new CpmError(`${name}: the file is empty (0 bytes); a CP/M program needs at least one instruction`,
        "check that the program was assembled or exported completely");
    if (program.length > tpaSize)
      throw new CpmError(`${name}: the program is ${program.length} bytes but the TPA holds only ${tpaSize} bytes ` +
        `(${hex4(CPM.tpaStart)}h..${hex4(this.tpaTop - 1)}h)`, "is this a CP/M .COM file?");
    const tail = buildCommandTail(args);
    const m = this.memory;
    m[CPM.warmBoot] = 0xc3;
    this.writeWord(CPM.warmBoot + 1, CPM.biosBase + 3);
    m[CPM.ioByte] = 0;
    m[CPM.driveUser] = 0;
    m[CPM.bdosEntry] = 0xc3;
    this.writeWord(CPM.tpaTopWord, this.tpaTop);
    m.set(parseFcb(args[0]), CPM.fcb1);
    m.set(parseFcb(args[1]), CPM.fcb2);
    m.set(tail, CPM.commandTail);
    m[this.tpaTop] = 0xc9;
    for (let entry = 0; entry < BIOS_ENTRIES.length; ++entry) {
      m[CPM.biosBase + 3 * entry] = 0xc9;
      this.traps[CPM.biosBase + 3 * entry] = TRAP_BIOS;
    }
    this.traps[CPM.warmBoot] = TRAP_WARM_BOOT;
    this.traps[CPM.bdosEntry] = TRAP_BDOS;
    this.traps[this.tpaTop] = TRAP_BDOS;
    m.set(program, CPM.tpaStart);
    this.z80.regs.sp = CPM.initialStack;
    this.writeWord(CPM.initialStack, CPM.warmBoot);
    this.z80.regs.pc = CPM.tpaStart;
    this.loaded = true;
  }

  // Keyboard input, as `z80lm run` reads stdin: '\n' becomes CR, CR LF becomes one CR.
  typeText(text) {
    for (const byte of bytesOf(text)) {
      if (byte === LF && this.afterCr) { this.afterCr = false; continue; }
      this.afterCr = byte === CR;
      this.input.push(byte === LF ? CR : byte);
    }
  }
  closeInput() { this.inputClosed = true; }

  // Runs until the clock reaches `until` ("running"), the program waits for input that has not
  // been typed ("waiting"), or the run ends ("ended": see this.result).
  run(until) {
    if (!this.loaded) throw new Error("CpmMachine.run: load() a program first");
    if (this.result) return "ended";
    const limit = this.maxTStates > 0 ? Math.min(until, this.maxTStates) : until;
    const hal = this.hal, regs = this.z80.regs, traps = this.traps, z80 = this.z80;
    for (;;) {
      const trap = traps[regs.pc];
      if (trap !== TRAP_NONE) {
        const outcome = this.serveTrap(trap);
        if (outcome !== "resumed") return outcome;
        if (hal.tStateCount >= limit) break;
        continue;
      }
      if (hal.tStateCount >= limit) break;
      z80.step();
      if (regs.halted) {
        this.stop("halted", 1, `program executed HALT at ${hex4(regs.pc)}h; nothing in this machine raises interrupts`,
          "end the program with JP 0 or RET instead");
        return "ended";
      }
    }
    if (this.maxTStates > 0 && hal.tStateCount >= this.maxTStates) {
      this.stop("t-state limit", 2, `stopped after ${hal.tStateCount} T-states (the limit is ${this.maxTStates}) ` +
        `at PC ${hex4(regs.pc)}h`, "the program may be stuck in a loop");
      return "ended";
    }
    return "running";
  }

  // --- internals ---
  writeWord(address, value) {
    this.memory[address & 0xffff] = value & 0xff;
    this.memory[(address + 1) & 0xffff] = (value >> 8) & 0xff;
  }
  readWord(address) {
    return this.memory[address & 0xffff] | (this.memory[(address + 1) & 0xffff] << 8);
  }

  stop(reason, exitCode, message, hint = "") {
    this.result = { reason, exitCode, message, hint, tStates: this.hal.tStateCount, pc: this.z80.regs.pc };
    return "ended";
  }

  // HL = A:B = the result, then a RET: PC = pop, plus its 10 T-states.
  returnToCaller(hl) {
    const regs = this.z80.regs;
    regs.hl = hl;
    regs.a = hl & 0xff;
    regs.b = hl >> 8;
    this.emulateRet();
    return "resumed";
  }
  emulateRet() {
    const regs = this.z80.regs;
    regs.pc = this.readWord(regs.sp);
    regs.sp = (regs.sp + 2) & 0xffff;
    this.hal.tStateCount += RET_T_STATES;
  }

  emit(byte) {
    ++this.outputCount;
    if (byte >= 0x20 && byte < 0x7f) {
      ++this.printed.chars;
      this.printed.lastTState = this.callTState;
    }
    this.onOutput(byte, this.callTState);
    this.meterOutput(byte, this.callTState);
  }

  // cmd_run.cpp's on_output: from the first byte after an input to the first line end after a
  // printable character.
  meterOutput(byte, tState) {
    const input = this.lastInput;
    if (input && input.outputEnd === 0 && this.outputCount > input.outputBegin) return; // echo
    const meter = this.meter;
    if (this.inputs !== meter.inputsSeen || this.outputCount === 1) {
      meter.inputsSeen = this.inputs;
      meter.spanStart = tState;
      meter.chars = 0;
      meter.reported = false;
    }
    if (byte >= 0x20 && byte < 0x7f && this.inputs > 0) ++meter.chars;
    if (byte === LF && meter.chars > 0 && !meter.reported) {
      meter.reported = true;
      const t = tState - meter.spanStart;
      this.onSpeed(speedLine(meter.chars, t, this.mhz), { chars: meter.chars, tStates: t });
    }
  }

  // After a run that read no input (a one-shot answer to the command tail), the line
  // `z80lm run --speed` prints: printable characters and the T-state of the last one; else null.
  oneShotSpeedLine() {
    if (this.inputs > 0 || this.printed.chars === 0) return null;
    return speedLine(this.printed.chars, this.printed.lastTState, this.mhz).replace(/\]$/, ", from the program's start]");
  }

  beginInput() {
    ++this.inputs;
    this.lastInput = { outputBegin: this.outputCount, outputEnd: 0 };
  }
  endInput() {
    this.lastInput.outputEnd = this.outputCount;
  }

  // True when the keyboard holds enough for BDOS 10 to finish a line without blocking.
  lineReady() {
    return this.inputClosed || this.input.some((b) => b === CR || b === LF || b === CTRL_C);
  }

  serveTrap(trap) {
    const regs = this.z80.regs;
    this.callTState = this.hal.tStateCount;
    if (trap === TRAP_WARM_BOOT) return this.stop("warm boot", 0, "program jumped to 0000h (warm boot)");
    if (trap === TRAP_BIOS) return this.serveBios((regs.pc - CPM.biosBase) / 3);
    return this.serveBdos();
  }

  serveBdos() {
    const regs = this.z80.regs;
    const fn = regs.c, de = regs.de, e = regs.e;
    const callSite = (this.readWord(regs.sp) - 3) & 0xffff;
    switch (fn) {
      case 0:
        return this.stop("system reset", 0, "program called BDOS function 0 (system reset)");
      case 1: {
        if (this.input.length === 0 && !this.inputClosed) return "waiting";
        const key = this.readKey(true);
        if (key === null) return this.noMoreInput();
        return this.returnToCaller(key);
      }
      case 2:
        this.emit(e);
        return this.returnToCaller(0);
      case 6:
        if (e === 0xff) {
          let key = 0;
          if (this.input.length > 0) {
            this.beginInput();
            key = this.input.shift();
            this.endInput();
          }
          return this.returnToCaller(key);
        }
        if (e === 0xfe) return this.returnToCaller(this.input.length > 0 ? 0xff : 0x00);
        this.emit(e);
        return this.returnToCaller(0);
      case 9: {
        const text = [];
        let address = de;
        for (let scanned = 0; scanned < 0x10000 && this.memory[address] !== 0x24; ++scanned) {
          text.push(this.memory[address]);
          address = (address + 1) & 0xffff;
        }
        if (text.length === 0x10000)
          return this.stop("bad call", 1, `BDOS function 9 (print string) called from ${hex4(callSite)}h with ` +
            `DE=${hex4(de)}h: no '$' terminator in all of memory`, "end the string with '$'");
        for (const c of text) this.emit(c);
        this.hal.tStateCount += BDOS9_T_STATES_PER_CHAR * text.length;
        return this.returnToCaller(0);
      }
      case 10:
        if (!this.lineReady()) return "waiting";
        return this.readLine(de);
      case 11:
        return this.returnToCaller(this.input.length > 0 ? 0xff : 0x00);
      case 12:
        return this.returnToCaller(0x0022);
      default:
        return this.stop("unimplemented call", 1, `unimplemented BDOS function ${fn} (${bdosFunctionName(fn)}) ` +
          `called from ${hex4(callSite)}h`, "this machine provides the console BDOS functions 0, 1, 2, 6, 9, " +
          "10, 11 and 12 only (no disk files)");
    }
  }

  serveBios(entry) {
    const regs = this.z80.regs;
    const callSite = (this.readWord(regs.sp) - 3) & 0xffff;
    switch (entry) {
      case 0:
      case 1:
        return this.stop("warm boot", 0, `program called the BIOS ${BIOS_ENTRIES[entry]} entry`);
      case 2:
        regs.a = this.input.length > 0 ? 0xff : 0x00;
        this.emulateRet();
        return "resumed";
      case 3: {
        if (this.input.length === 0 && !this.inputClosed) return "waiting";
        const key = this.readKey(false);
        if (key === null) return this.noMoreInput();
        regs.a = key;
        this.emulateRet();
        return "resumed";
      }
      case 4:
        this.emit(regs.c);
        this.emulateRet();
        return "resumed";
      default:
        return this.stop("unimplemented call", 1, `unimplemented BIOS entry ${entry} (${BIOS_ENTRIES[entry]}) ` +
          `called from ${hex4(callSite)}h`, "this machine provides the BIOS console entries CONST, CONIN and CONOUT only");
    }
  }

  noMoreInput() {
    return this.stop("end of input", 0, "end of input while the program waits for input");
  }

  // A key for BDOS 1 / BIOS CONIN, echoed by BDOS 1 when printable (or CR, LF, TAB, BS); null at
  // end of input.
  readKey(echo) {
    this.beginInput();
    if (this.input.length === 0) {
      this.endInput();
      return null;
    }
    const key = this.input.shift();
    if (echo && ((key >= 0x20 && key <= 0x7e) || key === CR || key === LF || key === TAB || key === BS)) this.emit(key);
    this.endInput();
    return key;
  }

  readLine(buffer) {
    const maxLength = this.memory[buffer];
    this.beginInput();
    const line = [];
    const echoWidth = [];
    const eraseLast = () => {
      for (let i = 0; i < echoWidth[echoWidth.length - 1]; ++i) {
        this.emit(BS);
        this.emit(0x20);
        this.emit(BS);
      }
      echoWidth.pop();
      line.pop();
    };
    for (;;) {
      if (this.input.length === 0) {
        if (line.length === 0) {
          this.endInput();
          return this.noMoreInput();
        }
        break; // a partly typed last line counts as entered
      }
      const c = this.input.shift();
      if (c === CR || c === LF) break;
      if (c === BS || c === DEL) {
        if (line.length > 0) eraseLast();
        continue;
      }
      if (c === CTRL_U || c === CTRL_X) {
        while (line.length > 0) eraseLast();
        continue;
      }
      if (c === CTRL_C && line.length === 0) {
        this.emit(0x5e);
        this.emit(0x43);
        this.endInput();
        return this.stop("warm boot", 0, "^C at the start of a line (warm boot)");
      }
      if (line.length >= maxLength) continue;
      line.push(c);
      if ((c >= 0x20 && c <= 0x7e) || c === TAB) {
        this.emit(c);
        echoWidth.push(1);
      } else {
        this.emit(0x5e);
        this.emit(c + 0x40);
        echoWidth.push(2);
      }
      if (line.length === maxLength) break;
    }
    this.emit(CR);
    this.memory[(buffer + 1) & 0xffff] = line.length;
    line.forEach((c, i) => { this.memory[(buffer + 2 + i) & 0xffff] = c; });
    this.endInput();
    return this.returnToCaller(0);
  }
}
