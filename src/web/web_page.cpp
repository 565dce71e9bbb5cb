#include "web/web_page.h"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "text/charset.h"
#include "util/error.h"
#include "web/base64.h"
#include "z80/exporter.h"

namespace z80lm::web {

namespace {

// JSON text safe inside <script type="application/json">: "<" never appears raw, so neither
// "</script>" nor "<!--" can occur. JSON readers decode \u003c back to "<".
std::string script_safe(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    if (c == '<')
      out += "\\u003c";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string web_page_info(const Model& m, std::string_view program_name, std::string_view engine) {
  nlohmann::json layers = nlohmann::json::array();
  for (const Layer& layer : m.layers) layers.push_back({{"in", layer.n_in}, {"out", layer.n_out}});
  size_t counts[4] = {};
  for (const Layer& layer : m.layers)
    for (int8_t c : layer.w) ++counts[c + 2];
  nlohmann::json provenance = nlohmann::json::object();
  if (!m.provenance.empty()) {
    provenance = nlohmann::json::parse(m.provenance, nullptr, /*allow_exceptions=*/false);
    if (provenance.is_discarded()) provenance = {{"text", m.provenance}};
  }
  nlohmann::json info = {
      {"name", std::string(program_name)},
      {"engine", std::string(engine)},
      {"architecture", z80::layer_widths_text(m)},
      {"layers", layers},
      {"parameters", m.parameter_count()},
      {"nonzero_weights", m.nonzero_weights()},
      {"weight_codes", {{"-2", counts[0]}, {"-1", counts[1]}, {"0", counts[2]}, {"+1", counts[3]}}},
      {"charset", charset_display(m.charset)},
      {"symbols", m.charset.size()},
      {"provenance", provenance},
      {"z80lm_version", Z80LM_VERSION},
  };
  return info.dump(-1, ' ', /*ensure_ascii=*/true, nlohmann::json::error_handler_t::replace);
}

std::string web_page(std::span<const uint8_t> program, const std::string& info_json) {
  const std::string_view page = web_page_template();
  const size_t at = page.find(kPageDataPlaceholder);
  if (at == std::string_view::npos || page.find(kPageDataPlaceholder, at + 1) != std::string_view::npos)
    throw Error("the web page template does not hold exactly one data placeholder",
                "rebuild it with `npm run build` in web/ and rebuild z80lm");
  nlohmann::json data = {
      {"format", "z80lm-web"},
      {"version", kPageDataVersion},
      {"program", base64_encode(program)},
      {"program_bytes", program.size()},
      {"model", nlohmann::json::parse(info_json)},
  };
  const std::string json = script_safe(data.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace));
  std::string out;
  out.reserve(page.size() + json.size());
  out.append(page.substr(0, at));
  out.append(json);
  out.append(page.substr(at + kPageDataPlaceholder.size()));
  return out;
}

}  // namespace z80lm::web
