#!/usr/bin/env python3
"""jsonschema-rs (PyPI) from Python: the same measurements as validation-bench. Parsing is
Python's json.loads, so its parse columns measure CPython, not Rust.
Usage: python3 jsonschema-rs-bench.py SCHEMA NDJSON ROUNDS COMPILE_SCHEMA..."""
import json, sys, time
import jsonschema_rs

schema_path, data_path, rounds, *compile_paths = sys.argv[1:]
rounds = int(rounds)
schema = json.load(open(schema_path))
lines = [l for l in open(data_path).read().split("\n") if l]
validator = jsonschema_rs.validator_for(schema)

CHUNK = 1000  # each chunk of documents keeps its best round (see validation-bench)

def best(body):
    starts = list(range(0, len(lines), CHUNK))
    best_ns, result = [float("inf")] * len(starts), 0
    for _ in range(rounds):
        result = 0
        for k, s in enumerate(starts):
            t0 = time.perf_counter_ns()
            result += body(s, min(s + CHUNK, len(lines)))
            best_ns[k] = min(best_ns[k], time.perf_counter_ns() - t0)
    return sum(best_ns) / len(lines), result

parsed = [json.loads(l) for l in lines]
invalid = [dict(d, status=999) for d in parsed]
parse = best(lambda a, b: sum(1 for l in lines[a:b] if isinstance(json.loads(l), dict)))
valid = best(lambda a, b: sum(1 for d in parsed[a:b] if validator.is_valid(d)))
parse_validate = best(lambda a, b: sum(1 for l in lines[a:b] if validator.is_valid(json.loads(l))))
errors = best(lambda a, b: sum(len(list(validator.iter_errors(d))) for d in invalid[a:b]))

def compile_us(s):
    best_ns = float("inf")
    for _ in range(max(rounds, 3)):
        t0 = time.perf_counter_ns()
        for _ in range(20):
            jsonschema_rs.validator_for(s)
        best_ns = min(best_ns, (time.perf_counter_ns() - t0) / 20)
    return best_ns / 1000

compiles = [compile_us(json.load(open(p))) for p in compile_paths]
print(json.dumps({"docs": len(lines), "parse_ns": parse[0], "validate_ns": valid[0], "parse_validate_ns": parse_validate[0],
                  "validate_errors_ns": errors[0], "valid": valid[1], "parsed": parse[1], "errors": errors[1], "compile_us": compiles}))
