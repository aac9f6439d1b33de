#!/usr/bin/env python3
"""Checks that README.md reads right where it is rendered as plain Markdown (GitHub, crates.io):

- no rustdoc hidden line (`# ...`) in any code block, and every Rust block a complete
  program (`fn main`), so that it compiles as pasted (the doctests compile each one);
- every reference link (`[`Name`]`, `[Name][]`) has a definition in the README itself;
- every file it names (`NAME.md`, a picture) is in the packaged crate: the file list of
  `cargo package --list` is read from standard input.

    cargo package --list -p tencent-vod-signature | python3 .ci/readme-check.py README.md
"""
import re
import sys

text = open(sys.argv[1], encoding="utf-8").read()
packaged = set(line.strip() for line in sys.stdin if line.strip())
problems = []

prose = []
in_block, language = False, ""
for number, line in enumerate(text.splitlines(), 1):
    fence = re.match(r"^\s*```(\w*)", line)
    if fence:
        if in_block:
            in_block = False
        else:
            in_block, language, block_start, block = True, fence.group(1), number, []
        if not in_block and language == "rust" and not any("fn main" in l for l in block):
            problems.append(f"line {block_start}: a Rust block without fn main does not compile as pasted")
        continue
    if in_block:
        block.append(line)
        if re.match(r"^\s*# ", line) or line.strip() == "#":
            problems.append(f"line {number}: a rustdoc hidden line in a code block: {line.strip()}")
    else:
        prose.append((number, line))

definitions = set()
for _, line in prose:
    match = re.match(r"^\[([^\]]+)\]:\s+\S", line)
    if match:
        definitions.add(match.group(1).lower())
for number, line in prose:
    if re.match(r"^\[([^\]]+)\]:\s+\S", line):
        continue
    # Inline code is not Markdown, except a code span that is a link's whole label.
    without_code = re.sub(
        r"(\[?)(`[^`]*`)(\]?)",
        lambda m: m.group(0) if m.group(1) and m.group(3) else m.group(1) + m.group(3),
        line,
    )
    for label in re.findall(r"\[(`[^`]+`|[^\]\[`]+)\](?!\()", without_code):
        if label.lower() not in definitions and not re.match(r"^[x ]$", label):
            problems.append(f"line {number}: [{label}] has no link target outside rustdoc")

for name in sorted(set(re.findall(r"\b[\w./-]+\.(?:md|png|jpe?g|svg)\b", text))):
    if name.startswith(("http", "docs.rs")) or "/" in name and name.split("/")[0].endswith(".com"):
        continue
    if name not in packaged:
        problems.append(f"{name} is named but not in the package")

for problem in problems:
    print(f"README.md: {problem}")
if problems:
    sys.exit(1)
print(f"README.md: {len(definitions)} link targets, every reference resolves; every named file is packaged")
