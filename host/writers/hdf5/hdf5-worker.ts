// The writer thread behind QueueHdf5Writer and ThreadedHdf5Writer: one Hdf5Writer, fed messages in order,
// answering each with `ack`.
import { parentPort, workerData } from 'node:worker_threads';
import type { AnyTypedArray } from '../dtype.js';
import { Hdf5Writer } from './hdf5-writer.js';
import { errorMessage, type FromWorker, type ToWorker, type WorkerSetup } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('hdf5-worker runs only as a worker thread (QueueHdf5Writer and ThreadedHdf5Writer start it)');
const setup = workerData as WorkerSetup;
const events = setup.events ?? [];
const send = (msg: FromWorker): void => port.postMessage(msg);

let writer: Hdf5Writer | undefined;
try {
  writer = await Hdf5Writer.open(setup.path, setup.options);
  if (setup.events) writer.requireFeature('frame', [], 'u8');
  for (const f of events) writer.requireFeature(f.name, f.itemShape, f.dtype, f.group);
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

function apply(w: Hdf5Writer, item: Exclude<ToWorker, { type: 'finish' | 'abort' }>): void {
  switch (item.type) {
    case 'event': {
      w.storeFeatureChunk('frame', BigUint64Array.of(BigInt(item.frame)));
      for (const f of events) w.storeFeatureChunk(f.name, item.values[f.name] as AnyTypedArray, f.group);
      return;
    }
    case 'require':
      w.requireFeature(item.feature.name, item.feature.itemShape, item.feature.dtype, item.feature.group);
      return;
    case 'chunk':
      return w.storeFeatureChunk(item.name, item.data, item.group);
    case 'attrs':
      return w.setAttrs(item.attrs);
    case 'log':
      return w.storeLog(item.name, item.lines, item.override);
    case 'table':
      return w.storeTable(item.name, item.columns);
    case 'basin':
      w.storeBasin(item.basin);
  }
}
