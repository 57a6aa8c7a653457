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

// Each chunk of 1,000 documents keeps its best round (see validation-bench).
const CHUNK = 1000;
function best(body) {
  const starts = [];
  for (let s = 0; s < lines.length; s += CHUNK) starts.push(s);
  const bestNs = starts.map(() => Infinity);
  let result = 0;
  for (let r = 0; r < rounds; r++) {
    result = 0;
    starts.forEach((s, k) => {
      const t0 = process.hrtime.bigint();
      result += body(s, Math.min(s + CHUNK, lines.length));
      bestNs[k] = Math.min(bestNs[k], Number(process.hrtime.bigint() - t0));
    });
  }
  return { ns: bestNs.reduce((a, b) => a + b, 0) / lines.length, result };
}

const parsed = lines.map((l) => JSON.parse(l));
const invalid = parsed.map((d) => Object.assign({}, d, { status: 999 }));
const parse = best((a, b) => { let n = 0; for (let i = a; i < b; i++) if (typeof JSON.parse(lines[i]) === 'object') n++; return n; });
const valid = best((a, b) => { let n = 0; for (let i = a; i < b; i++) if (validate(parsed[i])) n++; return n; });
const parseValidate = best((a, b) => { let n = 0; for (let i = a; i < b; i++) if (validate(JSON.parse(lines[i]))) n++; return n; });
const errors = best((a, b) => { let n = 0; for (let i = a; i < b; i++) { validateAll(invalid[i]); n += validateAll.errors.length; } return n; });

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
