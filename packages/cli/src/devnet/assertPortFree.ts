import { createServer } from 'node:net';
import { CommandError } from '../cli/errors.js';

/**
 * Fails with an explanation when another program holds the port on 127.0.0.1, before anything is started.
 *
 * @example
 * await assertPortFree(8545);
 */
export async function assertPortFree(port: number, flag = '--port'): Promise<void> {
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const server = createServer();
    server.once('error', (cause: NodeJS.ErrnoException) => resolve(cause));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(undefined)));
  });
  if (!error) return;
  const answersRpc = await isJsonRpc(port);
  throw new CommandError(
    `Port ${port} on 127.0.0.1 is ${error.code === 'EADDRINUSE' ? 'already in use' : `unusable (${error.code})`}${answersRpc ? ' by a JSON-RPC server (another anvil or devnet started elsewhere?)' : ' by another program'}.`,
    {
      details: [
        `Stop it (\`ss -ltnp 'sport = :${port}'\` shows which), or choose another port: npm start -- ${flag} ${port + 1}${flag === '--port' ? '' : ` (0: any free port)`}.`,
      ],
    },
  );
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
