#!/usr/bin/env python3
"""Picks a small seed corpus: greedily the inputs that add the most libFuzzer features.

usage: fuzz_seeds.py CONTROL_FILE OUT_DIR [N]

CONTROL_FILE is the `-merge_control_file` a `-merge=1` run writes (per input: its features).
`cargo fuzz cmin` keeps every input that adds any feature, hundreds of them; the first few
dozen of a greedy cover carry nearly all the coverage and keep the committed corpus small.
"""

import pathlib
import shutil
import sys


def main():
    control, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    lines = control.read_text().splitlines()
    count = int(lines[0])
    files = lines[2 : 2 + count]
    features = {}
    for line in lines[2 + count :]:
        parts = line.split()
        if parts and parts[0] == "FT":
            features[int(parts[1])] = set(map(int, parts[2:]))
    covered, chosen = set(), []
    total = set().union(*features.values()) if features else set()
    while len(chosen) < n:
        best = max(features, key=lambda i: len(features[i] - covered), default=None)
        if best is None or not features[best] - covered:
            break
        covered |= features.pop(best)
        chosen.append(best)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for i in chosen:
        shutil.copy(files[i], out)
    print(f"{out}: {len(chosen)} inputs, {len(covered)} of {len(total)} features")


if __name__ == "__main__":
    main()
