// build.mjs — makes the committed page templates from web/src (run: npm run build, in web/).
//
//   dist/page_template.html  the page of `z80lm export -t web`: src/page.html with src/page.css, the
//                            bundle of src/page.js (esbuild: z80-emulator, the CP/M machine, the
//                            terminal) and the third-party license texts inlined; z80lm replaces
//                            its one "__Z80LM_PAGE_DATA__" placeholder with the program and model.
//   dist/index.html          build/web/index.html, the examples' site.
// `node build.mjs --out DIR` writes them to DIR instead (the test compares those with dist/).
// The output depends only on the sources and the locked packages: nobody edits dist/ by hand.
import * as esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const outIndex = process.argv.indexOf("--out");
const outDir = outIndex > 0 ? path.resolve(process.argv[outIndex + 1]) : path.join(here, "dist");
const read = (p) => fs.readFileSync(path.join(here, p), "utf8");
const escapeHtml = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function fill(template, marker, text) {
  const parts = template.split(marker);
  if (parts.length !== 2) throw new Error(`build.mjs: ${marker} must occur exactly once`);
  return parts[0] + text + parts[1];
}

const bundle = await esbuild.build({
  entryPoints: [path.join(here, "src/page.js")],
  bundle: true,
  format: "iife",
  target: "es2020",
  minify: true,
  legalComments: "none",
  write: false,
  logLevel: "warning",
});
const js = bundle.outputFiles[0].text.trim();
if (/<\/script|<!--/i.test(js)) throw new Error("build.mjs: the bundle contains </script or <!--");

const licenses = [
  ["z80-emulator", "node_modules/z80-emulator/LICENSE"],
  ["z80-base", "node_modules/z80-base/LICENSE"],
]
  .map(([name, file]) => {
    const version = JSON.parse(read(path.join(path.dirname(file), "package.json"))).version;
    return `${name} ${version} (the Z80 core of this page):\n${read(file).trim()}`;
  })
  .join("\n\n");
const css = read("src/page.css").trim();
let page = read("src/page.html");
page = fill(page, "/*@CSS@*/", css);
page = fill(page, "/*@LICENSES@*/", escapeHtml(licenses + "\n\nz80lm itself: MIT OR Apache-2.0."));
page = fill(page, "/*@JS@*/", js);
if (page.split('"__Z80LM_PAGE_DATA__"').length !== 2) throw new Error("build.mjs: the data placeholder must occur once");
const index = fill(read("src/index.html"), "/*@CSS@*/", css);

fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, "page_template.html"), page);
fs.writeFileSync(path.join(outDir, "index.html"), index);
console.log(`wrote ${path.join(outDir, "page_template.html")} (${page.length} bytes) and index.html`);
