import type { TaskEvent } from '@verinet/sdk';
import { formatEth } from '@verinet/web/format';

const short = (hex: string) => `${hex.slice(0, 10)}…`;

/**
 * One progress line per protocol step of a task (stderr), or undefined for events not worth a line (the
 * repeated `running` ticks are shown at most every few seconds by the caller). With the task's creation time
 * (ms), `running` counts from it.
 *
 * @example
 * formatTaskEvent({ type: 'node', taskKey, node, id, at }); // "node chosen      0x1234…"
 */
export function formatTaskEvent(event: TaskEvent, taskCreatedAt?: number): string | undefined {
  switch (event.type) {
    case 'prepared':
      return `prepared         ${event.taskType} task ${event.id} (arguments well-formed, secrets drawn; nothing paid yet)`;
    case 'uploaded':
      return `arguments up     relay holds them (commitment ${short(event.argsCommitment)})`;
    case 'created':
      return `created          ${event.role === 'member' ? 'group member ' : ''}task ${short(event.taskKey)}, fee ${formatEth(event.fee)}${event.txHash ? ` (tx ${short(event.txHash)})` : ''}`;
    case 'queued':
      return `queued           no free node yet for ${short(event.taskKey)}`;
    case 'node':
      return `node chosen      ${event.node} for ${short(event.taskKey)}`;
    case 'running':
      // The SDK counts from when this process began waiting: 0 again after `task resume`. The task's own
      // creation time (its stored record) counts the same across runs.
      return taskCreatedAt === undefined
        ? `running          on ${short(event.node)} for ${(event.elapsedMs / 1000).toFixed(1)} s`
        : `running          on ${short(event.node)}, ${((event.at - taskCreatedAt) / 1000).toFixed(1)} s since the task was created`;
    case 'scored':
      return `scored           ${short(event.taskKey)} by ${short(event.node)}: ${event.score}`;
    case 'error_reported':
      return `error reported   by ${short(event.node)} (code ${event.code}: invalid arguments)`;
    case 'sampled':
      return `sampled          ${event.selected ? 'yes: forming a group of 3 (two more nodes run it; given up if too few nodes are free)' : 'no: validated alone'}`;
    case 'group':
      return `group            ${event.taskKeys.map(short).join(', ')}`;
    case 'replaced':
      return `replaced         ${short(event.taskKey)} ran on ${short(event.node)}, already in the group: new member ${short(event.replacement)} (the old one is paid alone)`;
    case 'validated':
      return `accepted         on chain: ${event.mode === 'group' ? 'the 3 results agree (validateTaskGroup)' : 'each result validated alone (validateSingleTask)'}`;
    case 'paid':
      return `paid             ${formatEth(event.amount)} to ${short(event.node)}`;
    case 'refunded':
      return `refunded         ${formatEth(event.amount)} owed back for ${short(event.taskKey)}`;
    case 'forfeited':
      return `forfeited        ${formatEth(event.amount)} of ${short(event.taskKey)}: nobody drew its node within 256 blocks (DrawExpired)`;
    case 'downloaded':
      return `downloaded       ${event.files.map((file) => `${file.name} (${file.size} B)`).join(', ')}, checked against the chain`;
    case 'aborted':
      return `aborted          ${short(event.taskKey)}: ${event.reason}`;
    case 'resubmitted':
      return `resubmitted      as ${event.taskKeys.map(short).join(', ')}`;
    case 'retry':
      return `retry            ${event.step} (attempt ${event.attempt}, in ${event.delayMs} ms): ${event.error}`;
    case 'done':
      return 'done';
    case 'failed':
      return undefined;
  }
}
