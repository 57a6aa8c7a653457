// ajv 6 (Debian node-ajv), draft-07: the same measurements as validation-bench.
// Usage: NODE_PATH=/usr/share/nodejs /usr/bin/node ajv-bench.js SCHEMA NDJSON ROUNDS COMPILE_SCHEMA...
'use strict';
const fs = require('fs');
const Ajv = require('ajv');
const [schemaPath, dataPath, roundsText, ...compilePaths] = process.argv.slice(2);
const rounds = Number(roundsText);
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
const lines = fs.readFileSync(dataPath, 'utf8').split('\n').filter((l) => l.length > 0);
const validate = new Ajv().compile(schema);
const validateAll = new Ajv({ allErrors: true }).compile(schema);

function best(body) {
  let bestNs = Infinity, result = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    result = body();
    bestNs = Math.min(bestNs, Number(process.hrtime.bigint() - t0));
  }
  return { ns: bestNs / lines.length, result };
}

const parsed = lines.map((l) => JSON.parse(l));
const invalid = parsed.map((d) => Object.assign({}, d, { status: 999 }));
const parse = best(() => { let n = 0; for (const l of lines) if (typeof JSON.parse(l) === 'object') n++; return n; });
const valid = best(() => { let n = 0; for (const d of parsed) if (validate(d)) n++; return n; });
const parseValidate = best(() => { let n = 0; for (const l of lines) if (validate(JSON.parse(l))) n++; return n; });
const errors = best(() => { let n = 0; for (const d of invalid) { validateAll(d); n += validateAll.errors.length; } return n; });

function compileMicros(s) {
  let bestNs = Infinity;
  for (let r = 0; r < Math.max(rounds, 3); r++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < 20; k++) new Ajv().compile(s);
    bestNs = Math.min(bestNs, Number(process.hrtime.bigint() - t0) / 20);
  }
  return bestNs / 1000;
}
const compiles = compilePaths.map((p) => compileMicros(JSON.parse(fs.readFileSync(p, 'utf8'))));

console.log(JSON.stringify({
  docs: lines.length, parse_ns: parse.ns, validate_ns: valid.ns, parse_validate_ns: parseValidate.ns,
  validate_errors_ns: errors.ns, valid: valid.result, parsed: parse.result, errors: errors.result, compile_us: compiles,
}));
