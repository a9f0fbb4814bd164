/** xtrace CLI entry (cli/bin/xtrace.js runs its compiled twin in build/, or this source through tsx). */
import { CommanderError } from 'commander';
import { errorMessage, exitCodeFor } from '@xtrace/proto';
import { buildProgram } from './program.js';

async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e: unknown) {
    if (e instanceof CommanderError) {
      // commander already printed the message (or the help)
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version' ? 0 : 2;
    }
    process.stderr.write(`xtrace: ${errorMessage(e)}\n`);
    return exitCodeFor(e);
  }
}

const code = await main(process.argv);
process.exitCode = code;
// do not let a stray handle keep a finished command alive (stdout is flushed by then)
setTimeout(() => process.exit(code), 1500).unref();
