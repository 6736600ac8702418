import type { CommandModule } from 'yargs';
import { exportCommand } from './export.js';

/** Every omvd subcommand, in the order `omvd --help` lists them. */
export const commands: CommandModule<object, never>[] = [exportCommand as CommandModule<object, never>];
