#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands/index.js';
import { packageInfo } from '../package-info.js';
import { Exit } from './exit-codes.js';
import { reportError } from './report-error.js';

export async function main(argv: string[]): Promise<void> {
  const cli = yargs(argv)
    .scriptName('omvd')
    .usage(
      'omvd — get image data off OpenMV cameras, verified and fast.\n\n' +
        'Usage: $0 <command> [options]\n\n' +
        'Every command that reads has --json for scripts. Run `$0 <command> --help` for its options.',
    )
    .version(packageInfo().version)
    .alias('v', 'version')
    .help()
    .alias('h', 'help')
    .strict()
    .demandCommand(1, 'Name a command; `omvd --help` lists them.')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((msg, err) => {
      if (err) throw err;
      if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ ok: false, error: { code: 'EUSAGE', message: msg } })}\n`);
      process.stderr.write(`omvd: ${msg}\nRun \`omvd --help\` for usage.\n`);
      process.exit(Exit.USAGE);
    });
  for (const command of commands) cli.command(command);
  await cli.parseAsync();
}

main(hideBin(process.argv)).catch((err: unknown) => {
  process.exitCode = reportError(err);
});
