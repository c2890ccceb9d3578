#!/usr/bin/python3
# check-potfiles.py: every source file with translatable strings is listed in po/POTFILES,
# and every listed file exists; otherwise its strings silently never reach translators.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import sys
import unittest

ROOT = os.environ.get("WAYMARK_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
MARKERS = {
    ".c": re.compile(r'\b(_|N_|C_|NC_|ngettext)\s*\(\s*"'),
    ".ui": re.compile(r'translatable="yes"'),
    ".in": re.compile(r'(translatable="yes"|^_?(Name|Comment|GenericName|Keywords)=|<_?summary|'
                      r'<_?description|<_?p>)', re.M),
    ".xml": re.compile(r'<(summary|description)>'),
}


def listed():
    with open(os.path.join(ROOT, "po", "POTFILES"), encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


def translatable_files():
    found = []
    for top in ("src", "ui", "data"):
        for dirpath, _, names in os.walk(os.path.join(ROOT, top)):
            for name in names:
                ext = os.path.splitext(name)[1]
                if ext not in MARKERS:
                    continue
                if ext == ".xml" and not name.endswith(".gschema.xml"):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    if MARKERS[ext].search(f.read()):
                        found.append(os.path.relpath(path, ROOT))
    return sorted(found)


class PotFiles(unittest.TestCase):
    def test_every_translatable_file_is_listed(self):
        missing = [f for f in translatable_files() if f not in listed()]
        self.assertEqual(missing, [], "add these to po/POTFILES")

    def test_every_listed_file_exists(self):
        gone = [f for f in listed() if not os.path.exists(os.path.join(ROOT, f))]
        self.assertEqual(gone, [], "remove these from po/POTFILES")


if __name__ == "__main__":
    unittest.main(verbosity=2)
