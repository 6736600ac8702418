// The writer thread behind QueueHdf5Writer and ThreadedHdf5Writer: one file at a time, opened by an `open` message,
// then one Hdf5Writer fed messages in order, answering each with `ack`; after the file's last word (done, aborted
// or error) it waits for the next `open`.
import { parentPort } from 'node:worker_threads';
import type { AnyTypedArray } from '../dtype.js';
import { Hdf5Writer } from './hdf5-writer.js';
import { errorMessage, type FromWorker, type ToWorker, type WorkerSetup } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('hdf5-worker runs only as a worker thread (QueueHdf5Writer and ThreadedHdf5Writer start it)');
const send = (msg: FromWorker): void => port.postMessage(msg);

let file: { writer: Hdf5Writer; setup: WorkerSetup } | undefined;
// Opening is asynchronous (h5wasm's first load): later messages wait for it, so every message is handled in order.
let handled: Promise<void> = Promise.resolve();
port.on('message', (msg: ToWorker) => {
  handled = handled.then(() => handle(msg));
});

async function handle(msg: ToWorker): Promise<void> {
  if (msg.type === 'open') return open(msg.setup);
  if (!file) return; // what follows a file's last word (an abort racing its error, say) is for no file
  const { writer, setup } = file;
  // Checked before every message, so what was posted before the abort is dropped, not written.
  if (msg.type === 'abort' || Atomics.load(setup.abortFlag, 0) === 1) {
    writer.abort();
    end({ type: 'aborted' });
    return;
  }
  try {
    if (msg.type === 'finish') end({ type: 'done', summary: writer.close() });
    else {
      apply(writer, setup, msg);
      send({ type: 'ack' });
    }
  } catch (err) {
    writer.abort();
    end(errorMessage(err));
  }
}

async function open(setup: WorkerSetup): Promise<void> {
  let writer: Hdf5Writer | undefined;
  try {
    writer = await Hdf5Writer.open(setup.path, setup.options);
    if (setup.events) writer.requireFeature('frame', [], 'u8');
    for (const f of setup.events ?? []) writer.requireFeature(f.name, f.itemShape, f.dtype, f.group);
    file = { writer, setup };
    send({ type: 'ready' });
  } catch (err) {
    writer?.abort();
    send(errorMessage(err));
  }
}

function end(last: FromWorker): void {
  file = undefined;
  send(last);
}

function apply(w: Hdf5Writer, setup: WorkerSetup, item: Exclude<ToWorker, { type: 'open' | 'finish' | 'abort' }>): void {
  switch (item.type) {
    case 'event': {
      w.storeFeatureChunk('frame', BigUint64Array.of(BigInt(item.frame)));
      for (const f of setup.events ?? []) w.storeFeatureChunk(f.name, item.values[f.name] as AnyTypedArray, f.group);
      return;
    }
    case 'require':
      w.requireFeature(item.feature.name, item.feature.itemShape, item.feature.dtype, item.feature.group);
      return;
    case 'chunks':
      for (const [name, data] of Object.entries(item.chunks)) w.storeFeatureChunk(name, data, item.group);
      return;
    case 'attrs':
      return w.setAttrs(item.attrs, item.group);
    case 'log':
      return w.storeLog(item.name, item.lines, item.override);
    case 'table':
      return w.storeTable(item.name, item.columns);
    case 'basin':
      w.storeBasin(item.basin);
  }
}
