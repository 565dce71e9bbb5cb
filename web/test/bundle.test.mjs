// bundle.test.mjs — web/dist/ (committed, compiled into z80lm) is exactly what `npm run build`
// makes from web/src and the locked packages: nobody edits the generated page by hand, and no
// source change is left out of it. On a failure: cd web && npm run build, and commit web/dist.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { scratchDir, webDir } from "./support.mjs";

test("web/dist is what npm run build makes from web/src", () => {
  const out = scratchDir("web_bundle");
  execFileSync(process.execPath, [path.join(webDir, "build.mjs"), "--out", out], { stdio: "pipe" });
  for (const name of ["page_template.html", "index.html"]) {
    const built = fs.readFileSync(path.join(out, name), "utf8");
    const committed = fs.readFileSync(path.join(webDir, "dist", name), "utf8");
    assert.ok(built === committed, `web/dist/${name} is stale or edited by hand: run \`npm run build\` in web/ and commit it`);
  }
});

test("the page template holds one data placeholder, the license notice, and no external resource", () => {
  const page = fs.readFileSync(path.join(webDir, "dist", "page_template.html"), "utf8");
  assert.equal(page.split('"__Z80LM_PAGE_DATA__"').length, 2);
  assert.match(page, /z80-emulator [\d.]+ \(the Z80 core of this page\):\nMIT License\n\nCopyright \(c\) 2019 Lawrence Kesteloot/);
  assert.match(page, /Content-Security-Policy" content="default-src 'none'/);
  assert.doesNotMatch(page, /<(script|link|img|iframe)[^>]+(src|href)=/i);
  assert.doesNotMatch(page, /https?:\/\//);
});
