// web_page.h — `z80lm export -t web`: a model's CP/M program as one self-contained HTML page.
//
//   BuiltProgram p = export_program(model, {.target = "web", .engine = "fast"});   // a CP/M program
//   write_file_atomic("CHAT.html", web_page(p.binary, web_page_info(model, "CHAT", "fast")));
//
// The page is the committed template web/dist/page_template.html (HTML, CSS and the bundled
// JavaScript: npm's z80-emulator core, the CP/M console machine of web/src/cpm_machine.js and the
// terminal; made by `npm run build` in web/ and compiled into z80lm by CMake) with its one
// placeholder replaced by a JSON object: the program's bytes in base64 and an "about this model"
// description. The page needs no network and no server: it works from file://.
// Invariants: the embedded bytes are exactly the .COM that `-t cpm` writes with the same options;
// the JSON is escaped so that no "</" or "<!--" can end or confuse the <script> element holding it
// (untrusted provenance text stays text). Throws z80lm::Error if the template lacks the
// placeholder (a broken build).
// Not modelled: anything but CP/M programs (the page is a CP/M machine).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "model/model.h"

namespace z80lm::web {

inline constexpr std::string_view kPageDataPlaceholder = "\"__Z80LM_PAGE_DATA__\"";
inline constexpr int kPageDataVersion = 1;  // "version" in the page data; the page checks it

// The JSON object describing the model and how it was exported, for the page's about panel.
std::string web_page_info(const Model& m, std::string_view program_name, std::string_view engine);

// The page: the template with the program and `info_json` (web_page_info) filled in.
std::string web_page(std::span<const uint8_t> program, const std::string& info_json);

// The template compiled into the binary (generated from web/dist/page_template.html).
std::string_view web_page_template();

}  // namespace z80lm::web
