// terminal.js — a glass teletype in the DOM: the bytes a CP/M program prints, as a screen.
//
//   const term = new Terminal(document.getElementById("screen"), { maxLines: 2000 });
//   term.put(0x48); term.put(0x0d); term.put(0x0a);   // raw console bytes
//   term.note("  [2 chars in 891658 T-states = 0.22 s at 4 MHz]");   // a line of the page's own
//   term.flush();                                      // once per frame: updates the DOM
//
// Rules (as a CP/M console terminal): CR returns to column 0, LF starts a new line, BS moves
// one column left (the BDOS erases with BS SP BS), BEL is ignored, TAB goes to the next multiple
// of 8, other control bytes are not shown, bytes 80h..FFh are shown as their 7-bit character
// (CP/M consoles strip bit 7). Characters overwrite what is under the cursor. Lines wrap at
// `columns`. Only the last `maxLines` lines are kept.
// Not modelled: cursor addressing and escape sequences of any real terminal (VT52, ADM-3A).
export class Terminal {
  constructor(element, { maxLines = 2000, columns = 80 } = {}) {
    this.element = element;
    this.maxLines = maxLines;
    this.columns = columns;
    this.clear();
  }

  clear() {
    this.element.textContent = "";
    this.lines = []; // { el, text, dirty }
    this.cursorLine = null;
    this.newLine();
    this.column = 0;
  }

  // The text on the screen, lines joined with "\n" (tests read it).
  text() {
    return this.lines.map((l) => l.text.replace(/\s+$/, "")).join("\n");
  }

  newLine(className = "") {
    const el = document.createElement("div");
    el.className = "line" + (className ? " " + className : "");
    this.element.appendChild(el);
    this.lines.push({ el, text: "", dirty: true });
    this.column = 0;
    while (this.lines.length > this.maxLines) this.lines.shift().el.remove();
  }

  get current() {
    return this.lines[this.lines.length - 1];
  }

  put(byte) {
    const b = byte & 0x7f;
    if (b === 0x0d) {
      this.column = 0;
    } else if (b === 0x0a) {
      this.newLine();
    } else if (b === 0x08) {
      if (this.column > 0) --this.column;
    } else if (b === 0x09) {
      const to = Math.min(this.columns, (Math.floor(this.column / 8) + 1) * 8);
      while (this.column < to) this.write(" ");
    } else if (b >= 0x20 && b < 0x7f) {
      if (this.column >= this.columns) this.newLine();
      this.write(String.fromCharCode(b));
    }
  }

  write(ch) {
    const line = this.current;
    const t = line.text.padEnd(this.column, " ");
    line.text = t.slice(0, this.column) + ch + t.slice(this.column + 1);
    line.dirty = true;
    ++this.column;
  }

  // A line of the page's own (timings, messages), styled apart, on a line of its own.
  note(text, className = "note") {
    if (this.current.text !== "") this.newLine();
    const line = this.current;
    line.el.className = "line " + className;
    line.text = text;
    line.dirty = true;
    this.newLine();
  }

  // Writes changed lines to the DOM and keeps the cursor in view.
  flush() {
    let changed = false;
    for (const line of this.lines) {
      if (!line.dirty) continue;
      line.el.textContent = line.text;
      line.dirty = false;
      changed = true;
    }
    const cur = this.current;
    if (this.cursorLine !== cur) {
      this.cursorLine?.el.classList.remove("cursor-line");
      cur.el.classList.add("cursor-line");
      this.cursorLine = cur;
    }
    cur.el.style.setProperty("--cursor-column", String(this.column));
    if (changed) this.element.scrollTop = this.element.scrollHeight;
  }
}
