#include "actors/stats.hpp"

#include <algorithm>
#include <fstream>
#include <map>

#include <spdlog/spdlog.h>

namespace sluice::actors {

int64_t in_flight_bound(const plan::prepared& prep) {
  auto& p = prep.pipeline;
  int64_t bound = 0;
  for (size_t s = 0; s < p.stages.size(); ++s) {
    auto& sp = prep.physical.stages[s];
    for (auto& chans : sp.channels)
      bound += static_cast<int64_t>(chans.size()) * p.credits * p.batch_size;
    if (!sp.out_edges.empty())
      bound += static_cast<int64_t>(p.stages[s].parallelism) * p.batch_size;
  }
  return bound;
}

namespace {

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\')
      o += '\\', o += c;
    else if (static_cast<unsigned char>(c) < 0x20)
      o += ' ';
    else
      o += c;
  }
  return o;
}

template <class Map>
std::string json_map(const Map& m) {
  std::string o = "{";
  for (auto& [k, v] : m)
    o += (o.size() > 1 ? "," : "") + std::string{"\""} + json_escape(k) + "\":" + std::to_string(v);
  return o + "}";
}

} // namespace

void write_summary(const plan::prepared& prep, const std::vector<instance_report>& reports,
                   const flow::gauge& in_flight, const std::string& stats_file, int exit_code,
                   uint32_t restarts) {
  auto sorted = reports;
  std::sort(sorted.begin(), sorted.end(), [&](auto& a, auto& b) {
    auto ia = prep.pipeline.index_of(a.stage), ib = prep.pipeline.index_of(b.stage);
    return ia != ib ? ia < ib : a.index < b.index;
  });
  for (auto& r : sorted) {
    std::string extra;
    for (auto& [k, v] : r.counters)
      extra += ", " + k + " " + std::to_string(v);
    spdlog::info("{}#{} ({}): {} records in, {} out{}", r.stage, r.index, r.plugin, r.records_in, r.records_out,
                 extra);
  }
  auto bound = in_flight_bound(prep);
  spdlog::info("records in flight: at most {} (bound {})", in_flight.max(), bound);
  if (stats_file.empty())
    return;
  std::ofstream out{stats_file};
  out << "{\"pipeline\":\"" << json_escape(prep.pipeline.name) << "\",\"node\":\"" << json_escape(prep.pipeline.node)
      << "\",\"exit_code\":" << exit_code << ",\"restarts\":" << restarts << ",\"batch_size\":" << prep.pipeline.batch_size
      << ",\"credits\":" << prep.pipeline.credits << ",\"in_flight_max\":" << in_flight.max()
      << ",\"in_flight_bound\":" << bound << ",\"instances\":[";
  for (size_t i = 0; i < sorted.size(); ++i) {
    auto& r = sorted[i];
    out << (i ? "," : "") << "{\"stage\":\"" << json_escape(r.stage) << "\",\"index\":" << r.index
        << ",\"plugin\":\"" << json_escape(r.plugin) << "\",\"records_in\":" << r.records_in
        << ",\"records_out\":" << r.records_out << ",\"batches_in\":" << r.batches_in
        << ",\"max_queued_records\":" << r.max_queued_records << ",\"counters\":" << json_map(r.counters)
        << ",\"gauges\":" << json_map(r.gauges) << "}";
  }
  out << "]}\n";
  if (!out)
    spdlog::error("could not write the stats file {}", stats_file);
}

} // namespace sluice::actors
