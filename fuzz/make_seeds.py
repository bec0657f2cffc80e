#!/usr/bin/env python3
"""Writes the generated part of the seed corpora under fuzz/seeds/.

The copied part (policies, test fixtures, example feeds) is plain `cp`; this script adds small
feeds cut from the examples, so that each seed exercises one row and the fuzzer does not spend
its time on 20-row files: one row per file, line-ending variants (CRLF, bare CR, a BOM), the
event feed in CSV, and engine inputs in the target's raw mode. Run from the repository root;
the output is deterministic, so running it again changes nothing.
"""

import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SEEDS = os.path.join(ROOT, "fuzz", "seeds")


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def write(target, name, data):
    with open(os.path.join(SEEDS, target, name), "wb") as f:
        f.write(data)


def lines(data):
    return [l for l in data.split(b"\n") if l.strip()]


csv_lines = lines(read("examples/bookings.csv"))
header, rows = csv_lines[0], csv_lines[1:]
for i, row in enumerate(rows):
    write("feed_csv", f"gen-row-{i:02}.csv", header + b"\n" + row + b"\n")
body = b"\n".join(rows[:4])
write("feed_csv", "gen-crlf.csv", (header + b"\r\n" + body.replace(b"\n", b"\r\n")))
write("feed_csv", "gen-cr.csv", (header + b"\r" + body.replace(b"\n", b"\r")))
write("feed_csv", "gen-bom-blank.csv", b"\xef\xbb\xbf" + header + b"\n\n \t\n" + rows[0] + b"\n\n")
write("feed_csv", "gen-reordered.csv", b",".join(reversed(header.split(b","))) + b"\n")

for i, line in enumerate(lines(read("examples/bookings.jsonl"))):
    write("feed_jsonl", f"gen-row-{i:02}.jsonl", line + b"\n")
jsonl = lines(read("examples/bookings.jsonl"))[:3]
write("feed_jsonl", "gen-crlf-cr.jsonl", jsonl[0] + b"\r\n" + jsonl[1] + b"\r" + jsonl[2])

# FHIR: one bundle per Appointment, with the resources it references.
bundle = json.loads(read("examples/bookings.fhir.json"))
others = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Appointment"]
for i, entry in enumerate(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Appointment"):
    refs = {p.get("actor", {}).get("reference", "") for p in entry["resource"].get("participant", [])}
    patient_ids = {r.split("/", 1)[1] for r in refs if r.startswith("Patient/")}
    keep = [
        e
        for e in others
        if (e["resource"]["resourceType"] == "Patient" and e["resource"].get("id") in patient_ids)
        or (
            e["resource"]["resourceType"] == "RelatedPerson"
            and e["resource"].get("patient", {}).get("reference", "").split("/")[-1] in patient_ids
        )
    ]
    small = dict(bundle, entry=[entry] + keep)
    write("feed_fhir", f"gen-appointment-{i:02}.json", json.dumps(small, ensure_ascii=False).encode())

events = lines(read("examples/events.jsonl"))
write("events", "examples-events.jsonl", b"\n".join(events) + b"\n")
fields = ["booking_id", "message", "channel", "recipient", "event", "at", "key"]
csv_events = [",".join(fields).encode()]
for line in events:
    e = json.loads(line)
    csv_events.append(",".join(f'"{e.get(f, "")}"' if "," in e.get(f, "") else e.get(f, "") for f in fields).encode())
write("events", "gen-events.csv", b"\r\n".join(csv_events) + b"\r\n")
for i, line in enumerate(events):
    write("events", f"gen-event-{i:02}.jsonl", line + b"\n")

# engine, raw mode: byte 0 = 0, then `now` as seconds since the epoch (i64 little-endian),
# then the CSV body (the target adds the canonical header).
NOW = 1774350000  # 2026-03-24T11:00:00Z
for i, row in enumerate(rows):
    write("engine", f"gen-raw-row-{i:02}", b"\x00" + struct.pack("<q", NOW) + row + b"\n")
write("engine", "gen-raw-all", b"\x00" + struct.pack("<q", NOW) + b"\n".join(rows) + b"\n")
