'use strict';
// A minimal TAP-like harness for plain node:assert scripts. Each check() is one group of
// assertions; a group passes when its function returns without throwing.
// Output: "ok N - name" / "not ok N - name", then "# tests N", "# pass N", "# fail N".
// The process exits with code 1 when any group failed.

var results = [];

function check(name, fn) {
  try {
    fn();
    results.push({ name: name, ok: true });
    console.log('ok ' + results.length + ' - ' + name);
  } catch (err) {
    results.push({ name: name, ok: false });
    console.log('not ok ' + results.length + ' - ' + name);
    console.log('  # ' + String(err && err.message).split('\n').join('\n  # '));
  }
}

function report() {
  var failed = results.filter(function (r) { return !r.ok; }).length;
  console.log('1..' + results.length);
  console.log('# tests ' + results.length);
  console.log('# pass ' + (results.length - failed));
  console.log('# fail ' + failed);
  if (failed > 0) process.exitCode = 1;
}

module.exports = { check: check, report: report };
