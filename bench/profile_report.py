"""Summarise py-spy raw (collapsed) stacks: where the time of a benchmark went.

    python -m bench.profile_report /tmp/tph-bench-*/profiles/post--checkins*.txt

Prints the functions with the most samples on the stack (inclusive) and at the top of
the stack (self), so a slow path shows which of our functions, and which library calls
under them, cost the most.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _short(frame: str) -> str:
    match = _FRAME.match(frame)
    if not match:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "/work/main/", "python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match['func']} ({path})"


def summarise(path: Path, top: int = 25, own_prefix: str = "app/") -> str:
    inclusive: Counter = Counter()
    own: Counter = Counter()
    leaf: Counter = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_short(f) for f in stack.split(";") if f and not f.startswith("process ")]
        frames = [f for f in frames if not f.startswith("thread ")]
        for frame in set(frames):
            inclusive[frame] += count
            if f"({own_prefix}" in frame:
                own[frame] += count
        if frames:
            leaf[frames[-1]] += count
    out = [f"{path.name}: {total} samples"]
    out.append(f"\nour code ({own_prefix}), inclusive:")
    out += [f"  {n / total:6.1%}  {f}" for f, n in own.most_common(top)]
    out.append("\nself time (top of stack):")
    out += [f"  {n / total:6.1%}  {f}" for f, n in leaf.most_common(top)]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    for path in args.files:
        print(summarise(path, args.top))
        print()


if __name__ == "__main__":
    main()
