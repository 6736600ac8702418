// The writer thread behind QueueHdf5Writer: one Hdf5Writer, fed messages in order, answering each with `ack`.
import { parentPort, workerData } from 'node:worker_threads';
import type { AnyTypedArray } from '../dtype.js';
import { Hdf5Writer } from './hdf5-writer.js';
import { errorMessage, type FromWorker, type ToWorker, type WorkerSetup } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('hdf5-worker runs only as a worker thread (QueueHdf5Writer starts it)');
const setup = workerData as WorkerSetup;
const send = (msg: FromWorker): void => port.postMessage(msg);

let writer: Hdf5Writer | undefined;
try {
  writer = await Hdf5Writer.open(setup.path, setup.options);
  writer.requireFeature('frame', [], 'u8');
  for (const f of setup.features) writer.requireFeature(f.name, f.itemShape, f.dtype, f.group);
  send({ type: 'ready' });
  port.on('message', (msg: ToWorker) => handle(writer as Hdf5Writer, msg));
} catch (err) {
  writer?.abort();
  send(errorMessage(err));
  port.close();
}

function handle(w: Hdf5Writer, msg: ToWorker): void {
  // Checked before every message, so what was posted before the abort is dropped, not written.
  if (msg.type === 'abort' || Atomics.load(setup.abortFlag, 0) === 1) {
    w.abort();
    send({ type: 'aborted' });
    port?.close();
    return;
  }
  try {
    if (msg.type === 'finish') {
      send({ type: 'done', summary: w.close() });
      port?.close();
      return;
    }
    apply(w, msg);
    send({ type: 'ack' });
  } catch (err) {
    w.abort();
    send(errorMessage(err));
    port?.close();
  }
}

function apply(w: Hdf5Writer, msg: Exclude<ToWorker, { type: 'finish' | 'abort' }>): void {
  switch (msg.type) {
    case 'event': {
      w.storeFeatureChunk('frame', BigUint64Array.of(BigInt(msg.frame)));
      for (const f of setup.features) w.storeFeatureChunk(f.name, msg.values[f.name] as AnyTypedArray, f.group);
      return;
    }
    case 'attrs':
      return w.setAttrs(msg.attrs);
    case 'log':
      return w.storeLog(msg.name, msg.lines, msg.override);
    case 'table':
      return w.storeTable(msg.name, msg.columns);
    case 'basin':
      w.storeBasin(msg.basin);
  }
}
