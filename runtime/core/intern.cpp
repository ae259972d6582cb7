#include "core/intern.hpp"

#include <mutex>
#include <set>
#include <string>

namespace sluice {

const char* intern(std::string_view s) {
  static std::mutex mu;
  static std::set<std::string, std::less<>> pool; // nodes never move
  std::lock_guard lock(mu);
  auto it = pool.find(s);
  if (it == pool.end())
    it = pool.emplace(s).first;
  return it->c_str();
}

} // namespace sluice
