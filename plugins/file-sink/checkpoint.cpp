/// file-sink's part in checkpoints: a two-phase commit (Flink's StreamingFileSink).
/// flush() is the pre-commit, on_commit() publishes, restore() recovers.
#include <algorithm>
#include <map>

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
  st.origin = origin_;
  for (const slot* s : open_)
    st.open.push_back({s->path, s->file_seq, s->file->size()});
  for (auto& f : sealed_) {
    if (f.snapshot == 0)
      f.snapshot = snapshots_;
    st.pending.push_back({f.where->path, f.seq, 0});
  }
  // Every path with a meaningful next seq, open or not: a restore of this
  // snapshot, even after later ones, removes what was created after it.
  for (const auto& [path, s] : slots_)
    if (s.scanned || s.known)
      st.seqs.push_back({path, s.next_seq});
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
  origin_ = st.origin; // 0 (version 1): paths the snapshot does not name are not pruned
  // The first seq of each path the snapshot does not cover. The open and
  // pending seqs are below it already; taking them in guards a snapshot that
  // would name a path only through them.
  std::map<std::string, uint64_t> first_new;
  for (const auto& n : st.seqs)
    first_new[n.path] = std::max(first_new[n.path], n.seq);
  for (const auto* files : {&st.pending, &st.open})
    for (const auto& f : *files)
      first_new[f.path] = std::max(first_new[f.path], f.seq + 1);
  size_t removed = prune(first_new), taken_back = 0;
  std::vector<slot*> touched;
  for (const auto& f : st.pending) { // the snapshot is committed: so is what it had rolled
    slot& s = slot_at(f.path);
    publish_one(s, f.seq);
    touched.push_back(&s);
  }
  for (const auto& f : st.open) {
    slot& s = slot_at(f.path);
    taken_back += reopen(s, f.seq, f.length) ? 1 : 0;
    touched.push_back(&s);
  }
  if (removed + taken_back > 0) {
    std::string which = last_commit_ > 0 ? "taken after epoch " + std::to_string(last_commit_) + " committed"
                                         : std::string{"the first"};
    ctx().warn("removed " + std::to_string(removed) + " file(s) published after the restored checkpoint (" + which +
               ")" + (taken_back ? " and unpublished " + std::to_string(taken_back) + " it had open" : std::string{}) +
               ": their records are replayed");
  }
  for (slot* s : touched)
    if (!s->scanned)
      scan(*s);
}

/// The node may restore an older checkpoint than the latest (a corrupt store
/// replaced by a retained copy), and the files published for the epochs after
/// it would then hold records that the replay writes again. A path's seq only
/// grows, so the files of a path with a seq from the snapshot's next seq on
/// were created after it: delete them, published or not. Deleting again after
/// a crash is harmless, and the next seqs come back to the snapshot's, so the
/// same restore ends in the same state. Returns how many were published.
size_t file_sink::prune(const std::map<std::string, uint64_t>& first_new) {
  removed_files all;
  for (const auto& [path, first] : first_new) {
    slot& s = slot_at(path);
    s.known = true;
    s.next_seq = std::max(s.next_seq, first);
    auto r = remove_files(s.where.dir, s.where.name, instance_, [first = first](const found_file& f) {
      return f.seq >= first;
    });
    all.published += r.published;
    all.in_progress += r.in_progress;
  }
  if (all.in_progress)
    ctx().info("removed " + std::to_string(all.in_progress) + " in-progress file(s) begun after the checkpoint");
  return all.published;
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

/// Continues a file that was open at the snapshot. If it is published, a later
/// commit published it after it rolled, or finish() did at end of stream: when it
/// holds records written after the snapshot it is taken back to be cut and
/// continued (they are replayed), otherwise it stays published as it is.
/// Returns whether it was taken back.
bool file_sink::reopen(slot& s, uint64_t seq, uint64_t length) {
  std::string tmp = inprogress_name(s.where.name, instance_, seq), fin = final_name(s.where.name, instance_, seq);
  auto f = std::make_unique<output_file>();
  bool taken = false;
  if (!f->reopen(s.where.dir, tmp, fin, length)) {
    taken = take_back(s.where.dir, fin, tmp, length);
    if (!taken || !f->reopen(s.where.dir, tmp, fin, length)) {
      publish_one(s, seq); // as it was at the snapshot: nothing to add, or gone
      return false;
    }
  }
  s.file = std::move(f);
  s.file_seq = seq;
  s.opened_at = steady::now();
  s.last_used = ++tick_;
  open_.push_back(&s);
  return taken;
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
