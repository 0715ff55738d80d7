/**
 * Example (docs/sdk.md): one LLM chat task on the local network, with progress printed and the task kept in a
 * SQLite file so that a second run after Ctrl-C resumes it.
 *   npx tsx packages/sdk/src/examples/chat.ts [relay URL] [deployment.json]
 */
import { readDeployment } from '@verinet/protocol/chain';
import { createClient, createSqliteStore, getChainFromDeployment } from '@verinet/sdk/node';
import { formatEther } from 'viem';

const relay = process.argv[2] ?? 'http://127.0.0.1:8600';
const deployment = readDeployment(process.argv[3] ?? '.verinet/devnet/deployment.json');
const client = createClient({
  chain: getChainFromDeployment(deployment),
  relay,
  // anvil's test account 9 (public devnet key; never use it elsewhere)
  account: '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
  store: createSqliteStore({ path: '.verinet/examples/chat.db' }),
  pollIntervalMs: 200,
});
client.on((event) => console.log(`[${event.type}]`, 'taskKey' in event ? event.taskKey : ''));
const resumed = await client.resumeTasks();
if (resumed.length) console.log(`resumed ${resumed.length} unfinished task(s)`);
const completion = await client.chat.completions.create({
  model: 'verinet/tiny-gpt2',
  messages: [{ role: 'user', content: 'Say hello' }],
  max_tokens: 8,
});
// JSON-quoted: a tiny random model writes control characters a terminal would obey.
console.log(JSON.stringify(completion.choices[0]?.message.content ?? ''));
console.log('verified against task', completion.verinet.taskKey, `(${completion.verinet.validation})`);
console.log(`refunds owed to the app: ${formatEther(await client.getOwed())} ETH`);
await client.close();
