#include "core/failpoint.hpp"

#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace sluice {

namespace {

struct armed {
  std::string name;
  long count = 1;
  armed() {
    const char* env = std::getenv("SLUICE_FAILPOINT");
    if (!env || !*env)
      return;
    std::string s = env;
    auto colon = s.find(':');
    name = s.substr(0, colon);
    if (colon != std::string::npos)
      count = std::strtol(s.c_str() + colon + 1, nullptr, 10);
    if (count < 1)
      count = 1;
  }
};

const armed& config() {
  static const armed a;
  return a;
}

std::atomic<long> hits{0};

} // namespace

void failpoint(const char* name) {
  auto& a = config();
  if (a.name.empty() || a.name != name)
    return;
  if (hits.fetch_add(1) + 1 == a.count) {
    std::fprintf(stderr, "failpoint %s reached (hit %ld): aborting\n", name, a.count);
    std::fflush(stderr);
    rlimit no_core{0, 0}; // a deliberate crash leaves no core file behind
    setrlimit(RLIMIT_CORE, &no_core);
    std::abort();
  }
}

} // namespace sluice
