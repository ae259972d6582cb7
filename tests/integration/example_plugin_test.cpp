#define BOOST_TEST_MODULE out-of-tree example plugin
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "support/process.hpp"

using namespace sluice::test;

BOOST_AUTO_TEST_CASE(the_example_plugin_builds_with_only_pkg_config_and_runs_in_a_pipeline) {
  temp_dir t;
  namespace fs = std::filesystem;
  fs::copy(source_root() + "/examples/plugins/add-field", t / "add-field");
  // Only pkg-config knows where the SDK is: point it at the build tree's sluice.pc.
  setenv("PKG_CONFIG_PATH", (build_root() + "/runtime").c_str(), 1);
  auto built = run({"make", "-C", t / "add-field"});
  BOOST_REQUIRE_MESSAGE(built.exit_code == 0, built.out + built.err);
  BOOST_TEST(built.out.find("-I" + source_root() + "/runtime/include") != std::string::npos, built.out);

  setenv("ADD_FIELD_SO", (t / "add-field/add-field.so").c_str(), 1);
  auto o = run_sluice({"run", "--config", t / "add-field/pipeline.toml"});
  BOOST_TEST(o.exit_code == 0, o.err);
  std::istringstream lines{o.out};
  size_t n = 0;
  for (std::string l; std::getline(lines, l); ++n) {
    BOOST_TEST(l.rfind("{\"id\":", 0) == 0u, l);
    BOOST_TEST(l.size() > 20u);
    BOOST_TEST(l.substr(l.size() - 20) == ",\"origin\":\"example\"}", l);
  }
  BOOST_TEST(n == 5u);
  auto info = run_sluice({"inspect", t / "add-field/add-field.so"});
  BOOST_TEST(info.exit_code == 0);
  BOOST_TEST(info.out.find("stage add-field") != std::string::npos);
}
