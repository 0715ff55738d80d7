// The network explorer: live counters, nodes, tasks, validation groups and slashes from the indexer.
import { useEffect, useState } from 'preact/hooks';
import {
  type ExplorerGroup,
  type ExplorerNode,
  type ExplorerSlash,
  type ExplorerStats,
  type ExplorerTask,
  explorerGet,
} from '../lib/explorer.js';
import { formatEth, nodeStatusNames, shortHex, taskTypeNames } from '../lib/format.js';

type Data = {
  stats: ExplorerStats;
  nodes: ExplorerNode[];
  tasks: ExplorerTask[];
  groups: ExplorerGroup[];
  slashes: ExplorerSlash[];
};

async function load(): Promise<Data> {
  const [stats, nodes, tasks, groups, slashes] = await Promise.all([
    explorerGet<ExplorerStats>('/stats'),
    explorerGet<{ nodes: ExplorerNode[] }>('/nodes'),
    explorerGet<{ tasks: ExplorerTask[] }>('/tasks?limit=50'),
    explorerGet<{ groups: ExplorerGroup[] }>('/groups?limit=20'),
    explorerGet<{ slashes: ExplorerSlash[] }>('/slashes?limit=20'),
  ]);
  return { stats, nodes: nodes.nodes, tasks: tasks.tasks, groups: groups.groups, slashes: slashes.slashes };
}

function Counter({ label, value, id }: { label: string; value: string | number; id: string }) {
  return (
    <div class="counter">
      <dt>{label}</dt>
      <dd data-testid={`stat-${id}`}>{value}</dd>
    </div>
  );
}

export function Explorer() {
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let stopped = false;
    const refresh = async () => {
      try {
        const next = await load();
        if (!stopped) {
          setData(next);
          setError('');
        }
      } catch (failure) {
        if (!stopped) setError(failure instanceof Error ? failure.message : String(failure));
      }
    };
    void refresh();
    // Live counters: the indexer follows the chain every second; two seconds here is enough for a person.
    const timer = setInterval(refresh, 2000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return (
    <section aria-labelledby="explorer-title">
      <h1 id="explorer-title">Network explorer</h1>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {!data && !error && <p>Loading…</p>}
      {data && (
        <>
          <dl class="counters" aria-live="polite" aria-label="Network counters">
            <Counter
              id="nodes"
              label="Nodes active"
              value={`${data.stats.nodesActive} / ${data.stats.nodesJoined}`}
            />
            <Counter id="busy" label="Nodes busy" value={data.stats.nodesBusy} />
            <Counter id="tasks" label="Tasks" value={data.stats.tasksCreated} />
            <Counter id="open" label="Tasks running" value={data.stats.tasksOpen} />
            <Counter id="paid" label="Tasks paid" value={data.stats.tasksPaid} />
            <Counter id="groups" label="Validation groups" value={data.stats.groupsValidated} />
            <Counter id="slashes" label="Slashes" value={data.stats.slashes} />
            <Counter id="fees" label="Fees paid" value={formatEth(data.stats.feesPaid)} />
            <Counter id="block" label="Indexed block" value={data.stats.lastBlock} />
          </dl>

          <h2 id="nodes-title">Nodes</h2>
          <section class="table-wrap" aria-labelledby="nodes-title">
            <table data-testid="nodes-table">
              <thead>
                <tr>
                  <th scope="col">Node</th>
                  <th scope="col">GPU</th>
                  <th scope="col">Stake</th>
                  <th scope="col">Status</th>
                  <th scope="col">QoS</th>
                  <th scope="col">Tasks run / paid</th>
                  <th scope="col">Earnings</th>
                  <th scope="col">Slashed</th>
                </tr>
              </thead>
              <tbody>
                {data.nodes.map((node) => (
                  <tr key={node.address}>
                    <td title={node.address}>
                      <code>{shortHex(node.address)}</code>
                    </td>
                    <td>
                      {node.gpuName} · {node.vram} GiB
                    </td>
                    <td>{formatEth(node.stake)}</td>
                    <td>{node.kickedOut ? 'Kicked out' : (nodeStatusNames[node.status] ?? node.status)}</td>
                    <td>{node.qos ?? '—'}</td>
                    <td>
                      {node.tasksRun} / {node.tasksPaid}
                    </td>
                    <td>{formatEth(node.earnings)}</td>
                    <td>{node.slashed === '0' ? '—' : formatEth(node.slashed)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>

          <h2 id="tasks-title">Latest tasks</h2>
          <section class="table-wrap" aria-labelledby="tasks-title">
            <table data-testid="tasks-table">
              <thead>
                <tr>
                  <th scope="col">Task key</th>
                  <th scope="col">Type</th>
                  <th scope="col">State</th>
                  <th scope="col">Node</th>
                  <th scope="col">Fee</th>
                  <th scope="col">Sampled</th>
                  <th scope="col">Block</th>
                </tr>
              </thead>
              <tbody>
                {data.tasks.map((task) => (
                  <tr key={task.taskKey}>
                    <td title={task.taskKey}>
                      <code>{shortHex(task.taskKey)}</code>
                    </td>
                    <td>{taskTypeNames[task.taskType] ?? task.taskType}</td>
                    <td>{task.state}</td>
                    <td title={task.node ?? ''}>
                      <code>{shortHex(task.node)}</code>
                    </td>
                    <td>{formatEth(task.fee)}</td>
                    <td>{task.sampled ? 'yes (group)' : '—'}</td>
                    <td>{task.createdBlock}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>

          <h2 id="groups-title">Validation groups</h2>
          {data.groups.length === 0 ? (
            <p>No validation group has been opened yet (about one task in ten is sampled, in secret).</p>
          ) : (
            <ul data-testid="groups-list">
              {data.groups.map((group) => (
                <li key={group.originalKey}>
                  <code title={group.originalKey}>{shortHex(group.originalKey)}</code> with{' '}
                  <code>{shortHex(group.member1)}</code> and <code>{shortHex(group.member2)}</code>, block{' '}
                  {group.block}
                </li>
              ))}
            </ul>
          )}

          <h2 id="slashes-title">Slashes</h2>
          {data.slashes.length === 0 ? (
            <p>No node has been slashed.</p>
          ) : (
            <ul data-testid="slashes-list">
              {data.slashes.map((slash) => (
                <li key={slash.id}>
                  <code title={slash.node}>{shortHex(slash.node)}</code> lost {formatEth(slash.amount)}
                  {slash.taskKey && (
                    <>
                      {' '}
                      for task <code>{shortHex(slash.taskKey)}</code>
                    </>
                  )}
                  , block {slash.block}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
