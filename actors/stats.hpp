/// The end-of-run summary: log lines and the optional JSON stats file.
#pragma once

#include <string>
#include <vector>

#include "actors/messages.hpp"
#include "flow/gauge.hpp"
#include "plan/prepare.hpp"

namespace sluice::actors {

/// Records in flight can never exceed this on a node: every input channel
/// holds at most `credits` batches, and every instance with outputs at most
/// one batch waiting for credit.
int64_t in_flight_bound(const plan::prepared& prep);

void write_summary(const plan::prepared& prep, const std::vector<instance_report>& reports,
                   const flow::gauge& in_flight, const std::string& stats_file, int exit_code,
                   uint32_t restarts = 0);

} // namespace sluice::actors
