import type { CommandModule } from 'yargs';
import { captureCommand } from './capture.js';
import { demoCommand } from './demo.js';
import { exportCommand } from './export.js';
import { infoCommand } from './info.js';
import { installServiceCommand } from './install-service.js';
import { lsCommand } from './ls.js';
import { simCommand } from './sim.js';
import { statusCommand } from './status.js';
import { daemonCommand, syncCommand } from './sync.js';
import { uploadCommand } from './upload.js';
import { viewCommand } from './view.js';

/** Every omvd subcommand, in the order `omvd --help` lists them. */
export const commands = [daemonCommand, statusCommand, syncCommand, lsCommand, infoCommand, captureCommand, viewCommand, exportCommand, uploadCommand, simCommand, demoCommand, installServiceCommand] as unknown as CommandModule<object, never>[];
