import type { CommandModule } from 'yargs';

/** Every omvd subcommand, in the order `omvd --help` lists them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [];
