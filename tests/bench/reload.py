#!/usr/bin/env python3
"""Hot reload under load: stall per swap and reload latency, p50/p99.

Runs seq-source -> throttle -> counter (a stateful running count per key, test plugin) ->
file-sink with checkpoints every 100 ms, swaps the counter between v1 and v2 `--swaps` times
with `sluice reload`, then stops the node with SIGTERM and checks that every record arrived
exactly once with its per-key count continuing across the swaps. Reports, per swap, the stall
(the time the instance's data stood still: snapshot, create, restore, swap; from the node's
answer) and the latency of the whole `sluice reload` command (copy, child pre-check, load,
swap).
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(p * len(v)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--swaps", type=int, default=50)
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    ap.add_argument("--workdir", default="/tmp/sluice-bench-reload")
    a = ap.parse_args()
    sluice = os.path.join(a.build_dir, "actors", "sluice")
    plugins = os.path.join(a.build_dir, "tests", "plugins")
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    w = a.workdir

    def install(v):
        shutil.copyfile(os.path.join(plugins, f"counter-v{v}.so"), f"{w}/counter.so.tmp")
        os.rename(f"{w}/counter.so.tmp", f"{w}/counter.so")

    install(1)
    with open(f"{w}/p.toml", "w") as f:
        f.write(f"""[pipeline]
name = "reload-bench"
state_dir = "{w}/state"
checkpoint_interval = "100ms"
batch_size = 100
watch_plugins = false

[[stage]]
name = "src"
plugin = "{plugins}/test-stages.so#seq-source"
count = 1000000000

[[stage]]
name = "slow"
plugin = "{plugins}/test-stages.so#throttle"
inputs = ["src"]
delay = "1ms"

[[stage]]
name = "counter"
plugin = "{w}/counter.so"
inputs = ["slow"]

[[stage]]
name = "lake"
plugin = "file-sink"
inputs = ["counter"]
path = "{w}/out/part.ndjson"
""")
    node = subprocess.Popen([sluice, "run", "--config", f"{w}/p.toml", "--stats", f"{w}/stats.json"],
                            stderr=open(f"{w}/node.log", "w"))
    while not os.path.exists(f"{w}/state/admin.sock"):
        time.sleep(0.01)
    time.sleep(1.0)  # a quiet second: the rate without swaps
    stalls, latencies = [], []
    t0 = time.monotonic()
    for i in range(a.swaps):
        install(2 if i % 2 == 0 else 1)
        s = time.monotonic()
        r = subprocess.run([sluice, "reload", "--config", f"{w}/p.toml", "counter"], capture_output=True, text=True)
        latencies.append((time.monotonic() - s) * 1e6)
        if r.returncode != 0:
            sys.exit(f"swap {i} failed: {r.stderr}")
        stalls.append(int(r.stdout.split("stall_us=")[1]))
    swapping = time.monotonic() - t0
    node.send_signal(signal.SIGTERM)
    if node.wait() != 0:
        sys.exit("the node failed; see " + f"{w}/node.log")
    # exactly once, counts continuing
    seen, last = {}, {}
    for name in sorted(os.listdir(f"{w}/out")):
        if name.startswith("."):
            continue
        for line in open(f"{w}/out/{name}"):
            r = json.loads(line)
            seen[r["id"]] = r
    ids = sorted(seen)
    assert ids == list(range(len(ids))), "ids missing or repeated"
    for i in ids:
        r = seen[i]
        key, n = (r["k"], r["count"]) if r["v"] == 1 else (r["key"], r["n"])
        assert n == last.get(key, 0) + 1, f"count of {key} jumped at id {i}"
        last[key] = n
    print(f"{a.swaps} swaps in {swapping:.2f} s under load, {len(ids)} records exactly once, counts continuous")
    print(f"stall per swap   p50 {pct(stalls, 0.5):>7} us   p99 {pct(stalls, 0.99):>7} us   max {max(stalls):>7} us")
    print(f"reload command   p50 {pct(latencies, 0.5) / 1000:>7.1f} ms   p99 {pct(latencies, 0.99) / 1000:>7.1f} ms"
          f"   (copy, child pre-check, load, swap)")
    print(f"goal p99 stall <= 50 ms: {'PASS' if pct(stalls, 0.99) <= 50000 else 'FAIL'}")


if __name__ == "__main__":
    main()
