import { describe, expect, it } from 'vitest';
import { Flag, Opcode, payloads, Status, StdinIoctl, SysEvent, type Packet } from '../../../../protocol/v2/index.js';
import { StdinChannel } from '../../../../host/sim/firmware/protocol/index.js';
import { bytes, only, READ, rig, statusOf, summary, withBuiltins } from './fake-host.js';

const text = new TextEncoder();
const isNotify = (p: Packet): boolean => p.opcode === Opcode.CHANNEL_EVENT && p.chan === 2 && p.flags === Flag.EVENT && p.payload.length === 0;
const write = (offset: number, data: Uint8Array): Uint8Array => payloads.writeRequest.encode({ offset, data });
const ioctl = (request: number): Uint8Array => payloads.ioctlRequest.encode({ request, args: new Uint8Array(0) });

describe('stdout channel', () => {
  it('sends one NOTIFY when the ring passes half full, re-armed by a read', () => {
    const r = rig();
    const { stdout } = withBuiltins(r);
    const notifies = (): number => r.host.packets.filter(isNotify).length;
    stdout.print(bytes(512));
    expect(notifies()).toBe(0); // 512 is not more than half of 1024
    stdout.print(bytes(1));
    expect(notifies()).toBe(1);
    stdout.print(bytes(10));
    expect(notifies()).toBe(1);
    expect(payloads.channelSize.decode(only(r.call(Opcode.CHANNEL_SIZE, 2)).payload)).toBe(523);
    const got = r.call(Opcode.CHANNEL_READ, 2, READ(0, 523));
    expect(got.map((p) => p.payload.length)).toEqual([512, 11]);
    stdout.print(bytes(600));
    expect(notifies()).toBe(2);
  });

  it('on overflow drops everything waiting and keeps only the tail of the new text', () => {
    const r = rig();
    const { stdout } = withBuiltins(r);
    stdout.print(bytes(1000, 1));
    const small = bytes(30, 2);
    stdout.print(small); // 30 > 23 free: the 1000 bytes are gone
    expect(stdout.available).toBe(30);
    expect(stdout.read(0, 100)).toEqual(small);
    const big = bytes(2000, 3);
    stdout.print(bytes(600)); // past half full: notified
    const before = r.host.packets.filter(isNotify).length;
    stdout.print(big);
    expect(stdout.available).toBe(1023); // a 1024-byte ringbuf holds 1023
    expect(stdout.read(0, 2000)).toEqual(big.subarray(2000 - 1023));
    expect(r.host.packets.filter(isNotify).length).toBe(before + 1); // the overflow re-armed the notification
  });

  it('task() sends a NOTIFY every 50 ms while text waits', () => {
    const r = rig();
    const { stdout } = withBuiltins(r);
    const notifies = (): number => r.host.packets.filter(isNotify).length;
    stdout.print(text.encode('hello\n'));
    r.device.task();
    expect(notifies()).toBe(1);
    r.host.clock += 49;
    r.device.task();
    expect(notifies()).toBe(1);
    r.host.clock += 1;
    r.device.task();
    expect(notifies()).toBe(2);
    stdout.read(0, 100);
    r.host.clock += 100;
    r.device.task();
    expect(notifies()).toBe(2);
  });

  it('reading more than is waiting returns the text, then a FAILED NAK; reading an empty ring is FAILED', () => {
    const r = rig();
    const { stdout } = withBuiltins(r);
    stdout.print(bytes(600));
    const got = r.call(Opcode.CHANNEL_READ, 2, READ(0, 1000));
    expect(got.map((p) => (p.flags & Flag.NAK ? statusOf(p) : p.payload.length))).toEqual([512, 88, Status.FAILED]);
    expect(statusOf(only(r.call(Opcode.CHANNEL_READ, 2, READ(0, 10))))).toBe(Status.FAILED);
  });

  it('keeps nothing while the protocol is inactive (the firmware prints to the REPL then)', () => {
    const r = rig();
    const { stdout } = withBuiltins(r);
    r.host.active = false;
    expect(stdout.print(bytes(10))).toBe(false);
    expect(stdout.available).toBe(0);
  });
});

describe('stdin channel', () => {
  it('accumulates writes (offset 0 restarts), EXEC interrupts, execScript runs it and announces a soft reboot', () => {
    const r = rig();
    const stops: string[] = [];
    const runs: string[] = [];
    const { stdin } = withBuiltins(r, { onStop: (why) => stops.push(why), onExec: (s) => runs.push(new TextDecoder().decode(s)) });
    expect(statusOf(only(r.call(Opcode.CHANNEL_WRITE, 1, write(0, text.encode('junk')))))).toBe('ACK');
    expect(statusOf(only(r.call(Opcode.CHANNEL_WRITE, 1, write(0, text.encode('print(1)\n')))))).toBe('ACK');
    expect(statusOf(only(r.call(Opcode.CHANNEL_WRITE, 1, write(9, text.encode('x = 2\n')))))).toBe('ACK');
    expect(stdin.scriptLength).toBe(15);
    expect(statusOf(only(r.call(Opcode.CHANNEL_IOCTL, 1, ioctl(StdinIoctl.EXEC))))).toBe('ACK');
    expect(stops).toEqual(['exec']);
    expect(runs).toEqual([]); // EXEC only clears the way; the main loop runs the script
    const from = r.host.packets.length;
    expect(r.device.execScript()).toBe(true);
    expect(runs).toEqual(['print(1)\nx = 2\n']);
    const reboot = only(r.host.since(from));
    expect(summary(reboot)).toMatchObject({ opcode: Opcode.SYS_EVENT, chan: 0, flags: Flag.EVENT });
    expect(payloads.event.decode(reboot.payload)).toBe(SysEvent.SOFT_REBOOT);
    expect(stdin.scriptLength).toBe(0);
    expect(r.device.execScript()).toBe(false);
  });

  it('EXEC with nothing buffered is FAILED; STOP and RESET succeed; STOP interrupts only while interrupts are on', () => {
    const r = rig();
    const stops: string[] = [];
    const { stdin } = withBuiltins(r, { onStop: (why) => stops.push(why) });
    expect(statusOf(only(r.call(Opcode.CHANNEL_IOCTL, 1, ioctl(StdinIoctl.EXEC))))).toBe(Status.FAILED);
    r.call(Opcode.CHANNEL_WRITE, 1, write(0, bytes(5)));
    expect(statusOf(only(r.call(Opcode.CHANNEL_IOCTL, 1, ioctl(StdinIoctl.RESET))))).toBe('ACK');
    expect(stdin.scriptLength).toBe(0);
    expect(statusOf(only(r.call(Opcode.CHANNEL_IOCTL, 1, ioctl(StdinIoctl.STOP))))).toBe('ACK');
    stdin.interruptEnabled = false;
    expect(statusOf(only(r.call(Opcode.CHANNEL_IOCTL, 1, ioctl(StdinIoctl.STOP))))).toBe('ACK');
    expect(stops).toEqual(['stop']);
    expect(statusOf(only(r.call(Opcode.CHANNEL_IOCTL, 1, ioctl(9))))).toBe(Status.INVALID); // not in the ioctl table
  });

  it('announces script start and end as CHANNEL_EVENT 1/0 on stdin, and polls as running meanwhile', () => {
    const r = rig();
    const { stdin } = withBuiltins(r);
    stdin.setScriptRunning(true);
    const started = r.host.packets.at(-1) as Packet;
    expect(summary(started)).toMatchObject({ opcode: Opcode.CHANNEL_EVENT, chan: 1, flags: Flag.EVENT });
    expect(payloads.event.decode(started.payload)).toBe(1);
    expect(payloads.pollMask.decode(only(r.call(Opcode.CHANNEL_POLL)).payload)).toEqual([1]);
    stdin.setScriptRunning(false);
    expect(payloads.event.decode((r.host.packets.at(-1) as Packet).payload)).toBe(0);
  });

  it('a write past the heap returns -1, which the firmware still ACKs (nonzero counts as success)', () => {
    const r = rig();
    const stdin = new StdinChannel(r.device, { onStop: () => undefined, onExec: () => undefined }, 16);
    r.device.registerStatic(1, stdin);
    expect(stdin.write(0, bytes(10))).toBe(10);
    expect(statusOf(only(r.call(Opcode.CHANNEL_WRITE, 1, write(10, bytes(10)))))).toBe('ACK');
    expect(stdin.scriptLength).toBe(10);
  });
});
