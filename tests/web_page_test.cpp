// web_page_test.cpp — `z80lm export -t web`: base64, the page data, escaping, and the CLI writing
// a page that holds exactly the bytes `-t cpm` writes. (The page running them is tested with
// Node and Chromium: web/test/*.test.mjs.)
#include "web/web_page.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/model_file.h"
#include "test_models.h"
#include "test_support.h"
#include "util/file_io.h"
#include "web/base64.h"

namespace z80lm {
namespace {

std::vector<uint8_t> bytes_of(std::string_view s) {
  return {s.begin(), s.end()};
}

// The JSON between <script id="z80lm-data" type="application/json"> and </script>.
nlohmann::json page_data(const std::string& page) {
  const std::string open = R"(<script id="z80lm-data" type="application/json">)";
  const size_t begin = page.find(open);
  EXPECT_NE(begin, std::string::npos);
  const size_t end = page.find("</script>", begin);
  return nlohmann::json::parse(page.substr(begin + open.size(), end - begin - open.size()));
}

TEST(WebBase64, Rfc4648Vectors) {
  EXPECT_EQ(web::base64_encode(bytes_of("")), "");
  EXPECT_EQ(web::base64_encode(bytes_of("f")), "Zg==");
  EXPECT_EQ(web::base64_encode(bytes_of("fo")), "Zm8=");
  EXPECT_EQ(web::base64_encode(bytes_of("foo")), "Zm9v");
  EXPECT_EQ(web::base64_encode(bytes_of("foob")), "Zm9vYg==");
  EXPECT_EQ(web::base64_encode(bytes_of("fooba")), "Zm9vYmE=");
  EXPECT_EQ(web::base64_encode(bytes_of("foobar")), "Zm9vYmFy");
  EXPECT_EQ(web::base64_encode(std::vector<uint8_t>{0xFF, 0xFE, 0x00}), "//4A");
}

TEST(WebPage, TemplateHasOnePlaceholderAndTheZ80Core) {
  const std::string_view t = web::web_page_template();
  const size_t at = t.find(web::kPageDataPlaceholder);
  ASSERT_NE(at, std::string_view::npos);
  EXPECT_EQ(t.find(web::kPageDataPlaceholder, at + 1), std::string_view::npos);
  EXPECT_NE(t.find("z80-emulator"), std::string_view::npos);
  EXPECT_NE(t.find("MIT License"), std::string_view::npos);
}

TEST(WebPage, DataHoldsTheProgramAndTheModel) {
  const Model m = test::random_model(7, {16}, "HIYESNO");
  const std::vector<uint8_t> program = {0xC3, 0x00, 0x01, 0x3C, 0x00};
  const std::string page = web::web_page(program, web::web_page_info(m, "CHAT", "compact"));
  const nlohmann::json data = page_data(page);
  EXPECT_EQ(data["format"], "z80lm-web");
  EXPECT_EQ(data["version"], web::kPageDataVersion);
  EXPECT_EQ(data["program"], web::base64_encode(program));
  EXPECT_EQ(data["program_bytes"], program.size());
  EXPECT_EQ(data["model"]["name"], "CHAT");
  EXPECT_EQ(data["model"]["engine"], "compact");
  EXPECT_EQ(data["model"]["architecture"], "256 -> 16 -> 8");
  EXPECT_EQ(data["model"]["parameters"], m.parameter_count());
  EXPECT_EQ(data["model"]["provenance"]["source"], "test random_model");
  EXPECT_EQ(page.find(web::kPageDataPlaceholder), std::string::npos);
}

TEST(WebPage, UntrustedProvenanceCannotEndTheScriptElement) {
  Model m = test::random_model(7, {16}, "HIYESNO");
  m.provenance = R"({"source":"</script><script>alert(1)</script><!--"})";
  const std::string page = web::web_page({}, web::web_page_info(m, "X", "compact"));
  EXPECT_EQ(page.find("alert(1)</script>"), std::string::npos);
  EXPECT_EQ(page.find("<!--\"}"), std::string::npos);
  EXPECT_EQ(page_data(page)["model"]["provenance"]["source"], "</script><script>alert(1)</script><!--");
  m.provenance = "not json </script>";  // kept as text
  EXPECT_EQ(
      page_data(web::web_page({}, web::web_page_info(m, "X", "compact")))["model"]["provenance"]["text"],
      "not json </script>");
}

// The v2 example and an encoding-v3 model (NET_IN2): the page holds the CP/M program's bytes.
TEST(WebPage, ExportWritesThePageWithTheCpmProgramsBytes) {
  test::TempDir dir;
  save_model(dir.file("v3.zlm"), test::random_model(7, {24, 12}, "HIYESNO ", Encoding::v3));
  for (const std::string& model :
       {std::string(Z80LM_SOURCE_DIR) + "/examples/tinychat/model.zlm", dir.file("v3.zlm")}) {
    SCOPED_TRACE(model);
    const auto com = test::run_cli("export '" + model + "' --engine fast -o '" + dir.file("T.COM") + "'");
    ASSERT_EQ(com.exit_code, 0) << com.out;
    const auto web =
        test::run_cli("export '" + model + "' --engine fast -t web -o '" + dir.file("tiny.html") + "'");
    ASSERT_EQ(web.exit_code, 0) << web.out;
    EXPECT_NE(web.out.find("open "), std::string::npos) << web.out;
    const std::string bytes = read_file(dir.file("T.COM"));
    const nlohmann::json data = page_data(read_file(dir.file("tiny.html")));
    EXPECT_EQ(data["program"], web::base64_encode(bytes_of(bytes)));
    EXPECT_EQ(data["model"]["name"], "TINY");
    EXPECT_EQ(data["model"]["engine"], "fast");
  }
}

}  // namespace
}  // namespace z80lm
