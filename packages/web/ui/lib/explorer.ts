// The explorer API (packages/web/indexer/src/api): the bridge proxies it at /explorer, or ui-config names it.
export type ExplorerStats = {
  nodesJoined: number;
  nodesActive: number;
  nodesBusy: number;
  tasksCreated: number;
  tasksOpen: number;
  tasksPaid: number;
  tasksRefunded: number;
  tasksAborted: number;
  groupsValidated: number;
  slashes: number;
  feesPaid: string;
  stakeSlashed: string;
  lastBlock: string;
};
export type ExplorerNode = {
  address: string;
  gpuName: string;
  vram: number;
  stake: string;
  status: number;
  qos: number | null;
  earnings: string;
  tasksRun: number;
  tasksPaid: number;
  slashed: string;
  kickedOut: boolean;
};
export type ExplorerTask = {
  taskKey: string;
  creator: string;
  taskType: number;
  fee: string;
  node: string | null;
  state: string;
  sampled: boolean;
  groupKey: string | null;
  createdBlock: string;
  createdAt: string;
};
export type ExplorerGroup = {
  originalKey: string;
  guid: string;
  member1: string;
  member2: string;
  block: string;
};
export type ExplorerSlash = {
  id: string;
  node: string;
  amount: string;
  taskKey: string | null;
  block: string;
};

let base: string | null = '/explorer';

/** From ui-config.json: a URL, or null when this server runs no explorer (undefined keeps the default). */
export function setExplorerBase(url: string | null | undefined): void {
  if (url === null) base = null;
  else if (url) base = url.replace(/\/$/, '');
}

export async function explorerGet<T>(path: string): Promise<T> {
  if (base === null) throw new Error('this server runs no explorer (explorerUrl is null in ui-config.json)');
  const response = await fetch(`${base}${path}`);
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = ((await response.json()) as { error: { message: string } }).error.message;
    } catch {
      // keep the status line
    }
    throw new Error(`explorer: ${message}`);
  }
  return (await response.json()) as T;
}
