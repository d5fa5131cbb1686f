// Preloaded with `node -r` by the cold-start test: on exit, writes every loaded module path to $TRACE_MODULES_FILE.
'use strict';
const fs = require('node:fs');
process.on('exit', () => {
  if (process.env.TRACE_MODULES_FILE) fs.writeFileSync(process.env.TRACE_MODULES_FILE, Object.keys(require.cache).join('\n'));
});
