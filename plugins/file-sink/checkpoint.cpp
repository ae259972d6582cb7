/// file-sink's part in checkpoints: a two-phase commit (Flink's StreamingFileSink).
/// flush() is the pre-commit, on_commit() publishes, restore() recovers.
#include <algorithm>

#include "file-sink/file_sink.hpp"
#include "file-sink/sink_state.hpp"

namespace sluice::builtin::file_sink {

void file_sink::flush() {
  roll_expired(steady::now());
  for (slot* s : open_)
    s->file->sync();
  for (const auto& d : dirs_to_sync_)
    fsync_dir(d);
  dirs_to_sync_.clear();
  unsynced_ = false;
}

std::string file_sink::snapshot() {
  checkpointing_ = true;
  if (unsynced_ || !dirs_to_sync_.empty())
    flush(); // the host flushes first; this only guards a snapshot without one
  ++snapshots_;
  uncommitted_.push_back(snapshots_);
  written_since_snapshot_ = false;
  sink_state st;
  st.instance = instance_;
  st.last_commit = last_commit_;
  std::set<const slot*> active;
  for (const slot* s : open_) {
    st.open.push_back({s->path, s->file_seq, s->file->size()});
    active.insert(s);
  }
  for (auto& f : sealed_) {
    if (f.snapshot == 0)
      f.snapshot = snapshots_;
    st.pending.push_back({f.where->path, f.seq, 0});
    active.insert(f.where);
  }
  for (const slot* s : active)
    st.seqs.push_back({s->path, s->next_seq});
  std::sort(st.seqs.begin(), st.seqs.end(), [](auto& a, auto& b) { return a.path < b.path; });
  return encode(st);
}

// Snapshots carry no epoch, so commits are matched to snapshots in order. That
// is exact when every epoch commits (the coordinator commits each one) and
// never early otherwise: the n-th new epoch committed is at least the n-th
// snapshot's epoch.
void file_sink::on_commit(int64_t epoch) {
  if (epoch <= last_commit_)
    return; // a repeat
  last_commit_ = epoch;
  if (uncommitted_.empty())
    return;
  uint64_t upto = uncommitted_.front();
  uncommitted_.pop_front();
  publish_sealed_files([upto](const sealed& f) { return f.snapshot != 0 && f.snapshot <= upto; });
}

void file_sink::restore(std::string_view bytes, uint32_t schema_version) {
  if (records_ > 0 || !open_.empty() || !sealed_.empty())
    throw stage_error{"restore() must come before the first record"};
  checkpointing_ = restored_ = true;
  if (bytes.empty())
    return; // nothing committed yet: every in-progress file of ours is stale
  sink_state st = decode(bytes, schema_version);
  if (st.instance != instance_)
    throw stage_error{"checkpoint of file-sink instance " + std::to_string(st.instance) + " given to instance " +
                      std::to_string(instance_)};
  last_commit_ = st.last_commit;
  std::vector<slot*> touched;
  auto at = [&](const std::string& path, uint64_t next) -> slot& {
    slot& s = slot_at(path);
    s.next_seq = std::max(s.next_seq, next);
    touched.push_back(&s);
    return s;
  };
  for (const auto& n : st.seqs)
    at(n.path, n.seq);
  for (const auto& f : st.pending) // the snapshot is committed: so is what it had rolled
    publish_one(at(f.path, f.seq + 1), f.seq);
  for (const auto& f : st.open)
    reopen(at(f.path, f.seq + 1), f.seq, f.length);
  for (slot* s : touched)
    if (!s->scanned)
      scan(*s);
}

void file_sink::finish() {
  if (checkpointing_ && written_since_snapshot_)
    ctx().warn("end of stream with records written after the last checkpoint: publishing output that "
               "no checkpoint covers; a restore may write it again");
  publish_sealed_files([](const sealed&) { return true; });
  while (!open_.empty())
    publish(*open_.back());
  ctx().info("wrote " + std::to_string(records_) + " records to " + template_.root() + " (" +
             std::to_string(published_) + " files)");
}

void file_sink::reopen(slot& s, uint64_t seq, uint64_t length) {
  auto f = std::make_unique<output_file>();
  if (!f->reopen(s.where.dir, inprogress_name(s.where.name, instance_, seq), final_name(s.where.name, instance_, seq),
                 length)) {
    publish_one(s, seq); // gone only once finish() published it: a rerun of a finished pipeline
    return;
  }
  s.file = std::move(f);
  s.file_seq = seq;
  s.opened_at = steady::now();
  s.last_used = ++tick_;
  open_.push_back(&s);
}

/// Publishes a sealed file of `s`; already published is fine (idempotent).
void file_sink::publish_one(slot& s, uint64_t seq) {
  std::string tmp = inprogress_name(s.where.name, instance_, seq), fin = final_name(s.where.name, instance_, seq);
  switch (publish_sealed(s.where.dir, tmp, fin)) {
    case publish_outcome::published: published(s.where.dir + "/" + fin, 0); break;
    case publish_outcome::already_published: break;
    case publish_outcome::missing:
      ctx().warn("committed file " + s.where.dir + "/" + fin + " is gone (neither it nor " + tmp +
                 " exists); assuming it was published and moved away");
      break;
  }
}

template <class Pred>
void file_sink::publish_sealed_files(Pred due) {
  size_t kept = 0;
  bool first = true;
  for (auto& f : sealed_) {
    if (due(f)) {
      if (!first)
        ctx().failpoint("between_publishes"); // a crash here leaves a commit half published
      first = false;
      publish_one(*f.where, f.seq);
    } else
      sealed_[kept++] = f;
  }
  sealed_.resize(kept);
}

} // namespace sluice::builtin::file_sink
