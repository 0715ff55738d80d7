/**
 * The web UI (image generator, chat, network explorer, staking calculator, DApp mode) and the explorer's
 * indexer. See docs/web.md.
 */

export {
  type BuildWebUiParameters,
  type BuildWebUiReturnType,
  buildWebUi,
  defaultWebRoot,
} from './build/buildWebUi.js';
export {
  createExplorerDevnetService,
  type ExplorerDevnetContext,
  type ExplorerDevnetService,
} from './explorer/createExplorerDevnetService.js';
export { ExplorerIndexerError } from './explorer/errors.js';
export {
  type ExplorerIndexer,
  type StartExplorerIndexerParameters,
  startExplorerIndexer,
} from './explorer/startExplorerIndexer.js';
