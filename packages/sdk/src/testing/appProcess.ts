/**
 * Test helper run as a child process: an application that starts one LLM task through the SDK with a SQLite
 * store and prints every progress event as a JSON line, so a test can kill it (SIGKILL) at a chosen step and
 * resume the task from the same store in another process.
 * Input: one JSON argument { chain, relay, privateKey, storePath, fee, args, id }.
 */
import { createClient } from '../client/createClient.js';
import { createSqliteStore } from '../store/createSqliteStore.js';

const input = JSON.parse(process.argv[2] ?? '{}');
const client = createClient({
  chain: input.chain,
  relay: input.relay,
  account: input.privateKey,
  store: createSqliteStore({ path: input.storePath }),
  fee: BigInt(input.fee),
  pollIntervalMs: 100,
});
const print = (value: unknown) =>
  process.stdout.write(`${JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
client.on((event) => print(event));
try {
  await client.runTask({ type: 'llm', args: input.args }, { id: input.id });
  print({ type: 'exit', ok: true });
} catch (error) {
  print({ type: 'exit', ok: false, error: (error as Error).message });
  process.exitCode = 1;
}
await client.close();
