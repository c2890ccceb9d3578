#!/usr/bin/python3
# test-cli.py: waymark-cli as an administrator and a script use it: create, log in, manage
# users, import, export, verify (including a tampered audit log), back up.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

CLI = os.environ.get("WAYMARK_CLI", "waymark-cli")
ADMIN_PW = "Plover-Quince-Harbour-58"
COORD_PW = "Tundra-Marigold-Lantern-14"
RECOVERY_RE = re.compile(r"^([0-9a-f]{4} ){15}[0-9a-f]{4}$", re.M)


def therapist_csv(rows):
    header = ("external_id,title,given_name,family_name,gender,email,phone,address,town,postcode,"
              "latitude,longitude,in_person,online,languages,specialisms,max_caseload,accepting,"
              "fee_min,fee_max,low_cost,registration_body,registration_number,"
              "registration_expires,insurance_expires,dbs_checked,training_completed,notes")
    return header + "\n" + "\n".join(rows) + "\n"


def therapist_row(ext, email="t@example.org", specialisms="pre-offence;trauma"):
    return (f"{ext},Dr,Alex,Example,female,{email},01632 960001,\"1 High St\",Harrogate,HG1 2AB,"
            f"53.99,-1.54,yes,yes,English,{specialisms},6,yes,40,60,no,BACP,123,2030-01-01,"
            f"2030-01-01,2025-01-01,yes,")


class Cli(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="waymark-cli-test-")
        self.db = os.path.join(self.dir, "org.waymark")
        self.admin_pw = self.write("admin.pw", ADMIN_PW + "\n")
        self.coord_pw = self.write("coord.pw", COORD_PW + "\n")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    @staticmethod
    def read_bytes(path):
        with open(path, "rb") as f:
            return f.read()

    def run_cli(self, *args, ok=True):
        p = subprocess.run([CLI, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if ok is None:
            pass
        elif ok:
            self.assertEqual(p.returncode, 0, f"{args}: {p.stderr}")
        else:
            self.assertNotEqual(p.returncode, 0, f"{args} should have failed: {p.stdout}")
        return p

    def as_admin(self, *args, ok=True):
        return self.run_cli(*args, "--db", self.db, "--user", "admin",
                            "--password-file", self.admin_pw, ok=ok)

    def init(self):
        p = self.run_cli("init", "--db", self.db, "--user", "admin", "--organisation",
                         "Example Trust", "--password-file", self.admin_pw)
        keys = RECOVERY_RE.findall(p.stdout)
        self.assertEqual(len(RECOVERY_RE.findall(p.stdout)), 1, p.stdout)
        return RECOVERY_RE.search(p.stdout).group(0)

    def test_init_prints_recovery_key_once_and_refuses_weak_passwords(self):
        weak = self.write("weak.pw", "password\n")
        p = self.run_cli("init", "--db", self.db, "--user", "admin", "--password-file", weak,
                         ok=False)
        self.assertTrue(p.stderr.startswith("waymark-cli: password:"), p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1)
        self.assertFalse(os.path.exists(self.db))
        self.assertNotIn("password\n", p.stderr.replace("password:", ""))

        key = self.init()
        self.assertTrue(os.path.exists(self.db + ".keys"))
        # A second init over the same file is refused.
        p = self.run_cli("init", "--db", self.db, "--user", "admin", "--password-file",
                         self.admin_pw, ok=False)
        self.assertIn("already exists", p.stderr)
        # The recovery key opens the database on its own.
        keyfile = self.write("recovery.key", key + "\n")
        p = self.run_cli("verify", "--db", self.db, "--recovery-key-file", keyfile)
        self.assertIn("chain intact", p.stdout)

    def test_wrong_password(self):
        self.init()
        bad = self.write("bad.pw", "Not-The-Password-99\n")
        before = self.read_bytes(self.db)
        p = self.run_cli("verify", "--db", self.db, "--user", "admin", "--password-file", bad,
                         ok=False)
        self.assertEqual(p.stderr.strip(), "waymark-cli: Wrong username or password")
        self.assertEqual(self.read_bytes(self.db), before)

    def test_users(self):
        old_key = self.init()
        self.as_admin("users", "add", "coord", "--role", "coordinator", "--display-name",
                      "Cora Ordinator", "--new-password-file", self.coord_pw)
        p = self.as_admin("users", "list")
        self.assertRegex(p.stdout, r"coord\s+coordinator\s+Cora Ordinator")
        # A coordinator cannot manage users.
        p = self.run_cli("users", "add", "x", "--role", "admin", "--db", self.db, "--user",
                         "coord", "--password-file", self.coord_pw, "--new-password-file",
                         self.coord_pw, ok=False)
        self.assertIn("administrator", p.stderr)
        # Removing re-keys: a new recovery key, the old one and the removed password fail.
        p = self.as_admin("users", "remove", "coord")
        new_key = RECOVERY_RE.search(p.stdout).group(0)
        self.assertNotEqual(new_key, old_key)
        p = self.run_cli("verify", "--db", self.db, "--user", "coord", "--password-file",
                         self.coord_pw, ok=False)
        self.assertIn("Wrong username or password", p.stderr)
        oldfile = self.write("old.key", old_key + "\n")
        self.run_cli("verify", "--db", self.db, "--recovery-key-file", oldfile, ok=False)
        newfile = self.write("new.key", new_key + "\n")
        self.run_cli("verify", "--db", self.db, "--recovery-key-file", newfile)
        self.as_admin("verify")

    def test_therapist_user_cannot_export(self):
        self.init()
        self.as_admin("import-therapists",
                      self.write("t.csv", therapist_csv([therapist_row("T-1"),
                                                         therapist_row("T-2")])))
        ther_pw = self.write("ther.pw", "Lantern-Oxbow-Meadow-71\n")
        self.as_admin("users", "add", "ash", "--role", "therapist", "--therapist", "T-1",
                      "--new-password-file", ther_pw)
        as_ash = ["--db", self.db, "--user", "ash", "--password-file", ther_pw]
        out = os.path.join(self.dir, "leak.csv")
        for args in (["export-therapists", "--output", out],
                     ["backup", "--to", os.path.join(self.dir, "leak.waymark")],
                     ["verify"],
                     ["users", "list"]):
            p = self.run_cli(*args, *as_ash, ok=False)
            self.assertIn("Permission denied", p.stderr, args)
        self.assertFalse(os.path.exists(out))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "leak.waymark")))

    def test_import_export(self):
        self.init()
        good = self.write("good.csv", therapist_csv([therapist_row(f"T-{i}") for i in range(25)]))
        p = self.as_admin("import-therapists", good)
        self.assertIn("Imported 25 therapists", p.stdout)

        bad = self.write("bad.csv", therapist_csv([
            therapist_row("B-1"),
            therapist_row("B-2", email="nope"),
            therapist_row("B-3", specialisms="knitting"),
        ]))
        p = self.as_admin("import-therapists", bad, ok=False)
        self.assertIn("nothing was imported", p.stderr)
        self.assertRegex(p.stderr, r"line 3: email: ")
        self.assertRegex(p.stderr, r"line 4: specialisms: ")
        export = os.path.join(self.dir, "out.csv")
        self.as_admin("export-therapists", "--output", export)
        with open(export, encoding="utf-8-sig") as f:
            lines = f.read().splitlines()
        self.assertTrue(lines[0].startswith("external_id,"))
        self.assertEqual(len(lines), 26)  # B-1 was not imported either
        self.assertFalse(any(l.startswith("B-1,") for l in lines))

    def test_verify_detects_tampering(self):
        key = self.init()
        self.as_admin("import-therapists",
                      self.write("t.csv", therapist_csv([therapist_row("T-1")])))
        self.as_admin("verify")
        hexkey = key.replace(" ", "")
        script = (f"PRAGMA key = \"x'{hexkey}'\";\nPRAGMA cipher_page_size = 4096;\n"
                  "UPDATE audit_log SET summary = 'nothing happened' WHERE id = 2;\n")
        subprocess.run(["sqlcipher", self.db], input=script, text=True, check=True,
                       capture_output=True)
        p = self.as_admin("verify", ok=False)
        self.assertIn("broken at row 2", p.stderr)

    def test_backup(self):
        key = self.init()
        backup = os.path.join(self.dir, "copy.waymark")
        self.as_admin("backup", "--to", backup)
        with open(backup, "rb") as f:
            self.assertNotEqual(f.read(15), b"SQLite format 3")
        keyfile = self.write("recovery.key", key + "\n")
        self.run_cli("verify", "--db", backup, "--recovery-key-file", keyfile)
        self.as_admin("backup", "--to", backup, ok=False)

    def test_match_json(self):
        db = os.path.join(self.dir, "demo.waymark")
        p = self.run_cli("demo", "--db", db)
        self.assertIn("Demo login", p.stdout)
        pw = self.write("demo.pw", "waymark-demo-2026\n")
        auth = ["--db", db, "--user", "demo", "--password-file", pw]
        import json
        refs = []
        for n in range(1, 41):
            ref = f"WM-{__import__('datetime').date.today().year}-{n:04d}"
            p = self.run_cli("match", "--case", ref, "--format", "json", *auth, ok=None)
            if p.returncode == 0:
                refs.append(ref)
                out = json.loads(p.stdout)
                self.assertEqual(set(out), {"case", "radius_km", "widened", "results", "excluded"})
                self.assertEqual(out["case"], ref)
                self.assertIn(out["radius_km"], (40, 80, 160) if out["widened"] else
                              (out["radius_km"],))
                ranks = [r["rank"] for r in out["results"]]
                self.assertEqual(ranks, list(range(1, len(ranks) + 1)))
                scores = [r["score"] for r in out["results"]]
                self.assertEqual(scores, sorted(scores, reverse=True))
                for r in out["results"]:
                    self.assertEqual(set(r), {"rank", "therapist", "name", "mode",
                                              "distance_km", "score", "reasons"})
                    self.assertIn(r["mode"], ("in-person", "online"))
                    self.assertTrue(r["reasons"])
                    if r["mode"] == "in-person":
                        self.assertLessEqual(r["distance_km"], out["radius_km"] + 0.05)
                reasons = {"inactive", "capacity", "compliance", "specialism", "distance",
                           "gender", "language", "declined", "conflict"}
                for x in out["excluded"]:
                    self.assertIn(x["reason"], reasons)
                seen = [r["therapist"] for r in out["results"]] + \
                       [x["therapist"] for x in out["excluded"]]
                self.assertEqual(len(seen), len(set(seen)))
        self.assertGreater(len(refs), 20)
        p = self.run_cli("match", "--case", refs[0], *auth)
        self.assertTrue(p.stdout.startswith(refs[0] + ": "))
        p = self.run_cli("match", "--case", "WM-1999-0001", *auth, ok=False)
        self.assertIn("case: no case with reference", p.stderr)

    def test_letter(self):
        db = os.path.join(self.dir, "demo.waymark")
        self.run_cli("demo", "--db", db)
        pw = self.write("demo.pw", "waymark-demo-2026\n")
        auth = ["--db", db, "--user", "demo", "--password-file", pw]
        year = __import__("datetime").date.today().year
        written = without = None
        for n in range(1, 61):
            ref = f"WM-{year}-{n:04d}"
            pdf = os.path.join(self.dir, f"letter-{ref}.pdf")
            p = self.run_cli("letter", "--case", ref, "--template", "auto", "--pdf", pdf, *auth,
                             ok=None)
            if p.returncode == 0 and written is None:
                written = (ref, pdf, p.stdout)
            elif "has no referral yet" in p.stderr and without is None:
                without = (ref, pdf, p.stderr)
            if written and without:
                break
        self.assertIsNotNone(written, "no demo case with a referral gave a letter")
        self.assertIsNotNone(without, "no demo case without a referral")

        # A case with a referral: a PDF, only for its owner, with neutral metadata.
        ref, pdf, out = written
        self.assertRegex(out, r"letter “client-(referral|discreet)”, \d+ pages?")
        self.assertEqual(self.read_bytes(pdf)[:5], b"%PDF-")
        self.assertEqual(os.stat(pdf).st_mode & 0o777, 0o600)
        if shutil.which("pdftotext") and shutil.which("pdfinfo"):
            text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True,
                                  text=True).stdout
            self.assertIn(ref, text)
            self.assertIn("Private and confidential", text)
            self.assertIn("Page 1 of", text)
            info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
            self.assertRegex(info, r"(?m)^Title:\s+Letter$")
            self.assertRegex(info, r"(?m)^Creator:\s+Waymark$")
            self.assertNotRegex(info, r"(?m)^(Author|Subject):\s+\S")
            self.assertIn("(A4)", info)
        therapist_pdf = os.path.join(self.dir, "therapist.pdf")
        p = self.run_cli("letter", "--case", ref, "--template", "therapist-referral",
                         "--pdf", therapist_pdf, *auth)
        self.assertIn("therapist-referral", p.stdout)
        self.assertTrue(os.path.exists(therapist_pdf))

        # A case without one: one clear line, and no file.
        ref, pdf, err = without
        self.assertEqual(err.strip(), f"waymark-cli: case: {ref} has no referral yet")
        self.assertFalse(os.path.exists(pdf))

        # Other mistakes, each named.
        p = self.run_cli("letter", "--case", written[0], "--template", "nonsense", "--pdf",
                         pdf, *auth, ok=False)
        self.assertIn("template: no template named “nonsense”", p.stderr)
        p = self.run_cli("letter", "--case", written[0], "--pdf", pdf, *auth, ok=False)
        self.assertIn("template: is required", p.stderr)
        p = self.run_cli("letter", "--case", written[0], "--template", "auto", *auth, ok=False)
        self.assertIn("pdf: is required", p.stderr)
        self.assertFalse(os.path.exists(pdf))
        # The letters written are on record, and the audit chain still holds.
        p = self.run_cli("verify", *auth)
        self.assertIn("chain intact", p.stdout)

    def test_usage_errors(self):
        p = self.run_cli("frobnicate", ok=False)
        self.assertEqual(p.returncode, 2)
        p = self.run_cli("verify", ok=False)
        self.assertIn("db: is required", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
