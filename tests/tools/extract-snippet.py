#!/usr/bin/env python3
# extract-snippet.py: writes one fenced code block of a guide to a file, so
# that the complete programs of docs/*.md are built and run by the suite.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: extract-snippet.py GUIDE.md LANGUAGE MARKER OUTPUT
# Writes the first ```LANGUAGE block of GUIDE.md whose text contains
# MARKER; fails, naming the guide, when there is none.

import re
import sys


def main(argv):
    if len(argv) != 5:
        print("usage: extract-snippet.py GUIDE.md LANGUAGE MARKER OUTPUT", file=sys.stderr)
        return 2
    guide, language, marker, output = argv[1:]

    with open(guide, encoding="utf-8") as f:
        text = f.read()

    for match in re.finditer(r"^```([A-Za-z0-9]*)\n(.*?)^```$", text, re.M | re.S):
        if match.group(1) == language and marker in match.group(2):
            with open(output, "w", encoding="utf-8") as out:
                out.write(match.group(2))
            return 0

    print(f"{guide}: no ```{language} block containing {marker!r}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
