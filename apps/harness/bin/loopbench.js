#!/usr/bin/env node
// After `npm ci` the harness is not built yet: say what to run instead of a stack trace.
const cli = await import('../dist/cli/main.js').catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli/main.js')) throw error;
  process.stderr.write('loopbench is not built yet: run `npm run build` at the repository root first (npm run bench builds it too)\n');
  process.exit(1);
});

// `loopbench list | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

process.exitCode = await cli.main(process.argv.slice(2));
