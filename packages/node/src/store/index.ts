export { advanceCursor, type ChainCursor, getCursor, getProcessedBlocks, rewindCursor } from './cursor.js';
export { appendLog, type LogEntry, listLog } from './log.js';
export { migrations } from './migrations.js';
export {
  commitDurably,
  countChanges,
  type NodeStore,
  type OpenStoreParameters,
  openStore,
  runInTransaction,
} from './openStore.js';
export {
  getTask,
  type InsertTaskParameters,
  insertTask,
  listOpenTasks,
  listRecentTasks,
  markReplacedEndsLost,
  reopenReplacedEnds,
  type TaskUpdate,
  updateTask,
} from './tasks.js';
export {
  findLiveTx,
  getHighestNonce,
  getLatestTx,
  getTxById,
  type InsertTxParameters,
  insertTx,
  listLandedFromNonce,
  listLiveVariants,
  listPendingTxs,
  listRecentTxs,
  type TxRecord,
  type TxStatus,
  updateTxStatus,
} from './transactions.js';
