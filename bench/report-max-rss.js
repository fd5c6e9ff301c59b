'use strict';
// Preloaded (node --require) into a benchmarked child process: reports its peak resident
// memory on stderr as it exits, so a benchmark can measure a whole command-line call.
process.on('exit', () => {
  require('node:fs').writeSync(2, `\nmax-rss-kb ${process.resourceUsage().maxRSS}\n`);
});
