// program_check.js — is a dropped file a runnable CP/M program? A clear message when it is not.
//
//   const problem = programProblem(bytes, "NOTES.TXT", tpaBytes);   // null when it may run
//   if (problem) show(problem.message, problem.hint);
//
// The checks are cheap and conservative: an empty file, one larger than the TPA, a file that
// starts like a known non-Z80 format (a z80lm model, a PC or Linux executable, an archive, an
// image, a document, a Spectrum tape), or text (nearly all printable ASCII: a listing or a
// source, not machine code). Anything else is tried; a program that then runs away stops at the
// page's T-state limit.
// Not modelled: telling a Z80 program from other binary data in general (no such test exists).

const MAGICS = [
  [[0x5a, 0x38, 0x30, 0x4c, 0x4d, 0x4d, 0x44, 0x4c], "a z80lm model (.zlm)", "export it first: z80lm export MODEL -t web -o CHAT.html, or -o CHAT.COM"],
  [[0x4d, 0x5a], "a DOS or Windows executable (MZ)", "a CP/M program is a .COM for the Z80"],
  [[0x7f, 0x45, 0x4c, 0x46], "a Linux executable (ELF)", "a CP/M program is a .COM for the Z80"],
  [[0x50, 0x4b, 0x03, 0x04], "a ZIP archive", "unpack it and drop the .COM inside"],
  [[0x1f, 0x8b], "a gzip archive", "unpack it and drop the .COM inside"],
  [[0x25, 0x50, 0x44, 0x46], "a PDF document", ""],
  [[0x89, 0x50, 0x4e, 0x47], "a PNG image", ""],
  [[0x47, 0x49, 0x46, 0x38], "a GIF image", ""],
  [[0xff, 0xd8, 0xff], "a JPEG image", ""],
  [[0x13, 0x00, 0x00], "a ZX Spectrum tape (.TAP)", "run it with z80lm run, or in a Spectrum emulator"],
];

function startsWith(bytes, magic) {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

// A problem { message, hint } with the file, or null when it is worth running.
export function programProblem(bytes, name, tpaBytes) {
  if (bytes.length === 0)
    return { message: `${name}: the file is empty (0 bytes); a CP/M program needs at least one instruction`, hint: "" };
  for (const [magic, what, hint] of MAGICS)
    if (startsWith(bytes, magic)) return { message: `${name} is ${what}, not a CP/M program`, hint };
  if (bytes.length > tpaBytes)
    return {
      message: `${name}: ${bytes.length} bytes, but this CP/M machine's TPA holds only ${tpaBytes} bytes`,
      hint: "a CP/M .COM file is at most that large",
    };
  const sample = bytes.subarray(0, 1024);
  let text = 0;
  for (const b of sample) if ((b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d) ++text;
  if (sample.length >= 16 && text >= sample.length * 0.97)
    return { message: `${name} looks like text, not a Z80 program`, hint: "drop the assembled .COM file instead" };
  return null;
}
