import { MessageChannel, receiveMessageOnPort, type MessagePort, type TransferListItem } from 'node:worker_threads';

/**
 * Messages into a thread that is busy running MicroPython and never returns to its event loop: the sender posts on
 * a MessagePort and bumps a shared counter; the receiver drains the port synchronously (receiveMessageOnPort) and
 * sleeps on the counter with Atomics.wait, so new host bytes or frames wake it at once.
 */
export class MailboxSender {
  constructor(private readonly port: MessagePort, private readonly signal: Int32Array) {}

  post(message: unknown, transfer: TransferListItem[] = []): void {
    this.port.postMessage(message, transfer);
    Atomics.add(this.signal, 0, 1);
    Atomics.notify(this.signal, 0);
  }

  close(): void {
    this.port.close();
  }
}

export class MailboxReceiver<T> {
  private seen = 0;

  constructor(private readonly port: MessagePort, private readonly signal: Int32Array) {}

  /** Every message waiting, in order; never blocks. */
  drain(onMessage: (message: T) => void): void {
    this.seen = Atomics.load(this.signal, 0);
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) onMessage(m.message as T);
  }

  /** Sleeps up to `ms`, or until something was posted since the last drain. */
  wait(ms: number): void {
    if (ms > 0) Atomics.wait(this.signal, 0, this.seen, ms);
  }
}

export interface MailboxPair {
  /** Transfer `port` and `signal` to the receiving thread (in workerData), keep `sender`. */
  port: MessagePort;
  signal: SharedArrayBuffer;
  sender: MailboxSender;
}

export function createMailbox(): MailboxPair {
  const channel = new MessageChannel();
  const signal = new SharedArrayBuffer(4);
  return { port: channel.port2, signal, sender: new MailboxSender(channel.port1, new Int32Array(signal)) };
}
