export { decodeParentMessage, decodeWorkerMessage, encodeMessage } from './codec.js';
export { WorkerProtocolError } from './errors.js';
export { createLineSplitter, type LineSplitter } from './lineSplitter.js';
export * from './messages.js';
