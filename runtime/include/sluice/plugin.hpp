/// Registration: turns C++ stage classes into the C descriptor the host loads.
///
///   class my_filter : public sluice::Transform { ... };
///   static const sluice_option_spec my_options[] = {
///     {"where", SLUICE_OPT_STRING, SLUICE_OPTION_REQUIRED, nullptr, "predicate"},
///   };
///   SLUICE_PLUGIN("my-plugin",
///                 sluice::stage<my_filter>("my-filter", "1.0.0", my_options));
#pragma once

#include <exception>
#include <memory>
#include <string>
#include <type_traits>

#include "sluice/abi.h"
#include "sluice/context.hpp"
#include "sluice/error.hpp"
#include "sluice/stage.hpp"

namespace sluice::detail {

/// One live instance: the context must outlive the stage object.
template <class T>
struct instance {
  explicit instance(const sluice_host* h) : host(*h), ctx(&host) {}
  sluice_host host;
  context ctx;
  std::unique_ptr<T> obj;
  std::string snap;
};

template <class F>
int guarded(const sluice_host& host, F&& f) noexcept {
  try {
    return f();
  } catch (const std::exception& e) {
    host.fail(host.ctx, e.what());
  } catch (...) {
    host.fail(host.ctx, "unknown exception in plugin");
  }
  return SLUICE_ERROR;
}

template <class T>
struct trampolines {
  using inst = instance<T>;
  static inst* self(void* p) noexcept { return static_cast<inst*>(p); }

  static void* create(const sluice_host* host) noexcept {
    try {
      auto p = std::make_unique<inst>(host);
      p->obj = std::make_unique<T>(p->ctx);
      return p.release();
    } catch (const std::exception& e) {
      host->fail(host->ctx, e.what());
    } catch (...) {
      host->fail(host->ctx, "unknown exception while creating stage");
    }
    return nullptr;
  }
  static void destroy(void* p) noexcept {
    try {
      delete self(p);
    } catch (...) {
      // A destructor that throws is a plugin bug; nothing sane to report to.
    }
  }
  static int poll(void* p, size_t max) noexcept {
    auto s = self(p);
    return guarded(s->host, [&] {
      if constexpr (std::is_base_of_v<Source, T>) {
        switch (s->obj->poll(max)) {
          case poll_result::more: return int{SLUICE_OK};
          case poll_result::end: return int{SLUICE_END};
          case poll_result::again: return int{SLUICE_AGAIN};
        }
      }
      return int{SLUICE_ERROR};
    });
  }
  /// A failure names its record: the one a record_error names, else the one
  /// being read. Hosts before ABI 1.1 only get the message.
  static int process(void* p, const sluice_record* recs, size_t n) noexcept {
    auto s = self(p);
    batch_cursor cur;
    cur.emitted = &s->ctx.emitted();
    const uint64_t start = s->ctx.emitted();
    auto report = [&](size_t index, uint32_t blame, const char* message) {
      if (!s->host.fail_record || index >= n)
        return s->host.fail(s->host.ctx, message);
      uint64_t before = cur.index == index ? cur.emitted_before : s->ctx.emitted();
      s->host.fail_record(s->host.ctx, index, static_cast<size_t>(before - start), blame, message);
    };
    try {
      if constexpr (std::is_base_of_v<Transform, T>)
        s->obj->process(batch{recs, n, &cur});
      else if constexpr (std::is_base_of_v<Sink, T>)
        s->obj->write(batch{recs, n, &cur});
      return int{SLUICE_OK};
    } catch (const record_error& e) {
      report(e.index(), SLUICE_BLAME_RECORD, e.what());
    } catch (const delivery_error& e) {
      s->host.fail(s->host.ctx, e.what()); // no record: the whole call failed
    } catch (const std::exception& e) {
      report(cur.index, SLUICE_BLAME_READING, e.what());
    } catch (...) {
      report(cur.index, SLUICE_BLAME_READING, "unknown exception in plugin");
    }
    return SLUICE_ERROR;
  }
  static int watermark(void* p, int64_t t) noexcept {
    auto s = self(p);
    return guarded(s->host, [&] { s->obj->on_watermark(t); return int{SLUICE_OK}; });
  }
  static int flush(void* p) noexcept {
    auto s = self(p);
    return guarded(s->host, [&] { s->obj->flush(); return int{SLUICE_OK}; });
  }
  static int finish(void* p) noexcept {
    auto s = self(p);
    return guarded(s->host, [&] { s->obj->finish(); return int{SLUICE_OK}; });
  }
  static int snapshot(void* p, sluice_bytes* out) noexcept {
    auto s = self(p);
    return guarded(s->host, [&] {
      s->snap = s->obj->snapshot();
      out->data = s->snap.data();
      out->size = s->snap.size();
      return int{SLUICE_OK};
    });
  }
  static int commit(void* p, int64_t epoch) noexcept {
    auto s = self(p);
    return guarded(s->host, [&] { s->obj->on_commit(epoch); return int{SLUICE_OK}; });
  }
  static int restore(void* p, const char* data, size_t size, uint32_t version) noexcept {
    auto s = self(p);
    return guarded(s->host, [&] {
      s->obj->restore(std::string_view{data, size}, version);
      return int{SLUICE_OK};
    });
  }
};

template <class T>
constexpr uint32_t kind_of() {
  if constexpr (std::is_base_of_v<Source, T>)
    return SLUICE_KIND_SOURCE;
  else if constexpr (std::is_base_of_v<Transform, T>)
    return SLUICE_KIND_TRANSFORM;
  else {
    static_assert(std::is_base_of_v<Sink, T>, "a stage derives from Source, Transform or Sink");
    return SLUICE_KIND_SINK;
  }
}

} // namespace sluice::detail

namespace sluice {

/// Optional stage attributes beyond name, version and options.
struct stage_extra {
  const char* description = nullptr;
  uint32_t state_schema_version = 1;
  const char* const* side_outputs = nullptr; ///< NULL-terminated names of ports 1..n
};

namespace detail {

template <class T>
const sluice_stage_desc* describe(const char* name, const char* version,
                                  const sluice_option_spec* opts, size_t n, stage_extra extra) {
  using tr = trampolines<T>;
  static sluice_stage_desc d = [&] {
    sluice_stage_desc x{};
    x.struct_size = sizeof(sluice_stage_desc);
    x.kind = kind_of<T>();
    x.name = name;
    x.version = version;
    x.state_schema_version = extra.state_schema_version;
    x.options = opts;
    x.option_count = n;
    x.side_outputs = extra.side_outputs;
    x.description = extra.description;
    x.create = &tr::create;
    x.destroy = &tr::destroy;
    x.poll = x.kind == SLUICE_KIND_SOURCE ? &tr::poll : nullptr;
    x.process = x.kind == SLUICE_KIND_SOURCE ? nullptr : &tr::process;
    x.watermark = &tr::watermark;
    x.flush = &tr::flush;
    x.finish = &tr::finish;
    x.snapshot = &tr::snapshot;
    x.restore = &tr::restore;
    x.commit = &tr::commit;
    return x;
  }();
  return &d;
}

} // namespace detail

/// Describes stage class T with its option table. The descriptor is a static.
template <class T, size_t N>
const sluice_stage_desc* stage(const char* name, const char* version,
                               const sluice_option_spec (&opts)[N], stage_extra extra = {}) {
  return detail::describe<T>(name, version, opts, N, extra);
}

/// Describes stage class T, which takes no options.
template <class T>
const sluice_stage_desc* stage(const char* name, const char* version, stage_extra extra = {}) {
  return detail::describe<T>(name, version, nullptr, 0, extra);
}

} // namespace sluice

/// Exports the entry symbol listing the stages this library provides.
#define SLUICE_PLUGIN(library_name, ...)                                        \
  extern "C" SLUICE_EXPORT const sluice_plugin_desc* sluice_plugin_entry(void) { \
    static const sluice_stage_desc* const stages_[] = {__VA_ARGS__};            \
    static const sluice_plugin_desc desc_ = {                                   \
      SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR, sizeof(sluice_plugin_desc),           \
      sizeof(stages_) / sizeof(stages_[0]), stages_, library_name, {}};         \
    return &desc_;                                                              \
  }
