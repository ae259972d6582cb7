/// Atoms and message types exchanged by the actors of one node.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "flow/batch.hpp"
#include "plugin/loader.hpp"
#include "plugin/options.hpp"

namespace sluice::actors {

/// Upstream introduces itself on a channel: (hello, channel, edge, destination, its stage, its index).
using hello_atom = caf::atom_constant<caf::atom("hello")>;
/// An element on a channel: (elem, channel, element).
using elem_atom = caf::atom_constant<caf::atom("elem")>;
/// Elements that came in one link message, in order: (elems, element_run).
using elems_atom = caf::atom_constant<caf::atom("elems")>;
/// Downstream grants credit: (credit, edge, destination, n).
using credit_atom = caf::atom_constant<caf::atom("credit")>;
/// A source polls its plugin again.
using pull_atom = caf::atom_constant<caf::atom("pull")>;
/// A stage retries the batch in hand (after a backoff or while its breaker is open).
using retry_atom = caf::atom_constant<caf::atom("retry")>;
/// The supervisor asks sources to stop reading and end their streams.
using stop_atom = caf::atom_constant<caf::atom("stop")>;
/// An instance finished: (done, report).
using done_atom = caf::atom_constant<caf::atom("done")>;

/// Coordinator -> source: inject barrier (barrier, epoch).
using barrier_atom = caf::atom_constant<caf::atom("barrier")>;
/// Instance -> coordinator: its snapshot for an epoch (ack, epoch, snapshot).
using ack_atom = caf::atom_constant<caf::atom("ack")>;
/// Coordinator -> every instance: the epoch is durable (commit, epoch).
using commit_atom = caf::atom_constant<caf::atom("commit")>;
/// Source -> coordinator: no more input (bounded end or stop); waiting for the final epoch.
using ended_atom = caf::atom_constant<caf::atom("ended")>;
/// Coordinator -> source: the final epoch is committed, end the stream now.
using finish_atom = caf::atom_constant<caf::atom("finish")>;
/// Supervisor -> coordinator: (wire, sources, all instances), once all are spawned.
using wire_atom = caf::atom_constant<caf::atom("wire")>;
/// Coordinator timer.
using tick_atom = caf::atom_constant<caf::atom("tick")>;
/// Coordinator -> supervisor: checkpointing failed (failed, message).
using failed_atom = caf::atom_constant<caf::atom("failed")>;

/// Admin -> an instance: swap in a new plugin version (swap, swap_request) -> swap_reply.
using swap_atom = caf::atom_constant<caf::atom("swap")>;
/// Admin -> supervisor: the current instances of a stage (instances, stage) -> vector<actor>.
using instances_atom = caf::atom_constant<caf::atom("instances")>;
/// Admin -> supervisor: every instance of a stage runs this plugin now (swapped, stage, request).
using swapped_atom = caf::atom_constant<caf::atom("swapped")>;

/// A new plugin version for one stage instance.
struct swap_request {
  plugin::resolved plugin;
  std::shared_ptr<const plugin::option_set> options;
};

/// What an instance answers a swap: done (and how long data stood still) or why not.
struct swap_reply {
  bool ok = false;
  std::string message;
  int64_t stall_ns = 0;
};

/// Elements for one instance, each on its channel, in the order they were sent.
struct element_run {
  std::vector<std::pair<uint32_t, flow::element>> items;
};

/// One instance's state for one epoch.
struct snapshot_msg {
  std::string key; ///< "stage#index"
  std::string bytes;
  uint32_t schema_version = 0;
  bool is_source = false;
};

/// What an instance reports when it ends.
struct instance_report {
  std::string stage;
  uint32_t index = 0;
  std::string plugin;
  uint64_t records_in = 0;
  uint64_t records_out = 0;
  uint64_t batches_in = 0;
  uint64_t max_queued_records = 0; ///< high-water mark of its input queues
  std::map<std::string, int64_t> counters;
  std::map<std::string, int64_t> gauges;
};

} // namespace sluice::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sluice::flow::element)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sluice::actors::element_run)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sluice::actors::instance_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sluice::actors::snapshot_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sluice::actors::swap_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sluice::actors::swap_reply)
