import { createServer } from 'node:net';
import { CommandError } from '../cli/errors.js';

/** Ports the devnet will listen on, each under the flag that moves it (`count` consecutive ports from `port`). */
export type DevnetPortRange = { port: number; flag: string; count?: number };

/**
 * `keep`: the user's other arguments, repeated in the suggested command (trial s13: a start with `--dir X` was
 * told to run one without it, which started another devnet).
 *
 * Fails with one explanation naming every port another program holds on 127.0.0.1 (and the flag that moves it),
 * before anything is started: a user who freed one port should not meet the next clash on the following start.
 *
 * @example
 * await assertPortsFree([{ port: 8545, flag: '--port' }, { port: 8600, flag: '--node-api-port', count: 3 }]);
 */
export async function assertPortsFree(
  ranges: readonly DevnetPortRange[],
  options: { keep?: readonly string[] | undefined } = {},
): Promise<void> {
  const checks = ranges.flatMap((range) =>
    Array.from({ length: range.count ?? 1 }, (_, index) => ({ range, port: range.port + index })),
  );
  const results = await Promise.all(
    checks.map(async (check) => ({ ...check, error: await tryListen(check.port) })),
  );
  const busy = results.filter((result) => result.error !== undefined);
  const first = busy[0];
  if (!first) return;
  const rpcPorts = new Set(
    (await Promise.all(busy.map(async ({ port }) => ((await isJsonRpc(port)) ? port : undefined)))).filter(
      (port) => port !== undefined,
    ),
  );
  const moves = [...new Set(busy.map(({ range }) => range))].map((range) => {
    const next = range.port + (range.count ?? 1);
    return `${range.flag} ${next}`;
  });
  // The command is printed to be pasted as it is (trial s14: its "(0: any free port)" notes broke it in bash): the
  // note about 0 is said once, before it, and nothing follows it.
  const zeroNote = busy.some(({ range }) => range.flag !== '--port')
    ? ' (every port flag but --port also takes 0: any free port)'
    : '';
  // The user's arguments, but a flag the suggestion moves only once (at its new port).
  const moved = new Set(busy.map(({ range }) => range.flag));
  const kept: string[] = [];
  const keep = options.keep ?? [];
  for (let index = 0; index < keep.length; index++) {
    const argument = keep[index] ?? '';
    if (moved.has(argument)) index++;
    else kept.push(argument);
  }
  // One `ss` filter for every busy port: each holder is shown, not only the first one's.
  const filter =
    busy.length === 1
      ? `sport = :${first.port}`
      : `( ${busy.map(({ port }) => `sport = :${port}`).join(' or ')} )`;
  const details = [
    `Stop ${busy.length === 1 ? 'it' : 'them'} (\`ss -ltnp '${filter}'\` shows which), or choose other ports${zeroNote}: npm start -- ${[...kept, ...moves].join(' ')}`,
  ];
  if (busy.length === 1) {
    const code = first.error?.code;
    throw new CommandError(
      `Port ${first.port} on 127.0.0.1 is ${code === 'EADDRINUSE' ? 'already in use' : `unusable (${code})`}${rpcPorts.has(first.port) ? ' by a JSON-RPC server (another anvil or devnet started elsewhere?)' : ' by another program'}.`,
      { details },
    );
  }
  const named = busy.map(
    ({ port, range, error }) =>
      `${port} (${range.flag}${error?.code === 'EADDRINUSE' ? '' : `: ${error?.code}`}${rpcPorts.has(port) ? ', a JSON-RPC server' : ''})`,
  );
  throw new CommandError(
    `Ports ${named.join(', ')} on 127.0.0.1 are already in use by other programs${rpcPorts.size > 0 ? ' (a JSON-RPC server: another anvil or devnet started elsewhere?)' : ''}.`,
    { details },
  );
}

function tryListen(port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (cause: NodeJS.ErrnoException) => resolve(cause));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

async function isJsonRpc(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1000),
    });
    const body = (await response.json()) as { result?: unknown };
    return typeof body.result === 'string';
  } catch {
    return false;
  }
}
