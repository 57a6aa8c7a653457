#!/usr/bin/env python3
"""Writes the benchmark's inputs into a folder: N WoK user-log notifications as NDJSON (~270
bytes each, all valid against userlog.schema.json) and a large synthetic draft-07 schema."""
import json, random, sys, os

out, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(42)
apps = ["wok", "kimchi", "ginger", "gingerbase", "gingers390x"]
users = ["admin", "root", "operator", "jdoe", "m.silva", "backup-svc"]
reqs = ["GET", "POST", "PUT", "PATCH", "DELETE", "TASK"]
verbs = ["created", "started", "stopped", "deleted", "migrated", "resized", "cloned", "updated"]
things = ["Virtual machine", "Storage pool", "Network", "Template", "Host device", "Volume"]
with open(os.path.join(out, "userlog.ndjson"), "w") as f:
    for i in range(1, count + 1):
        app = rng.choice(apps)
        doc = {
            "id": i,
            "app": app,
            "user": rng.choice(users),
            "req": rng.choice(reqs),
            "status": rng.choice([200, 201, 202, 204, 400, 401, 404, 500]),
            "message": {
                "code": "%s%04d%s" % (("KCHVM", "WOKUSR", "GINNET")[i % 3], rng.randrange(10000), "IEW"[i % 3]),
                "text": "%s %s-%04d %s by request %08x on host h%02d" % (
                    rng.choice(things), app, rng.randrange(10000), rng.choice(verbs), rng.getrandbits(32), rng.randrange(100)),
            },
            "ip": "192.168.%d.%d" % (rng.randrange(256), rng.randrange(1, 255)),
            "date": "2026-%02d-%02d" % (rng.randrange(1, 13), rng.randrange(1, 29)),
            "time": "%02d:%02d:%02d" % (rng.randrange(24), rng.randrange(60), rng.randrange(60)),
            "zone": rng.choice(["UTC", "America/Sao_Paulo", "Europe/Paris", "Asia/Kolkata"]),
        }
        f.write(json.dumps(doc, separators=(",", ":")) + "\n")

# A large schema: 400 properties and 100 definitions with patterns, enums, bounds, refs and nesting.
props, defs = {}, {}
for i in range(100):
    defs["d%d" % i] = {"type": "object", "properties": {
        "name": {"type": "string", "pattern": "^[a-z]{1,%d}$" % (i + 1)},
        "size": {"type": "integer", "minimum": 0, "maximum": 1000 + i},
        "kind": {"enum": ["k%d" % k for k in range(8)]}}, "required": ["name"]}
for i in range(400):
    props["p%d" % i] = [
        {"type": "string", "pattern": "^[A-Z][a-z0-9]{%d,}$" % (i % 7), "maxLength": 200},
        {"$ref": "#/definitions/d%d" % (i % 100)},
        {"type": "array", "items": {"$ref": "#/definitions/d%d" % ((i * 7) % 100)}, "maxItems": 50},
        {"anyOf": [{"type": "integer", "multipleOf": 3}, {"type": "string", "format": "date"}]},
    ][i % 4]
large = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
         "definitions": defs, "properties": props, "additionalProperties": False}
with open(os.path.join(out, "large.schema.json"), "w") as f:
    json.dump(large, f)
