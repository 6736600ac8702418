import { OmvError } from '../../protocol/errors.js';

/** A flag or argument the command cannot take: the message says which and what it accepts. */
export class UsageError extends OmvError {
  constructor(message: string) {
    super('EUSAGE', message);
  }
}
