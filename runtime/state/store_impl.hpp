/// Opening a store on a given rocksdb::Env (private to runtime/state: tests inject faults).
#pragma once

#include <memory>
#include <string>

#include "state/store.hpp"

namespace rocksdb {
class Env;
}

namespace sluice::state {

/// store::open with `env` for all file access (nullptr: the default Env). The store keeps
/// `env` alive as long as it is open.
result<std::unique_ptr<store>> open_with_env(const std::string& dir, const store_options& opts,
                                             std::shared_ptr<rocksdb::Env> env);

} // namespace sluice::state
