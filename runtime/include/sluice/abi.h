/* sluice plugin ABI: the C boundary between the host and a stage library.
 *
 * A plugin library exports one unversioned symbol, `sluice_plugin_entry`, that
 * returns a `sluice_plugin_desc`. Its first three fields (ABI major, ABI minor,
 * struct size) never move, so any host can read them and refuse a library it
 * cannot drive. Only C types cross this boundary; C++ exceptions never do.
 *
 * Compatibility rule: the host loads a library whose major equals the host's
 * and whose minor is not newer. Every struct carries its size and reserved
 * space, so a later minor appends fields without breaking older plugins.
 */
#ifndef SLUICE_ABI_H
#define SLUICE_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLUICE_ABI_MAJOR 1
#define SLUICE_ABI_MINOR 1

/** Name of the one symbol a plugin library exports. */
#define SLUICE_PLUGIN_ENTRY_SYMBOL "sluice_plugin_entry"

#if defined(__GNUC__)
#define SLUICE_EXPORT __attribute__((visibility("default")))
#else
#define SLUICE_EXPORT
#endif

/** Result codes returned by every plugin function. */
typedef enum sluice_status {
  SLUICE_OK = 0,     /**< done; for a source: records may follow */
  SLUICE_END = 1,    /**< a source reached the end of its bounded input */
  SLUICE_AGAIN = 2,  /**< a source has nothing right now; poll again later */
  SLUICE_ERROR = -1, /**< failed; the message was passed to host->fail */
} sluice_status;

typedef enum sluice_stage_kind {
  SLUICE_KIND_SOURCE = 1,
  SLUICE_KIND_TRANSFORM = 2,
  SLUICE_KIND_SINK = 3,
} sluice_stage_kind;

typedef enum sluice_option_type {
  SLUICE_OPT_STRING = 1,
  SLUICE_OPT_INT = 2,
  SLUICE_OPT_FLOAT = 3,
  SLUICE_OPT_BOOL = 4,
  SLUICE_OPT_DURATION = 5,    /**< written "200ms", "1s", "5m"; read as ns */
  SLUICE_OPT_SIZE = 6,        /**< integer bytes */
  SLUICE_OPT_STRING_LIST = 7, /**< array of strings; a lone string is a list of one */
  SLUICE_OPT_STRING_MAP = 8,  /**< table of string to string */
  SLUICE_OPT_TABLE_LIST = 9,  /**< array of tables ([[stage.key]]); each item is the table as JSON text (1.1) */
} sluice_option_type;

/** Option flags. */
#define SLUICE_OPTION_REQUIRED 0x1u
#define SLUICE_OPTION_RELOADABLE 0x2u

/** One row of a stage's option table: validates config, feeds `sluice inspect`. */
typedef struct sluice_option_spec {
  const char* key;
  uint32_t type;       /**< sluice_option_type */
  uint32_t flags;      /**< SLUICE_OPTION_* */
  const char* default_value; /**< textual default, NULL for none */
  const char* help;
} sluice_option_spec;

/** A validated option value as the host hands it to a plugin. */
typedef struct sluice_option_value {
  const char* key;
  uint32_t type;         /**< sluice_option_type */
  uint32_t reserved0;
  const char* str;       /**< STRING; DURATION as written */
  int64_t i;             /**< INT, SIZE, BOOL (0/1), DURATION in ns */
  double f;              /**< FLOAT (also set for INT) */
  const char* const* items; /**< LIST: n items; MAP: 2n items, key then value */
  size_t n_items;
} sluice_option_value;

/** Where a record came from. */
typedef struct sluice_position {
  const char* source;  /**< source stage name (host owned), may be NULL */
  uint32_t partition;  /**< source instance or file partition */
  uint32_t reserved0;
  uint64_t offset;     /**< byte offset or sequence number */
} sluice_position;

#define SLUICE_NO_TIME INT64_MIN

/** Record flag: `data` is followed by at least 64 readable bytes. */
#define SLUICE_RECORD_PADDED 0x1u

/** A record: original bytes plus metadata. The host owns the memory. */
typedef struct sluice_record {
  const char* data;  /**< original bytes (an NDJSON line without newline, ...) */
  size_t size;
  const char* key;   /**< optional partition key, may be NULL */
  size_t key_size;
  int64_t event_time_ns; /**< SLUICE_NO_TIME when unknown */
  sluice_position position;
  uint32_t flags;
  uint32_t reserved0;
} sluice_record;

/** Log levels for host->log. */
typedef enum sluice_log_level {
  SLUICE_LOG_DEBUG = 0,
  SLUICE_LOG_INFO = 1,
  SLUICE_LOG_WARN = 2,
  SLUICE_LOG_ERROR = 3,
} sluice_log_level;

/** A byte buffer one side lends the other: snapshot() output, a keyed-state value. */
typedef struct sluice_bytes {
  const char* data;
  size_t size;
} sluice_bytes;

/** Host flag: checkpoints are on; flush/snapshot/commit will be called, and
 *  a sink must not publish anything before a commit. */
#define SLUICE_HOST_CHECKPOINTS 0x1u

/** Blame in host->fail_record: the record the stage was reading when it failed
 *  (the SDK's guess), or a record the stage says is itself at fault. */
#define SLUICE_BLAME_READING 0u
#define SLUICE_BLAME_RECORD 1u

/** Services the host hands a stage instance at creation.
 *
 * Every function takes `ctx` as its first argument. Pointers stay valid for
 * the life of the instance. Functions are called only from the thread that
 * calls the plugin.
 */
typedef struct sluice_host {
  uint32_t struct_size;
  uint32_t instance_index; /**< 0..instance_count-1 */
  uint32_t instance_count;
  uint32_t flags; /**< SLUICE_HOST_* */
  void* ctx;
  const char* stage_name;
  const char* pipeline_name;

  /** Appends a copy of `rec` to output port `port` (0 is the main output). */
  int (*emit)(void* ctx, uint32_t port, const sluice_record* rec);
  /** The validated value of option `key`, defaults applied; NULL if unset. */
  const sluice_option_value* (*option)(void* ctx, const char* key);
  void (*log)(void* ctx, int level, const char* message);
  /** Records the error message for the current call (returned SLUICE_ERROR). */
  void (*fail)(void* ctx, const char* message);
  /** Adds `delta` to the counter `name` of this instance. */
  void (*count)(void* ctx, const char* name, int64_t delta);
  /** Sets the gauge `name` of this instance. */
  void (*gauge)(void* ctx, const char* name, int64_t value);
  /** Hands a malformed record to the dead-letter store with a reason. */
  void (*dead_letter)(void* ctx, const sluice_record* rec, const char* reason);
  /** A named crash point for tests: aborts when SLUICE_FAILPOINT names it. */
  void (*failpoint)(void* ctx, const char* name);

  /* Keyed state: this instance's own key-value map, checkpointed with it.
   * Writes are visible to the instance's next reads at once; they become
   * durable with the checkpoint that follows them, and a restore brings back
   * exactly the state of the restored checkpoint. Without checkpoints the map
   * lives in memory only. Keys and values are arbitrary bytes. A host that
   * predates keyed state leaves these NULL. On -1 the reason is recorded for
   * the call's host->fail message. */

  /** Looks `key` up: 1 found (`out` valid until the next state call), 0 missing, -1 error. */
  int (*state_get)(void* ctx, const char* key, size_t key_size, sluice_bytes* out);
  /** Sets `key` to `value`: 0 or -1. */
  int (*state_put)(void* ctx, const char* key, size_t key_size, const char* value, size_t value_size);
  /** Removes `key` (absent is fine): 0 or -1. */
  int (*state_delete)(void* ctx, const char* key, size_t key_size);
  /** Calls `visit` for every key starting with `prefix`, in byte order, until
   *  it returns non-zero: 0 or -1. Writes made from inside `visit` are allowed
   *  and do not change what this scan visits. */
  int (*state_scan)(void* ctx, const char* prefix, size_t prefix_size, void* user,
                    int (*visit)(void* user, const char* key, size_t key_size, const char* value,
                                 size_t value_size));

  /** (1.1) Like fail, for process(): the call failed on record `index` of its
   *  batch. Records before it were handled, and the first `emitted` records the
   *  call emitted came from them; the rest came from the failing record and
   *  are discarded. `blame` is SLUICE_BLAME_*. The host retries or
   *  dead-letters that record per the stage's on_error. May be NULL (1.0 host). */
  void (*fail_record)(void* ctx, size_t index, size_t emitted, uint32_t blame, const char* message);

  void* reserved[10];
} sluice_host;

/** One stage a library provides. Unused function pointers are NULL. */
typedef struct sluice_stage_desc {
  uint32_t struct_size;
  uint32_t kind;                 /**< sluice_stage_kind */
  const char* name;              /**< e.g. "filter" */
  const char* version;           /**< semantic version of this stage */
  uint32_t state_schema_version; /**< version of snapshot() bytes */
  uint32_t reserved0;
  const sluice_option_spec* options;
  size_t option_count;
  const char* const* side_outputs; /**< names of ports 1..n, NULL-terminated; may be NULL */
  const char* description;

  /** Creates an instance; on failure returns NULL after host->fail. */
  void* (*create)(const sluice_host* host);
  void (*destroy)(void* self);
  /** Source: emit up to `max` records. Returns OK, END, AGAIN or ERROR. */
  int (*poll)(void* self, size_t max);
  /** Transform / sink: handle `n` records. */
  int (*process)(void* self, const sluice_record* records, size_t n);
  /** Event time progressed to `t` (ns) on all inputs. */
  int (*watermark)(void* self, int64_t t);
  /** Make everything handed over so far durable (sinks: pre-commit). */
  int (*flush)(void* self);
  /** Sources, transforms: end of input, emit what is left (before the final
   *  checkpoint). Sinks: end of stream after the final commit, publish all. */
  int (*finish)(void* self);
  /** Serialises small state; `out` stays valid until the next call. */
  int (*snapshot)(void* self, sluice_bytes* out);
  /** Restores state written by schema version `schema_version`. */
  int (*restore)(void* self, const char* data, size_t size, uint32_t schema_version);
  /** Checkpoint `epoch` is durable everywhere: publish what flush() prepared
   *  (two-phase-commit sinks). Called in epoch order; may repeat after a
   *  restore, so it must be idempotent. */
  int (*commit)(void* self, int64_t epoch);

  void* reserved[15];
} sluice_stage_desc;

/** What `sluice_plugin_entry` returns. The first three fields never move. */
typedef struct sluice_plugin_desc {
  uint32_t abi_major;
  uint32_t abi_minor;
  uint32_t struct_size;
  uint32_t stage_count;
  const sluice_stage_desc* const* stages;
  const char* library_name;
  void* reserved[8];
} sluice_plugin_desc;

typedef const sluice_plugin_desc* (*sluice_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_ABI_H */
