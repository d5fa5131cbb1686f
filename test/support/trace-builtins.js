// Preloaded with `node -r`: on exit, writes every built-in module required (node:http2, tls, ...) to
// $TRACE_BUILTINS_FILE. A bundle has no module files to trace, but what its code requires of Node shows which
// of its parts ran: grpc-js needs http2 as it loads, undici net and tls.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const seen = new Set();
const load = Module._load;
Module._load = function (request, ...rest) {
  const id = request.replace(/^node:/, '');
  if (Module.isBuiltin(id)) seen.add(id);
  return load.call(this, request, ...rest);
};
process.on('exit', () => {
  if (process.env.TRACE_BUILTINS_FILE) fs.writeFileSync(process.env.TRACE_BUILTINS_FILE, [...seen].sort().join('\n'));
});
