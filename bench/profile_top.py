"""Summarise a py-spy raw profile (``bench/run.py --profile DIR`` writes ``*.txt``): the share of
samples in which each function is on the stack (inclusive) and at the top (self).

    python bench/profile_top.py DIR/uvicorn-1234.txt [--filter chatdesk] [-n 40]
"""

import argparse
import collections

parser = argparse.ArgumentParser()
parser.add_argument("path")
parser.add_argument("-n", type=int, default=40)
parser.add_argument("--filter", default="", help="only functions whose frame text contains this")
args = parser.parse_args()
inclusive, own, total = collections.Counter(), collections.Counter(), 0
for line in open(args.path):
    stack, _, count = line.rstrip("\n").rpartition(" ")
    count = int(count)
    total += count
    frames = stack.split(";")
    for frame in set(frames):
        inclusive[frame] += count
    own[frames[-1]] += count
print(f"{total} samples")
print("inclusive:")
for frame, count in inclusive.most_common():
    if args.filter in frame:
        print(f"{100 * count / total:6.1f}%  {frame[:160]}")
        args.n -= 1
        if args.n <= 0:
            break
print("self:")
for frame, count in own.most_common(20):
    print(f"{100 * count / total:6.1f}%  {frame[:160]}")
