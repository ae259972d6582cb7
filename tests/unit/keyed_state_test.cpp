#define BOOST_TEST_MODULE keyed state
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sluice/keyed_state.hpp"
#include "state/keyed.hpp"
#include "state/store.hpp"
#include "support/state_helpers.hpp"

namespace fs = std::filesystem;
using sluice::status;
using namespace sluice::state;

using sluice::test::ok;
using sluice::test::scratch;

namespace {



std::shared_ptr<store> open_ok(const std::string& dir) {
  auto r = store::open(dir);
  BOOST_TEST_REQUIRE(bool(r), (r ? "" : r.message()));
  return std::shared_ptr<store>(std::move(*r));
}

/// The value of `key`, "<none>" if it has none.
std::string get(const keyed_state& k, const std::string& key) {
  auto r = k.get(key);
  BOOST_TEST_REQUIRE(bool(r), (r ? "" : r.message()));
  return *r ? **r : "<none>";
}

/// "k=v " for every key under `prefix`, in scan order.
std::string scan(const keyed_state& k, const std::string& prefix = {}, size_t limit = 100) {
  std::string out;
  size_t n = 0;
  auto st = k.scan(prefix, [&](std::string_view key, std::string_view value) {
    out += std::string(key) + "=" + std::string(value) + " ";
    return ++n < limit;
  });
  BOOST_TEST_REQUIRE(ok(st));
  return out;
}

/// What a checkpoint cycle does: stage at the instance, commit in the store, tell the instance.
void checkpoint_and_commit(store& s, keyed_state& k, int64_t epoch) {
  BOOST_TEST_REQUIRE(ok(k.stage(epoch)));
  BOOST_TEST_REQUIRE(ok(s.commit(epoch)));
  k.committed(epoch);
}

} // namespace

BOOST_AUTO_TEST_CASE(writes_are_read_back_at_once_within_an_epoch) {
  scratch tmp;
  auto s = open_ok(tmp.dir());
  keyed_state k(s, "dedupe#0");
  BOOST_TEST(get(k, "a") == "<none>");
  k.put("a", "1");
  BOOST_TEST(get(k, "a") == "1");
  k.put("a", "2");
  BOOST_TEST(get(k, "a") == "2");
  k.erase("a");
  BOOST_TEST(get(k, "a") == "<none>");
  BOOST_TEST(!s->keyed_get("dedupe#0", "a")->has_value()); // nothing reached the store
}

BOOST_AUTO_TEST_CASE(staged_but_uncommitted_writes_stay_visible_to_their_instance) {
  scratch tmp;
  auto s = open_ok(tmp.dir());
  keyed_state k(s, "dedupe#0");
  k.put("a", "1");
  BOOST_TEST_REQUIRE(ok(k.stage(1)));
  BOOST_TEST(k.unstaged() == 0u);
  BOOST_TEST(k.staged_epochs() == 1u);
  BOOST_TEST(get(k, "a") == "1");
  BOOST_TEST(!s->keyed_get("dedupe#0", "a")->has_value());
  BOOST_TEST_REQUIRE(ok(s->commit(1)));
  BOOST_TEST(s->keyed_get("dedupe#0", "a")->value() == "1");
  k.committed(1);
  BOOST_TEST(k.staged_epochs() == 0u);
  BOOST_TEST(get(k, "a") == "1"); // now from the store
}

BOOST_AUTO_TEST_CASE(a_deletion_hides_the_committed_value_and_commits_as_one) {
  scratch tmp;
  auto s = open_ok(tmp.dir());
  keyed_state k(s, "dedupe#0");
  k.put("a", "1");
  checkpoint_and_commit(*s, k, 1);
  k.erase("a");
  BOOST_TEST(get(k, "a") == "<none>");
  BOOST_TEST(scan(k) == "");
  BOOST_TEST_REQUIRE(ok(k.stage(2)));
  BOOST_TEST(get(k, "a") == "<none>");
  BOOST_TEST(s->keyed_get("dedupe#0", "a")->value() == "1"); // epoch 2 is not committed yet
  BOOST_TEST_REQUIRE(ok(s->commit(2)));
  k.committed(2);
  BOOST_TEST(!s->keyed_get("dedupe#0", "a")->has_value());
  BOOST_TEST(get(k, "a") == "<none>");
}

BOOST_AUTO_TEST_CASE(a_commit_of_several_epochs_applies_them_in_epoch_order) {
  scratch tmp;
  auto s = open_ok(tmp.dir());
  keyed_state k(s, "dedupe#0");
  k.put("a", "1");
  k.put("b", "1");
  BOOST_TEST_REQUIRE(ok(k.stage(1)));
  k.put("a", "2");
  k.erase("b");
  BOOST_TEST_REQUIRE(ok(k.stage(2)));
  BOOST_TEST(scan(k) == "a=2 ");
  auto epochs = s->epochs();
  BOOST_TEST_REQUIRE(bool(epochs), (epochs ? "" : epochs.message())); // keyed entries are not instances
  BOOST_TEST(epochs->size() == 2u);
  BOOST_TEST((*epochs)[0].instances == 0u);
  BOOST_TEST_REQUIRE(ok(s->commit(2)));
  k.committed(2);
  BOOST_TEST(s->keyed_get("dedupe#0", "a")->value() == "2");
  BOOST_TEST(!s->keyed_get("dedupe#0", "b")->has_value());
  BOOST_TEST(s->committed_states()->empty()); // keyed state is not an instance's snapshot
  BOOST_TEST(s->epochs()->size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_scan_merges_the_layers_in_key_order_and_deletions_hide_lower_ones) {
  scratch tmp;
  auto s = open_ok(tmp.dir());
  keyed_state k(s, "dedupe#0");
  for (auto key : {"a", "c", "e", "g", "x1"})
    k.put(key, std::string("committed-") + key);
  checkpoint_and_commit(*s, k, 1);
  k.put("b", "staged");
  k.put("c", "staged");
  k.erase("g");
  BOOST_TEST_REQUIRE(ok(k.stage(2))); // staged, not committed
  k.put("a", "new");
  k.put("d", "new");
  k.erase("e");
  k.put("g", "new");
  BOOST_TEST(scan(k) == "a=new b=staged c=staged d=new g=new x1=committed-x1 ");
  BOOST_TEST(scan(k, "x") == "x1=committed-x1 ");
  BOOST_TEST(scan(k, "c") == "c=staged ");
  BOOST_TEST(scan(k, "", 2) == "a=new b=staged "); // the visitor stops it
  BOOST_TEST(scan(k, "zz") == "");
}

BOOST_AUTO_TEST_CASE(writes_during_a_scan_leave_that_scan_alone) {
  scratch tmp;
  auto s = open_ok(tmp.dir());
  keyed_state k(s, "dedupe#0");
  k.put("a", "1");
  k.put("b", "2");
  checkpoint_and_commit(*s, k, 1);
  k.put("c", "3");
  std::string seen;
  auto st = k.scan("", [&](std::string_view key, std::string_view) {
    seen += std::string(key);
    k.erase(key);
    k.put("z", "new");
    return true;
  });
  BOOST_TEST_REQUIRE(ok(st));
  BOOST_TEST(seen == "abc");
  BOOST_TEST(scan(k) == "z=new ");
}

BOOST_AUTO_TEST_CASE(after_a_crash_only_committed_values_remain) {
  scratch tmp;
  {
    auto s = open_ok(tmp.dir());
    keyed_state k(s, "dedupe#0");
    k.put("a", "committed");
    k.put("b", "committed");
    checkpoint_and_commit(*s, k, 1);
    k.put("a", "staged");
    k.erase("b");
    k.put("c", "staged");
    BOOST_TEST_REQUIRE(ok(k.stage(2)));
    k.put("d", "unstaged");
  }
  auto s = open_ok(tmp.dir());
  BOOST_TEST(s->committed_epoch() == 1);
  BOOST_TEST_REQUIRE(ok(s->drop_uncommitted()));
  BOOST_TEST(s->epochs()->size() == 1u);
  keyed_state k(s, "dedupe#0");
  BOOST_TEST(scan(k) == "a=committed b=committed ");
  BOOST_TEST_REQUIRE(ok(s->commit(2))); // a later epoch 2 must not resurrect the dropped writes
  BOOST_TEST(get(k, "c") == "<none>");
}

BOOST_AUTO_TEST_CASE(namespaces_are_isolated_even_when_one_is_a_prefix_of_another) {
  scratch tmp;
  auto s = open_ok(tmp.dir());
  keyed_state one(s, "a#1"), ten(s, "a#10");
  one.put("0x", "one");
  ten.put("x", "ten");
  BOOST_TEST_REQUIRE(ok(one.stage(1)));
  BOOST_TEST_REQUIRE(ok(ten.stage(1)));
  BOOST_TEST_REQUIRE(ok(s->commit(1)));
  one.committed(1);
  ten.committed(1);
  BOOST_TEST(scan(one) == "0x=one ");
  BOOST_TEST(scan(ten) == "x=ten ");
  BOOST_TEST(get(one, "x") == "<none>");
  BOOST_TEST(get(ten, "0x") == "<none>");
  keyed_state other(s, "a#");
  BOOST_TEST(scan(other) == "");
}

BOOST_AUTO_TEST_CASE(staging_for_an_epoch_already_committed_is_refused_and_keeps_the_writes) {
  scratch tmp;
  auto s = open_ok(tmp.dir());
  keyed_state k(s, "dedupe#0");
  k.put("a", "1");
  checkpoint_and_commit(*s, k, 3);
  k.put("b", "2");
  auto st = k.stage(2);
  BOOST_TEST(st.failed());
  BOOST_TEST(k.unstaged() == 1u);
  BOOST_TEST(get(k, "b") == "2");
}

BOOST_AUTO_TEST_CASE(without_a_store_it_is_a_map_in_memory) {
  keyed_state k(nullptr, "dedupe#0");
  k.put("b", "2");
  k.put("a", "1");
  k.erase("missing");
  BOOST_TEST(scan(k) == "a=1 b=2 ");
  BOOST_TEST_REQUIRE(ok(k.stage(1))); // nothing to stage to: the writes stay
  k.committed(1);
  k.erase("a");
  BOOST_TEST(get(k, "a") == "<none>");
  BOOST_TEST(get(k, "b") == "2");
  BOOST_TEST(k.unstaged() == 1u); // a deletion leaves nothing behind
}

namespace {

/// A host whose state services are a keyed_state without a store; "fail" as a key fails.
struct fake_host {
  keyed_state k{nullptr, "t#0"};
  std::string value;
  sluice_host host{};
  fake_host() {
    host.ctx = this;
    host.state_get = [](void* c, const char* key, size_t n, sluice_bytes* out) {
      auto self = static_cast<fake_host*>(c);
      if (std::string_view(key, n) == "fail")
        return -1;
      auto v = self->k.get({key, n});
      if (!*v)
        return 0;
      self->value = **v;
      *out = {self->value.data(), self->value.size()};
      return 1;
    };
    host.state_put = [](void* c, const char* key, size_t n, const char* v, size_t vn) {
      static_cast<fake_host*>(c)->k.put({key, n}, {v, vn});
      return 0;
    };
    host.state_delete = [](void* c, const char* key, size_t n) {
      static_cast<fake_host*>(c)->k.erase({key, n});
      return 0;
    };
    host.state_scan = [](void* c, const char* p, size_t n, void* user,
                         int (*visit)(void*, const char*, size_t, const char*, size_t)) {
      auto st = static_cast<fake_host*>(c)->k.scan({p, n}, [&](std::string_view key, std::string_view v) {
        return visit(user, key.data(), key.size(), v.data(), v.size()) == 0;
      });
      return st ? 0 : -1;
    };
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(the_sdk_class_speaks_the_c_services) {
  fake_host h;
  sluice::keyed_state sdk(&h.host);
  sdk.put("b", std::string("\0two", 4));
  sdk.put("a", "one");
  sdk.put("c", "three");
  sdk.erase("c");
  BOOST_TEST(sdk.get("b").value() == std::string("\0two", 4));
  BOOST_TEST(!sdk.get("c"));
  std::string seen;
  auto collect = [&](std::string_view k, std::string_view) {
    seen += std::string(k);
    return true;
  };
  sdk.scan("", collect); // an lvalue visitor
  BOOST_TEST(seen == "ab");
  BOOST_CHECK_THROW(sdk.get("fail"), sluice::stage_error);
  BOOST_CHECK_THROW(sdk.scan("", [](std::string_view, std::string_view) -> bool { throw std::logic_error("mine"); }),
                    std::logic_error); // the visitor's own exception, carried over the C boundary
}

BOOST_AUTO_TEST_CASE(the_sdk_class_says_so_when_the_host_predates_keyed_state) {
  sluice_host old{};
  sluice::keyed_state sdk(&old);
  try {
    sdk.get("a");
    BOOST_FAIL("no exception");
  } catch (const sluice::stage_error& e) {
    BOOST_TEST(std::string(e.what()).find("predates keyed state") != std::string::npos, e.what());
  }
}
