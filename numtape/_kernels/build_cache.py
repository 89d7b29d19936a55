"""Precompile numtape's kernels for shipping: ``python -m numtape._kernels.build_cache [DEST]``.

``DEST`` is the directory that holds the ``numtape`` package to build for (the wheel's build
tree; default: the one this file belongs to). For each target CPU, child processes run
:func:`numtape._warmup.warmup_all` (every kernel with every signature numtape uses) with
``NUMBA_CPU_NAME=<cpu> NUMBA_CPU_FEATURES=`` (portable code, keyed by that name) and save what
they compile into a scratch directory; the parts are merged into
``DEST/numtape/_kernels/_precompiled/<cpu>/`` and a ``manifest.json`` is written last, so a tier
is either complete and valid or ignored. :mod:`.cache` loads it when the manifest matches.

Targets (``--targets`` or ``NUMTAPE_PRECOMPILE_TARGETS``): ``host`` (default: ``x86-64-v3`` when
this machine has its features, else ``generic``), ``all`` (``x86-64-v3,generic``), or a list.
The parts of all targets run ``--jobs`` at a time (default: the CPU count, at most 4).
Exit status 0 when every target was built; the wheel build treats anything else as "ship no
precompiled kernels" (installs still work, compiling on first use).
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time

from . import cache

# LLVM feature names a host needs to run code built for the target (the x86-64 psABI levels)
_X86_64_V2 = ("cx16", "sahf", "crc32", "popcnt", "sse3", "ssse3", "sse4.1", "sse4.2")
_X86_64_V3 = _X86_64_V2 + ("avx", "avx2", "bmi", "bmi2", "f16c", "fma", "lzcnt", "movbe", "xsave")
FEATURES = {"generic": (), "x86-64-v2": _X86_64_V2, "x86-64-v3": _X86_64_V3}

# The processes a target is compiled in, balanced for 2 cores. Each compiles what its parts need,
# shared callees included (the reverse sweep and the scalar switches in both). Measured on 2
# cores, one x86-64-v3 tier, wall s: (function+second+batch | eager) 120 (the eager process is
# done after 27 s, the other one runs alone); (eager+batch | function+second) 94;
# (eager+second | function+batch) 92, these. One process (``jobs == 1``) gets every part in one
# group, so nothing is compiled twice there.
GROUPS = (("function", "batch"), ("eager", "second"))

_CHILD = """
import os, sys
sys.path.insert(0, {dest!r})
import numtape
assert os.path.realpath(numtape.__file__).startswith(os.path.realpath({dest!r})), numtape.__file__
from numtape._warmup import warmup_all
warmup_all({parts!r})
"""


def host_target() -> str:
    import platform

    if platform.machine().lower() in ("x86_64", "amd64") and set(_X86_64_V3) <= cache._host_features():
        return "x86-64-v3"
    return "generic"


def resolve_targets(spec: str) -> list:
    if spec in ("", "host"):
        return [host_target()]
    if spec == "all":
        return list(cache.TIER_PREFERENCE)
    return [t.strip() for t in spec.split(",") if t.strip()]


def _child_env(cpu: str, into: str) -> dict:
    # PYTHONPATH stays: pip's isolated build environment reaches its numpy/numba through it
    # (pip >= 26); the child puts the build tree first and checks that it imports that numtape
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "NUMTAPE_", "_NUMTAPE"))}
    env.update(NUMBA_CPU_NAME=cpu, NUMBA_CPU_FEATURES="", NUMTAPE_QUIET="1", PYTHONDONTWRITEBYTECODE="1")
    env[cache.BUILD_INTO] = into
    return env


def _merge(parts: list, out: str, stamp: str) -> int:
    """Union of the parts' cache indexes (same kernels, disjoint or equal entries) into ``out``."""
    from numba.core.serialize import dumps

    merged: dict = {}  # index name -> (version, {key: source data path})
    for part in parts:
        for name in sorted(os.listdir(part)):
            if not name.endswith(".nbi"):
                continue
            with open(os.path.join(part, name), "rb") as f:
                version = pickle.load(f)
                part_stamp, overloads = pickle.loads(f.read())
            if part_stamp != stamp:
                raise RuntimeError(f"{name}: compiled from other sources than the ones being shipped")
            entry = merged.setdefault(name, (version, {}))
            for key, data_name in overloads.items():
                entry[1].setdefault(key, os.path.join(part, data_name))
    os.makedirs(out, exist_ok=True)
    count = 0
    for name, (version, overloads) in merged.items():
        base = name[: -len(".nbi")]
        index = {}
        for number, (key, source) in enumerate(overloads.items(), start=1):
            data_name = f"{base}.{number}.nbc"
            shutil.copyfile(source, os.path.join(out, data_name))
            index[key] = data_name
            count += 1
        with open(os.path.join(out, name), "wb") as f:
            pickle.dump(version, f, protocol=-1)
            f.write(dumps((stamp, index)))
    return count


def write_manifest(out: str, cpu: str, stamp: str, entries: int) -> None:
    """What :func:`.cache.shipped_tier` checks before it loads anything from ``out``."""
    from numba.core import config

    manifest = dict(cache.runtime_identity(), kernels=stamp, cpu=cpu, features=list(FEATURES.get(cpu, ())),
                    svml=bool(config.USING_SVML), entries=entries)
    with open(os.path.join(out, cache.MANIFEST), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)


def build(dest: str, targets: list, jobs: int, groups=GROUPS, timeout: float = 1200.0, log=print) -> bool:
    kernels = os.path.join(dest, "numtape", "_kernels")
    stamp = cache.kernel_source_hash(kernels)
    root = os.path.join(kernels, "_precompiled")
    scratch = tempfile.mkdtemp(prefix="numtape-precompile-")
    started = time.perf_counter()
    if jobs == 1 and len(groups) > 1:  # one process at a time: one group, so shared callees compile once
        groups = (tuple(part for group in groups for part in group),)
    try:
        queue = [(cpu, group, os.path.join(scratch, cpu, "-".join(group))) for cpu in targets for group in groups]
        running: list = []
        failed = []
        while queue or running:
            while queue and len(running) < jobs:
                cpu, part, into = queue.pop(0)
                os.makedirs(into)
                code = _CHILD.format(dest=os.path.abspath(dest), parts=list(part))
                part = "+".join(part)
                err = open(os.path.join(scratch, f"{cpu}-{part}.log"), "w+")
                proc = subprocess.Popen([sys.executable, "-c", code], cwd=dest, env=_child_env(cpu, into),
                                        stdout=err, stderr=subprocess.STDOUT)
                running.append((proc, cpu, part, err, time.perf_counter()))
            time.sleep(0.05)
            for item in list(running):
                proc, cpu, part, err, t0 = item
                if proc.poll() is None and time.perf_counter() - t0 < timeout:
                    continue
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                running.remove(item)
                err.seek(0)
                if proc.returncode != 0:
                    failed.append(cpu)
                    log(f"numtape: precompiling {cpu}/{part} failed (exit {proc.returncode}):\n{err.read()[-3000:]}")
                else:
                    log(f"numtape: precompiled {cpu}/{part} in {time.perf_counter() - t0:.1f} s")
                err.close()
        ok = True
        for cpu in targets:
            out = os.path.join(root, cpu)
            shutil.rmtree(out, ignore_errors=True)
            if cpu in failed:
                ok = False
                continue
            count = _merge([os.path.join(scratch, cpu, "-".join(group)) for group in groups], out, stamp)
            write_manifest(out, cpu, stamp, count)  # last: only a complete tier has one
            log(f"numtape: {cpu}: {count} precompiled kernel entries in {out}")
        log(f"numtape: precompiling took {time.perf_counter() - started:.1f} s")
        return ok
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_dest = os.path.dirname(os.path.dirname(cache.HERE))
    parser.add_argument("dest", nargs="?", default=default_dest, help="directory holding the numtape package")
    parser.add_argument("--targets", default=os.environ.get("NUMTAPE_PRECOMPILE_TARGETS", "host"))
    parser.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 4))
    parser.add_argument("--groups", default=os.environ.get("NUMTAPE_PRECOMPILE_GROUPS", ""),
                        help="e.g. 'eager,function,second,batch' (one process) or "
                             "'function,batch;eager,second' (the default: two processes)")
    args = parser.parse_args(argv)
    groups = tuple(tuple(g.split(",")) for g in args.groups.split(";")) if args.groups else GROUPS
    targets = resolve_targets(args.targets)
    unknown = [t for t in targets if t not in FEATURES]
    if unknown:
        parser.error(f"unknown targets {unknown}; known: {sorted(FEATURES)}")
    return 0 if build(args.dest, targets, max(1, args.jobs), groups) else 1


if __name__ == "__main__":
    sys.exit(main())
