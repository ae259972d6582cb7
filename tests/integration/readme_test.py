#!/usr/bin/env python3
"""Every command the README shows runs and succeeds.

Reads the ```sh blocks of README.md and runs each command against this build:
`sluice ...` with the build's binary, `.ci/quickstart` with this build dir, the plugin build
in a copy of the example, the benchmark on a small input. Commands that would run the suite
inside itself are checked by CI directly (.ci/run calls .ci/test) and listed in CI_ONLY.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ["SLUICE_SOURCE_ROOT"]
BUILD = os.environ["SLUICE_BUILD_ROOT"]
BIN = os.environ["SLUICE_BIN"]
CI_ONLY = {".ci/test", "meson setup build && ninja -C build", "meson test -C build --suite unit"}

failures = []


def commands():
    text = open(os.path.join(SRC, "README.md"), encoding="utf-8").read()
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            cmd = re.sub(r"\s+#.*$", "", line).strip()
            if cmd:
                yield cmd


def check(cmd, argv, cwd, env=None, shell=False):
    full_env = dict(os.environ, **(env or {}))
    r = subprocess.run(argv, cwd=cwd, env=full_env, shell=shell, capture_output=True, text=True, timeout=600)
    status = "ok" if r.returncode == 0 else f"FAILED (exit {r.returncode})"
    print(f"{status}: {cmd}")
    if r.returncode != 0:
        failures.append(cmd)
        print(r.stdout[-2000:], r.stderr[-2000:], sep="\n")
    return r


def main():
    seen = 0
    with tempfile.TemporaryDirectory(prefix="sluice-readme-") as tmp:
        out_env = {"SLUICE_OUT": os.path.join(tmp, "out"), "SLUICE_BUILD": BUILD}
        for cmd in commands():
            seen += 1
            if cmd in CI_ONLY:
                print(f"ci:   {cmd}")
                continue
            if cmd.startswith("sluice "):
                args = cmd.split()[1:]
                r = check(cmd, [BIN] + args, SRC, out_env)
                if args[0] == "validate" and "ok" not in r.stdout:
                    failures.append(cmd + " (no ok)")
            elif cmd == ".ci/quickstart":
                r = check(cmd, [os.path.join(SRC, ".ci/quickstart")], SRC, out_env)
                if not re.search(r"output: .*lake/ \(\d+ records in \d+ files", r.stdout):
                    failures.append(cmd + " (no summary line)")
            elif cmd.startswith("cd examples/plugins/add-field"):
                work = os.path.join(tmp, "add-field")
                shutil.copytree(os.path.join(SRC, "examples/plugins/add-field"), work)
                build_cmd = cmd.split("&&", 1)[1].replace("../../../build/runtime", os.path.join(BUILD, "runtime"))
                check(cmd, build_cmd, work, shell=True)
                if not os.path.exists(os.path.join(work, "add-field.so")):
                    failures.append(cmd + " (no add-field.so)")
            elif cmd.startswith("python3 tests/bench/w1.py"):
                check(cmd, [sys.executable, os.path.join(SRC, "tests/bench/w1.py"), "--events", "20000",
                            "--skip-rsyslog", "--workdir", os.path.join(tmp, "bench"), "--sluice", BIN,
                            "--build-dir", BUILD],
                      SRC)
            else:
                print(f"UNKNOWN: {cmd}")
                failures.append(cmd + " (the README test does not know how to run it)")
    print(f"{seen} README commands, {len(failures)} failed")
    return 1 if failures or seen == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
