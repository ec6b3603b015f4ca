#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""No symbol is defined both by the relay's own objects and by a library
lanparty-relayd links (liblpcommon, liblpcommon-linux, liblpshared).

A name defined twice links today only because the linker never pulls the
library's object in; the first relayd call into that object turns it into
a duplicate-symbol error, and until then every grep finds two things under
one name (issue 19: relayd's Session vs src/common/session.c).

usage: test-relayd-symbols.py NM RELAYD_ARCHIVE... -- LIBRARY_ARCHIVE...
"""

import subprocess
import sys


def defined(nm, archive):
    """Global symbols defined in archive: name -> object file."""
    out = subprocess.run([nm, '--defined-only', '--extern-only', '-A', archive],
                         check=True, capture_output=True, text=True).stdout
    symbols = {}
    for line in out.splitlines():
        # "archive.a:dir/object.o:0000000000000000 T name"
        where, _, rest = line.rpartition(':')
        fields = rest.split()
        if len(fields) < 3:
            continue
        kind, name = fields[-2], fields[-1]
        if kind in 'wWvV':
            continue  # weak definitions may repeat by design
        symbols[name] = where.rpartition('/')[2]
    return symbols


def main(argv):
    if len(argv) < 4 or '--' not in argv[2:]:
        print(__doc__, file=sys.stderr)
        return 2
    nm = argv[1]
    split = argv.index('--', 2)
    relayd, libraries = argv[2:split], argv[split + 1:]
    if not relayd or not libraries:
        print(__doc__, file=sys.stderr)
        return 2

    own = {}
    for a in relayd:
        own.update(defined(nm, a))
    lib = {}
    for a in libraries:
        lib.update(defined(nm, a))
    if len(own) == 0 or len(lib) == 0:
        print('no symbols read: wrong archives?', file=sys.stderr)
        return 1

    both = sorted(set(own) & set(lib))
    for name in both:
        print(f'{name}: defined in relayd {own[name]} and in {lib[name]}')
    print(f'{len(own)} relayd symbols, {len(lib)} library symbols, {len(both)} defined in both')
    return 1 if both else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
