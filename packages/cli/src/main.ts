import { EXIT } from './exit-codes.js';
import { runCli } from './program.js';

/**
 * A reader that stops early (`sagas list --json | head -1`) closes the pipe, and the next write
 * fails with EPIPE as an 'error' event, which crashed the CLI with a stack trace. The reader
 * has what it asked for, so end quietly with 0: a script under `set -o pipefail` must not fail
 * because it read only the first line.
 */
function endQuietlyWhenClosed(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(EXIT.ok);
  });
}

endQuietlyWhenClosed(process.stdout);
endQuietlyWhenClosed(process.stderr);

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
}).then((code) => {
  process.exitCode = code;
});
