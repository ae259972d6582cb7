#define BOOST_TEST_MODULE abi
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "plugin/loader.hpp"
#include "support/process.hpp"

using namespace sluice;

namespace {

std::string so(const std::string& name) { return test::test_plugins() + "/" + name + ".so"; }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// The message of a library that must be refused.
std::string refusal(const std::string& path) {
  auto r = plugin::open_library(path);
  BOOST_TEST_REQUIRE(!r, path << " was loaded but should be refused");
  return r.message();
}

std::string host_abi() {
  return std::to_string(SLUICE_ABI_MAJOR) + "." + std::to_string(SLUICE_ABI_MINOR);
}

} // namespace

BOOST_AUTO_TEST_CASE(a_library_of_another_major_version_is_refused_naming_both_versions) {
  auto m = refusal(so("wrong-major"));
  BOOST_TEST(contains(m, so("wrong-major")), m);
  BOOST_TEST(contains(m, "ABI 2.0"), m);
  BOOST_TEST(contains(m, "supports ABI " + host_abi()), m);
  BOOST_TEST(contains(m, "rebuild it against this sluice's SDK"), m);
}

BOOST_AUTO_TEST_CASE(a_library_of_a_newer_minor_version_is_refused) {
  auto m = refusal(so("newer-minor"));
  BOOST_TEST(contains(m, so("newer-minor")), m);
  BOOST_TEST(contains(m, "ABI 1." + std::to_string(SLUICE_ABI_MINOR + 1)), m);
  BOOST_TEST(contains(m, "supports ABI " + host_abi()), m);
}

BOOST_AUTO_TEST_CASE(a_library_without_the_entry_symbol_is_refused_naming_it) {
  auto m = refusal(so("no-entry"));
  BOOST_TEST(contains(m, so("no-entry")), m);
  BOOST_TEST(contains(m, "does not export sluice_plugin_entry"), m);
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_library_is_refused_with_the_loader_reason) {
  test::temp_dir dir;
  auto path = dir / "garbage.so";
  test::write_file(path, "this is not an ELF file\n");
  auto m = refusal(path);
  BOOST_TEST(m.rfind("cannot load plugin " + path + ": ", 0) == 0u, m);
}

BOOST_AUTO_TEST_CASE(a_refusal_reaches_the_user_through_the_registry) {
  plugin::registry reg{plugin::exe_dir()};
  auto r = reg.resolve(so("wrong-major") + "#anything");
  BOOST_TEST_REQUIRE(!r);
  BOOST_TEST(contains(r.message(), "ABI 2.0"), r.message());
  BOOST_TEST(contains(r.message(), "supports ABI " + host_abi()), r.message());
}

BOOST_AUTO_TEST_CASE(a_library_with_the_host_abi_loads_and_lists_its_stages) {
  auto r = plugin::open_library(so("test-stages"));
  BOOST_TEST_REQUIRE(bool(r), (r ? std::string{} : r.message()));
  auto& lib = **r;
  BOOST_TEST(lib.path() == so("test-stages"));
  BOOST_TEST(lib.desc().abi_major == uint32_t{SLUICE_ABI_MAJOR});
  BOOST_TEST(lib.desc().abi_minor == uint32_t{SLUICE_ABI_MINOR});
  BOOST_TEST(lib.desc().struct_size == uint32_t{sizeof(sluice_plugin_desc)});
  BOOST_TEST(std::string{lib.desc().library_name} == "test-stages");
  std::vector<std::string> listed;
  for (auto s : lib.stages())
    listed.push_back(std::string{s->name} + " " + plugin::kind_name(s->kind) + " " + s->version);
  BOOST_TEST(listed == (std::vector<std::string>{"seq-source source 1.0.0", "slow-sink sink 1.0.0",
                                                 "failing-transform transform 1.0.0",
                                                 "throttle transform 1.0.0"}),
             boost::test_tools::per_element());
  for (auto s : lib.stages()) {
    BOOST_TEST(s->state_schema_version == 1u);
    BOOST_TEST(s->struct_size == uint32_t{sizeof(sluice_stage_desc)});
  }
  BOOST_TEST(lib.find_stage("slow-sink") == lib.stages()[1]);
  BOOST_TEST(lib.find_stage("nope") == nullptr);
  BOOST_TEST(lib.find_stage("") == nullptr); // several stages: none is "the only one"
  auto seq = lib.find_stage("seq-source");
  BOOST_TEST_REQUIRE(seq != nullptr);
  BOOST_TEST(seq->option_count == 2u);
  BOOST_TEST(std::string{seq->options[0].key} == "count");
  BOOST_TEST(seq->poll != nullptr);
  BOOST_TEST(seq->process == nullptr);
}

BOOST_AUTO_TEST_CASE(kind_names_cover_every_kind) {
  BOOST_TEST(std::string{plugin::kind_name(SLUICE_KIND_SOURCE)} == "source");
  BOOST_TEST(std::string{plugin::kind_name(SLUICE_KIND_TRANSFORM)} == "transform");
  BOOST_TEST(std::string{plugin::kind_name(SLUICE_KIND_SINK)} == "sink");
  BOOST_TEST(std::string{plugin::kind_name(99)} == "unknown");
}
