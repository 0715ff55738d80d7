export { createNodeRuntime, type NodeRuntime } from './createNodeRuntime.js';
export { detectGpu } from './detectGpu.js';
export { main } from './main.js';
export { getNodeStatus, joinNode, pauseNode, quitNode, resumeNode, withdrawAll } from './membership.js';
export {
  type NodeAction,
  type NodeCommandOptions,
  nodeActions,
  nodeCommandHelp,
  runNodeAction,
} from './nodeCommands.js';
export { runNode, type StartedNode, startNode } from './runNode.js';
