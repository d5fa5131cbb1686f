#!/usr/bin/env node
// Prints README's flag table from the flag table itself (dist/cli/flagdefs.js; run `npm run build` first):
//   node scripts/readme-flags.js > /tmp/table.md   then paste it under "## Flags".
// Origin: "seed" = the seed-era Go reimage, "upstream" = today's cerbos/reimage, "port only" = this port.
'use strict';
const path = require('node:path');
const { FLAG_DEFS } = require(path.join(__dirname, '..', 'dist', 'cli', 'flagdefs.js'));
const { flagOrigin } = require(path.join(__dirname, '..', 'dist', 'cli', 'origins.js'));
const { defaultSuffix } = require(path.join(__dirname, '..', 'dist', 'cli', 'help.js'));

const cell = (s) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const rows = ['| Flag | Origin | Default | Meaning |', '|---|---|---|---|'];
for (const d of FLAG_DEFS) {
  const names = [d.name, ...(d.aliases ?? [])].map((n) => `\`-${n}\``).join(', ');
  const def = defaultSuffix(d).replace(/^ \(default (.*)\)$/, '$1');
  rows.push(`| ${names} | ${flagOrigin(d.name)} | ${def ? `\`${cell(def)}\`` : ''} | ${cell(d.help)} |`);
}
process.stdout.write(rows.join('\n') + '\n');
