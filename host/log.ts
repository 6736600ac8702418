import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/**
 * omvd's log: JSON lines on stderr for machines (`json`), or one readable line per entry for people. Each camera
 * gets a child logger (`log.child({ camera: id })`), so every line says which camera it is about.
 */
export function createLogger({ json = false, level = process.env.OMVD_LOG_LEVEL ?? 'info' }: { json?: boolean; level?: string } = {}): Logger {
  if (json) return pino({ level, base: null }, pino.destination({ fd: 2, sync: true }));
  return pino(
    { level, base: null },
    {
      write(line: string) {
        const { level: n, time, msg, camera, ...rest } = JSON.parse(line) as Record<string, unknown>;
        const extra = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
        const when = new Date(time as number).toISOString().slice(11, 19);
        process.stderr.write(`${when} ${(LEVELS[n as number] ?? 'log').padEnd(5)} ${camera ? `[${camera}] ` : ''}${msg}${extra ? ` ${extra}` : ''}\n`);
      },
    },
  );
}
