#!/usr/bin/env python3
"""W1 over three nodes on loopback vs. one node, side by side in one run.

file-source (node a) -> filter (node b) -> file-sink (node c), checkpoints off, the same
W1 file; the single-node run is the same config without placement. Reports wall time (start
of the first process to the exit of the last), events/s and the ratio.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def config(w, out, placed, port, credits, batch_size):
    batch = (f"batch_size = {batch_size}\n" if batch_size else "") + (f"credits = {credits}\n" if credits else "")
    nodes = "".join(f'[nodes.{n}]\naddress = "tcp://127.0.0.1:{port + i}"\n' for i, n in enumerate("abc"))
    place = (lambda n: f'node = "{n}"\n') if placed else (lambda n: "")
    return (f'[pipeline]\nname = "w1-nodes"\n{batch}\n' + (nodes + "\n" if placed else "") +
            f'[[stage]]\nname = "read"\nplugin = "file-source"\npath = "{w}/w1.ndjson"\n{place("a")}\n'
            f'[[stage]]\nname = "active"\nplugin = "filter"\ninputs = ["read"]\nwhere = \'status == "active"\'\n'
            f'{place("b")}\n'
            f'[[stage]]\nname = "write"\nplugin = "file-sink"\ninputs = ["active"]\npath = "{w}/{out}/part.ndjson"\n'
            f'{place("c")}')


def count_lines(d):
    return sum(sum(1 for _ in open(os.path.join(d, f))) for f in os.listdir(d) if not f.startswith("."))


def median(runs):
    """The run of median wall time: (seconds, CPU seconds)."""
    return sorted(runs)[len(runs) // 2]


def run_one(sluice, w):
    t0 = time.monotonic()
    p = subprocess.Popen([sluice, "run", "--config", f"{w}/one.toml"], stderr=subprocess.DEVNULL)
    _, st, ru = os.wait4(p.pid, 0)
    if st != 0:
        sys.exit("the single-node run failed")
    return time.monotonic() - t0, ru.ru_utime + ru.ru_stime


def run_three(sluice, w, threads):
    t0 = time.monotonic()
    procs = [subprocess.Popen([sluice, "run", "--config", f"{w}/three.toml", "--node", n] + threads,
                              stderr=open(f"{w}/{n}.log", "w")) for n in "cba"]
    cpu = 0.0
    for p in procs:
        _, st, ru = os.wait4(p.pid, 0)
        cpu += ru.ru_utime + ru.ru_stime
        if st != 0: # the others would wait for it forever
            for q in procs:
                q.kill()
            sys.exit("a node failed; see the logs in " + w)
    return time.monotonic() - t0, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    ap.add_argument("--workdir", default="/tmp/sluice-bench-nodes")
    ap.add_argument("--credits", type=int, default=0, help="[pipeline] credits for both runs (0: default)")
    ap.add_argument("--threads", type=int, default=0, help="`sluice run --threads` of each node (0: one per core)")
    ap.add_argument("--batch-size", type=int, default=0, help="[pipeline] batch_size for both runs (0: default)")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each, alternating; medians are reported")
    a = ap.parse_args()
    sluice = os.path.join(a.build_dir, "actors", "sluice")
    w = a.workdir
    shutil.rmtree(w, ignore_errors=True)
    os.makedirs(w)
    with open(f"{w}/w1.ndjson", "wb") as f:
        subprocess.run([os.path.join(a.build_dir, "tests", "bench", "w1gen"), str(a.events), "42"], stdout=f,
                       check=True)
    port = 22000 + os.getpid() % 1000 * 8 # below the ephemeral ports (32768 and up)
    open(f"{w}/one.toml", "w").write(config(w, "one", False, port, a.credits, a.batch_size))
    open(f"{w}/three.toml", "w").write(config(w, "three", True, port, a.credits, a.batch_size))
    threads = ["--threads", str(a.threads)] if a.threads else []
    ones, threes = [], []
    for _ in range(a.repeat): # alternating, so a noisy moment of the machine hits both alike
        for d in ("one", "three"):
            shutil.rmtree(f"{w}/{d}", ignore_errors=True)
        ones.append(run_one(sluice, w))
        threes.append(run_three(sluice, w, threads))
    n1, n3 = count_lines(f"{w}/one"), count_lines(f"{w}/three")
    if n1 != n3:
        sys.exit(f"outputs differ: {n1} vs {n3} records")
    one, cpu_one = median(ones)
    three, cpu_three = median(threes)
    print(f"W1, {a.events} events, {n1} active out")
    print(f"{'run':<24} {'seconds':>8} {'events/s':>12} {'CPU s':>7}")
    print(f"{'one node':<24} {one:>8.3f} {a.events / one:>12,.0f} {cpu_one:>7.2f}")
    print(f"{'three nodes (loopback)':<24} {three:>8.3f} {a.events / three:>12,.0f} {cpu_three:>7.2f}")
    print(f"three/one: {one / three:.0%} (goal >= 70%); medians of {a.repeat} alternating runs, "
          f"three/one per run: {' '.join(f'{o[0] / t[0]:.0%}' for o, t in zip(ones, threes))}")


if __name__ == "__main__":
    main()
