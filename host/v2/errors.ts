import { OmvError } from '../../protocol/errors.js';
import { opcodeName, statusName } from '../../protocol/v2/index.js';

/** The camera did not answer in time: a cable, a port, a busy or crashed script, or a camera not speaking V2. */
export class V2TimeoutError extends OmvError {
  constructor(what: string, ms: number) {
    super('ETIMEDOUT', `the camera did not answer ${what} within ${ms} ms; check the cable and the port, and that the camera runs OpenMV firmware ≥ 5 (or omvd's scripts on 4.x)`);
  }
}

/** The camera answered a request with a NAK status. */
export class V2StatusError extends OmvError {
  readonly status: number;
  readonly opcode: number;

  constructor(opcode: number, channel: string, status: number) {
    super('ENAK', `the camera refused ${opcodeName(opcode)} on channel ${channel}: ${statusName(status)}`);
    this.status = status;
    this.opcode = opcode;
  }
}

/** The link is closed (the port was closed or the camera was unplugged). */
export class V2ClosedError extends OmvError {
  constructor(reason: string) {
    super('ECLOSED', `the link to the camera is closed: ${reason}`);
  }
}

/** The camera's reply breaks the protocol (wrong size, impossible values): its firmware or scripts misbehave. */
export class V2ProtocolError extends OmvError {
  constructor(message: string) {
    super('EPROTO', message);
  }
}
