#!/usr/bin/env python3
"""Prints the validation benchmark's table (markdown) from the three runners' JSON results."""
import json, sys

ours, ajv, rs = (json.load(open(p)) for p in sys.argv[1:4])
names = sys.argv[4:]

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
for i, name in enumerate(names):
    o, a, r = ours["compile_us"][i], ajv["compile_us"][i], rs["compile_us"][i]
    print("| compile %s, µs | %.0f | %.0f | %.0f | %s | %s |" % (name, o, a, r, ratio(o, a), ratio(o, r)))
print()
print("validation overhead on top of jansson's parse: %.0f%% (parse+validate vs parse only)"
      % (100 * (ours["parse_validate_ns"] - ours["parse_ns"]) / ours["parse_ns"]))
print("documents: %d (~%d bytes each); valid by each: wok %d, ajv %d, jsonschema-rs %d; errors on the invalid copies: wok %d, ajv %d, jsonschema-rs %d"
      % (ours["docs"], ours["bytes_per_doc"], ours["valid"], ajv["valid"], rs["valid"], ours["errors"], ajv["errors"], rs["errors"]))
