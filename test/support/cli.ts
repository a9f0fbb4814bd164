/** Runs the real CLI (cli/bin/xtrace.js) as a child process: the lab package owns the runner. */
export { runCli, XTRACE_BIN } from '@xtrace/lab/xtrace-cli';
