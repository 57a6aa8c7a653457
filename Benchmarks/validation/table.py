#!/usr/bin/env python3
"""Prints the validation benchmark's table (markdown) from the runners' JSON results.
Usage: table.py OURS AJV RS --compile NAME... [--alt LABEL=OURS_WITH_OTHER_MALLOC.json ...]"""
import argparse, json

parser = argparse.ArgumentParser()
parser.add_argument("ours"); parser.add_argument("ajv"); parser.add_argument("rs")
parser.add_argument("--compile", nargs="*", default=[])
parser.add_argument("--alt", action="append", default=[])
args = parser.parse_args()
ours, ajv, rs = (json.load(open(p)) for p in (args.ours, args.ajv, args.rs))

def ratio(a, b):
    return "%.2f" % (a / b) if b else "-"

rows = [
    ("parse only, ns/doc", "parse_ns"),
    ("validate only (parsed doc, valid), ns/doc", "validate_ns"),
    ("parse + validate, ns/doc", "parse_validate_ns"),
    ("validate invalid doc, all errors built, ns/doc", "validate_errors_ns"),
]
print("| measurement | wok-router (Swift, jansson) | ajv 6.12 (node 20) | jsonschema-rs (Python) | wok / ajv | wok / jsonschema-rs |")
print("|---|---:|---:|---:|---:|---:|")
for label, key in rows:
    print("| %s | %.0f | %.0f | %.0f | %s | %s |" % (label, ours[key], ajv[key], rs[key], ratio(ours[key], ajv[key]), ratio(ours[key], rs[key])))
for i, name in enumerate(args.compile):
    o, a, r = ours["compile_us"][i], ajv["compile_us"][i], rs["compile_us"][i]
    print("| compile %s, µs | %.0f | %.0f | %.0f | %s | %s |" % (name, o, a, r, ratio(o, a), ratio(o, r)))
print()
print("- validation's share on top of parsing (wok parse+validate vs parse only): %+.0f%%"
      % (100 * (ours["parse_validate_ns"] - ours["parse_ns"]) / ours["parse_ns"]))
print("- jansson's json_loadb + json_decref alone, no Swift wrapper: %.0f ns/doc (WokJSON's parse: %.0f)"
      % (ours["raw_jansson_ns"], ours["parse_ns"]))
for alt in args.alt:
    label, path = alt.split("=", 1)
    other = json.load(open(path))
    print("- wok with %s: parse %.0f, validate %.0f, parse+validate %.0f ns/doc (glibc malloc: %.0f, %.0f, %.0f)"
          % (label, other["parse_ns"], other["validate_ns"], other["parse_validate_ns"],
             ours["parse_ns"], ours["validate_ns"], ours["parse_validate_ns"]))
print("- documents: %d (~%d bytes each); valid by each: wok %d, ajv %d, jsonschema-rs %d; errors on the invalid copies: wok %d, ajv %d, jsonschema-rs %d"
      % (ours["docs"], ours["bytes_per_doc"], ours["valid"], ajv["valid"], rs["valid"], ours["errors"], ajv["errors"], rs["errors"]))
