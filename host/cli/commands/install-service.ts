import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandModule } from 'yargs';
import { SERVICE_SOCKET } from '../../api/paths.js';
import { LEGACY_PID, LEGACY_VID, OPENMV_VID } from '../../discovery/usb-ids.js';
import { UsageError } from '../usage-error.js';

interface Args {
  print: boolean;
  root: string;
  user: string;
}

const hex = (n: number): string => n.toString(16).padStart(4, '0');

/** Where the service keeps its data unless told otherwise: the omvd account's home (see the useradd line). */
const SERVICE_ROOT = '/var/lib/omvd/data';

/** One ExecStart word, quoted as systemd.service(5) reads it: spaces, quotes, backslashes and % survive. */
function quoteWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word) && !word.includes('%')) return word;
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

export function udevRule(): string {
  return [
    '# /etc/udev/rules.d/70-omvd-openmv.rules — OpenMV cameras for omvd',
    '# ModemManager probes new serial ports with AT commands, which reach the camera\'s script; keep it away.',
    `SUBSYSTEM=="tty", ATTRS{idVendor}=="${hex(OPENMV_VID)}", ENV{ID_MM_DEVICE_IGNORE}="1", MODE="0660", GROUP="dialout"`,
    `SUBSYSTEM=="tty", ATTRS{idVendor}=="${hex(LEGACY_VID)}", ATTRS{idProduct}=="${hex(LEGACY_PID)}", ENV{ID_MM_DEVICE_IGNORE}="1", MODE="0660", GROUP="dialout"`,
    `SUBSYSTEM=="usb", ATTRS{idVendor}=="${hex(OPENMV_VID)}", ENV{ID_MM_DEVICE_IGNORE}="1"`,
    '',
  ].join('\n');
}

export function systemdUnit(root: string, user: string): string {
  const main = fileURLToPath(new URL('../main.js', import.meta.url)).replace(/\.ts$/, '.js');
  return [
    '# /etc/systemd/system/omvd.service',
    '[Unit]',
    'Description=omvd: mirror OpenMV camera recordings, verified',
    'After=local-fs.target',
    '',
    '[Service]',
    `User=${user}`,
    '# the members of the omvd group may use the daemon\'s API socket (the page\'s token stays the daemon\'s own)',
    'Group=omvd',
    'SupplementaryGroups=dialout',
    'RuntimeDirectory=omvd',
    'RuntimeDirectoryMode=0750',
    `Environment=OMVD_SOCKET=${SERVICE_SOCKET}`,
    `ExecStart=${[process.execPath, main, 'daemon', '--root', root, '--socket-group', '--json'].map(quoteWord).join(' ')}`,
    '# SIGINT lets the daemon finish the current chunk and save its resume point',
    'KillSignal=SIGINT',
    'TimeoutStopSec=30',
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export const installServiceCommand: CommandModule<object, Args> = {
  command: 'install-service',
  describe: 'Print a udev rule (keeps ModemManager off OpenMV ports) and a systemd unit that runs the daemon',
  builder: (y) =>
    y
      .option('print', { type: 'boolean', default: true, describe: 'print both files with the commands that install them (the only mode: omvd never edits /etc itself)' })
      .option('root', { type: 'string', default: SERVICE_ROOT, describe: 'where the daemon mirrors recordings' })
      .option('user', { type: 'string', default: 'omvd', describe: 'account the daemon runs as (the printed commands create it if it is omvd)' }) as never,
  handler: (args) => {
    if (!args.print) throw new UsageError('install-service only prints the files and the commands that install them (omvd never edits /etc itself); drop --no-print, and save or pipe what it prints');
    if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(args.user)) throw new UsageError(`--user ${JSON.stringify(args.user)} is not a valid account name`);
    const root = resolve(args.root);
    const createUser = [
      '#   groupadd --system --force omvd',
      args.user === 'omvd' ? '#   useradd --system --gid omvd --home-dir /var/lib/omvd --create-home --groups dialout --shell /usr/sbin/nologin omvd' : `#   usermod --append --groups dialout,omvd ${args.user}`,
    ];
    process.stdout.write(
      `${udevRule()}\n${systemdUnit(root, args.user)}\n` +
        [
          '# Install (as root): save the two files above under the paths in their first lines, then:',
          ...createUser,
          `#   install -d -o ${args.user} -g ${args.user} ${quoteWord(root)}`,
          '#   udevadm control --reload-rules && udevadm trigger',
          '#   systemctl daemon-reload && systemctl enable --now omvd',
          '# Let a user list cameras, capture and watch through the service (log in again afterwards):',
          '#   usermod --append --groups omvd USER',
          '',
        ].join('\n'),
    );
  },
};
