#!/usr/bin/env node
// npm run test:mutation — applies deliberate bugs to the contracts one at a time (in a temporary copy of
// contracts/, never in the working tree), runs the forge unit suites against each, and reports which
// mutants the suite kills and which survive. Not part of `npm test`: it compiles once per mutant.
//
// Bounded time: the real forge binary (never `npx forge`, whose wrapper loses the exit code), the optimizer
// off (solc-js compiles several times faster without it; no test asserts optimized gas — the baseline run
// below proves the suites pass unoptimized), one build per mutant of only the mutated file's dependents among
// the selected test files (forge's sparse compilation), fuzz runs lowered, invariant campaigns skipped.
// A baseline run of the unmutated suites comes first: when it fails, no mutant is judged.
//
// Options (environment): MUTATION_ONLY=7,3 runs only those mutants (1-based), in that order;
// MUTATION_TIMEOUT_S bounds each forge run (default 600 s); MUTATION_BUDGET_S stops starting new mutants after
// that many seconds (default 3600); MUTATION_FUZZ_RUNS (default 64); MUTATION_SUITES narrows the test files
// (see suitesOf). Exit code 1 when any mutant survived (or could not be applied), 0 otherwise.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const forge = join(root, 'node_modules/@foundry-rs/forge-linux-amd64/bin/forge');
const TM = 'src/task/TaskManager.sol';
const NR = 'src/node/NodeRegistry.sol';
const NV = 'src/node/NodeVersion.sol';

/** Each mutant: the file (under contracts/), the exact text to replace (must occur once), its replacement. */
const mutants = [
  {
    name: 'group validation trusts the app seed for an original that never reported',
    file: TM,
    find: 'if (reports[0] == GroupOutcome.Report.None) revert OriginalNotReported(group.taskKeys[0]);',
    replace: '',
  },
  {
    name: 'the creator may abort a running task at any time',
    file: TM,
    find: 'bool cancelled = state == TaskState.Queued && msg.sender == task.creator;',
    replace: 'bool cancelled = msg.sender == task.creator;',
  },
  {
    name: 'relay statement accepted from any signer',
    file: TM,
    find: 'if (error != ECDSA.RecoverError.NoError || recovered != signer) revert InvalidRelaySignature();',
    replace: 'if (error != ECDSA.RecoverError.NoError) revert InvalidRelaySignature();',
  },
  {
    name: 'relay statement accepted one second after its expiry',
    file: TM,
    find: 'if (block.timestamp > params.relayExpiry)',
    replace: 'if (block.timestamp > uint256(params.relayExpiry) + 1)',
  },
  {
    name: 'timeouts count against nodes without a relay statement',
    file: TM,
    find: 'if (_reporting.relaySigner != address(0) && _onTask(node, taskKey)) registry.recordTimeout(node);',
    replace: 'if (_onTask(node, taskKey)) registry.recordTimeout(node);',
  },
  {
    name: 'LLM tasks accept a newer minor version',
    file: NV,
    find: 'if (taskType == EXACT_MATCH_TASK_TYPE) return nodeVersion == taskVersion;',
    replace: 'if (taskType == EXACT_MATCH_TASK_TYPE) return isCompatible(nodeVersion, taskVersion);',
  },
  {
    name: 'image tasks may pin a GPU',
    file: TM,
    find: 'revert GpuPinnedImageTask(taskType);',
    replace: '',
  },
  {
    name: 'bucket floor off by one',
    file: NR,
    find: 'if (population < minimum) revert NodeRegistryBucketTooSmall(population, minimum);',
    replace: 'if (population + 1 < minimum) revert NodeRegistryBucketTooSmall(population, minimum);',
  },
  {
    name: 'a member created in the original seed block is accepted',
    file: TM,
    find: 'if (index > 0 && task.seedBlock <= seedBlock) {',
    replace: 'if (index > 0 && task.seedBlock < seedBlock) {',
  },
  {
    name: 'commitment openings are not checked',
    file: TM,
    find: 'if (opened != task.commitment) revert CommitmentOpeningMismatch(index);',
    replace: '',
  },
  {
    name: 'a group is judged without the original being sampled',
    file: TM,
    find: 'if (uint256(beta) % denominator != 0) revert NotSampled(beta, denominator);',
    replace: '',
  },
  {
    name: 'a group is judged with one report',
    file: TM,
    find: 'if (reported < 2) revert TooFewReports(reported);',
    replace: 'if (reported < 1) revert TooFewReports(reported);',
  },
  {
    name: 'a report without a known seed is accepted',
    file: TM,
    find: 'if (seed == bytes32(0)) revert SeedUnavailable(taskKey, task.seedBlock, block.number);\n        uint32 now_',
    replace: 'uint32 now_',
  },
  {
    name: 'finalize one second before the validation window ends',
    file: TM,
    find: 'if (block.timestamp < deadline) revert DeadlineNotReached(taskKey, deadline);\n        _endSingle',
    replace:
      'if (block.timestamp + 1 < deadline) revert DeadlineNotReached(taskKey, deadline);\n        _endSingle',
  },
  {
    name: 'abort one second before the timeout',
    file: TM,
    find: 'if (!cancelled && block.timestamp < deadline)',
    replace: 'if (!cancelled && block.timestamp + 1 < deadline)',
  },
  {
    name: 'fees above 2^96 accepted',
    file: TM,
    find: 'if (msg.value > type(uint96).max) revert FeeTooHigh(msg.value);',
    replace: '',
  },
  {
    name: 'withdraw does not clear the balance first',
    file: TM,
    find: '_owed[msg.sender] = 0;\n        emit Withdrawal',
    replace: 'emit Withdrawal',
  },
  {
    name: 'an accepted error report pays the node',
    file: TM,
    find: '            _owed[creator] += fee;\n            emit TaskEndAborted(taskKey, AbortReason.ErrorAccepted, fee);',
    replace:
      '            _owed[node] += fee;\n            emit TaskEndAborted(taskKey, AbortReason.ErrorAccepted, fee);',
  },
  {
    name: 'a slash verdict misses a cheater that moved on to another task (F6)',
    file: TM,
    find: 'registry.settleReport(node, 0, 0, true, opened);',
    replace: 'registry.settleReport(node, 0, 0, registry.currentTaskOf(node) == taskKey, opened);',
  },
  {
    name: 'a kick-out returns the stake while reports are unsettled (F6)',
    file: NR,
    find: 'if (n.unsettledReports <= UNSETTLED_BIAS) {\n                _returnStake(node, _removeNode(node, n));\n            } else if',
    replace: 'if (true) {\n                _returnStake(node, _removeNode(node, n));\n            } else if',
  },
  {
    name: 'duplicate group members accepted',
    file: TM,
    find: 'if (group.taskKeys[j] == key) revert DuplicateGroupMember(index);',
    replace: '',
  },
  {
    name: 'a dispatched task keeps its creation seed block (seed known while queued)',
    file: TM,
    find: '                    task.seedBlock = uint32(block.number);\n                    task.node = address(uint160(REDRAW',
    replace: '                    task.node = address(uint160(REDRAW',
  },
  {
    name: 'task keys may be reused',
    file: TM,
    find: 'if (task.state != TaskState.None) revert TaskExists(params.taskIdCommitment);',
    replace: '',
  },
  {
    name: 'anyone may validate a single task',
    file: TM,
    find: 'if (task.creator != msg.sender) revert NotTaskCreator(taskKey, msg.sender);\n        _endSingle',
    replace: '_endSingle',
  },
  {
    name: 'departing nodes stay in their bucket population',
    file: NR,
    find: '        _countRegistered(n, false);\n',
    replace: '',
  },
  {
    name: 'kick-out one timeout late',
    file: NR,
    find: 'if (timeouts >= _settings.maxTimeoutsBeforeKick) {',
    replace: 'if (timeouts > _settings.maxTimeoutsBeforeKick) {',
  },
  {
    name: 'the ResultAvailable statement is not bound to the score',
    file: TM,
    find: '_hashTypedData(keccak256(abi.encode(RESULT_AVAILABLE_TYPEHASH, taskKey, resultHash))),',
    replace: '_hashTypedData(keccak256(abi.encode(RESULT_AVAILABLE_TYPEHASH, taskKey, bytes32(0)))),',
  },
  {
    name: 'a task is drawn in its own creation block (F1)',
    file: TM,
    find: 'if (task.seedBlock >= block.number) break;',
    replace: 'if (task.seedBlock > block.number) break;',
  },
  {
    name: 'pause does not settle the pending draws first (F1)',
    file: NR,
    find: '    function pause() external {\n        _settleDraws();',
    replace: '    function pause() external {',
  },
  {
    name: 'dispatchQueuedDeep probes only the three heads (F4)',
    file: TM,
    find: 'return _dispatch(node, maxProbes);',
    replace: 'return _dispatch(node, MAX_QUEUE_PROBES);',
  },
  {
    name: 'quit returns the stake while reports are unsettled (F6)',
    file: NR,
    find: '            _quitWhenSettled(msg.sender, n);',
    replace: '            _returnStake(msg.sender, _removeNode(msg.sender, n));',
  },
  {
    name: 'the node is not released at its report (F6)',
    file: NR,
    find: '        return _release(node, n, taskKey);\n    }\n\n    /// @inheritdoc INodeRegistry\n    /// @dev One call per reported',
    replace:
      '        return false;\n    }\n\n    /// @inheritdoc INodeRegistry\n    /// @dev One call per reported',
  },
  {
    name: 'submitScore releases the node before settling earlier draws (F6, F1)',
    file: TM,
    find: "        // The release at the report changes the population: earlier blocks' draws first (finding 1).\n        _settleDraws(MAX_PENDING_DRAWS);\n",
    replace: '',
  },
  {
    name: 'the price floor is ignored at the draw and the dispatch (F6)',
    file: NR,
    find: 'if (fee < uint256(n.priceFloorGwei) * 1 gwei) return false;',
    replace: '',
  },
  {
    name: 'setPriceFloor does not settle the pending draws first (F6, F1)',
    file: NR,
    find: 'so they are settled first.\n        _settleDraws();',
    replace: 'so they are settled first.',
  },
  {
    name: 'a late draw does not keep its seed (F1 review)',
    file: TM,
    find: 'if (block.number - task.seedBlock > SEED_KEEP_DELAY) {',
    replace: 'if (false) {',
  },
  {
    name: 'an expired draw refunds its fee (F1 review: free re-rolls)',
    file: TM,
    find: '(bool ok,) = pool.call{value: fee}("");\n            if (!ok) revert WithdrawalFailed(pool, fee);',
    replace: '_owed[task.creator] += fee;\n            pool;',
  },
  {
    name: 'createTask settles every pending draw (F1 review: unbounded cost)',
    file: TM,
    find: '_settleDraws(MAX_DRAWS_PER_CREATE);',
    replace: '_settleDraws(MAX_PENDING_DRAWS);',
  },
  {
    name: 'a draw whose block hash expired is drawn anyway (F1)',
    file: TM,
    find: 'if (hash == bytes32(0)) {',
    replace: 'if (false) {',
  },
  {
    name: 'a refunded error report moves the going price (review M1)',
    file: TM,
    find: '            _owed[creator] += fee;\n            emit TaskEndAborted(taskKey, AbortReason.ErrorAccepted, fee);',
    replace:
      '            _owed[creator] += fee;\n            _recordPaidFee(taskKey, TASK_SD, fee);\n            emit TaskEndAborted(taskKey, AbortReason.ErrorAccepted, fee);',
  },
  {
    name: 'going price samples are not clamped (review M1)',
    file: TM,
    find: 'if (fee > 2 * average) fee = 2 * average;',
    replace: '',
  },
  {
    name: 'open fees beyond the stake are not refused at the draw or dispatch (review M3)',
    file: NR,
    find: 'return open <= type(uint40).max && open * 1 gwei * OPEN_FEES_STAKE_DIVISOR <= n.stake;',
    replace: 'return open <= type(uint40).max;',
  },
  {
    name: 'a slashed node may still report (review M3)',
    file: NR,
    find: 'if (n.status == NodeStatus.Quit) revert NodeRegistryNotRegistered(node);\n        // Checked',
    replace: '// Checked',
  },
  {
    name: 'a settlement does not release the open fees (review M3)',
    file: NR,
    find: 'n.openFeesGwei = uint40(n.openFeesGwei - _gweiCeil(fee));',
    replace: '',
  },
  {
    name: 'an error report opens its fee (review OpenFeesFreeze)',
    file: TM,
    find: '_releaseAtReport(taskKey, 0);',
    replace: '_releaseAtReport(taskKey, task.fee);',
  },
  {
    name: 'a pinned task is a going-price sample (review GoingPriceSelfDealing)',
    file: TM,
    find: 'if (fee == average || _unpriced[taskKey]) return;',
    replace: 'if (fee == average) return;',
  },
  {
    name: 'setStakeWeightCap does not settle the pending draws first (F1, session 6)',
    file: NR,
    find: '    function setStakeWeightCap(uint256 multiplier) external onlyOwner {\n        _settleDraws();',
    replace: '    function setStakeWeightCap(uint256 multiplier) external onlyOwner {',
  },
  {
    name: 'a dispatch hands the queued task to the freed node (review M2)',
    file: TM,
    find: 'if (!_pushDraw(key, MAX_PENDING_DRAWS / 2)) return bytes32(0);',
    replace:
      '_unlink(key);\n                    task.state = TaskState.Started;\n                    task.node = node;\n                    task.stateTime = uint32(block.timestamp);\n                    task.seedBlock = uint32(block.number);\n                    emit TaskStarted(key, node, request.taskType);\n                    registry.occupyNode(node, key);\n                    return key;',
  },
  {
    name: 'redraws may fill the whole draw ring (review M2, L1)',
    file: TM,
    find: 'if (!_pushDraw(key, MAX_PENDING_DRAWS / 2)) return bytes32(0);',
    replace: 'if (!_pushDraw(key, MAX_PENDING_DRAWS)) return bytes32(0);',
  },
  {
    name: 'a redraw that finds no node is queued again at the tail (review M2)',
    file: TM,
    find: '            if (!redraw) {\n                task.stateTime = uint32(block.timestamp);',
    replace:
      '            if (redraw) _unlink(key);\n            {\n                task.stateTime = uint32(block.timestamp);',
  },
  {
    name: 'a task waiting for its redraw is offered again (review M2)',
    file: TM,
    find: 'if (task.state == TaskState.Queued) {',
    replace: 'if (task.state == TaskState.Queued || task.state == TaskState.Pending) {',
  },
  {
    name: 'an expired redraw stays linked in the queue (review M2)',
    file: TM,
    find: '            _clear(task);\n            _leaveQueue(key, redraw, gpu);',
    replace: '            _clear(task);\n            if (gpu != bytes32(0)) delete _queue[key];',
  },
  {
    name: 'a redraw restarts the queue timeout (review M2)',
    file: TM,
    find: '                    task.state = TaskState.Pending;\n                    task.seedBlock',
    replace:
      '                    task.state = TaskState.Pending;\n                    task.stateTime = uint32(block.timestamp);\n                    task.seedBlock',
  },
  {
    name: 'anyone may dispatch a queued task for any node (review s7, finding 4)',
    file: TM,
    find: 'if (msg.sender != node) revert DispatchNotByNode(msg.sender, node);',
    replace: '',
  },
];

function run(cmd, args, options) {
  return spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
}

const only = (process.env.MUTATION_ONLY ?? '')
  .split(',')
  .filter(Boolean)
  .map((n) => Number(n));
const timeoutMs = Number(process.env.MUTATION_TIMEOUT_S ?? 600) * 1000;
const forgeEnv = {
  ...process.env,
  FOUNDRY_OPTIMIZER: 'false',
  FOUNDRY_FUZZ_RUNS: process.env.MUTATION_FUZZ_RUNS ?? '64',
  FOUNDRY_PROFILE: 'default',
};
/** The unit suites that exercise a mutated file (invariant campaigns take minutes each; they run in `npm test`). */
// MUTATION_SUITES (a forge --match-path glob) replaces both, baseline included: a quicker, weaker judge under load
// (a kill by it is a kill; a survivor must be re-run with the default suites before it counts as one).
const suitesOf = (file) =>
  process.env.MUTATION_SUITES ?? (file === TM ? 'test/{task,hardening}/*' : 'test/{node,task,hardening}/*');
const runSuites = (suites) =>
  run(forge, ['test', '--match-path', suites, '--no-match-contract', 'Invariant'], {
    cwd: contracts,
    timeout: timeoutMs,
    env: forgeEnv,
  });
const failedCount = (output) => output.match(/(\d+) failed/g)?.at(-1);
const budgetMs = Number(process.env.MUTATION_BUDGET_S ?? 3600) * 1000;

// A scratch copy: contracts/ (with its build cache, so each mutant recompiles only what it touches) next to
// links to node_modules and packages, which foundry.toml reaches through "../".
const scratch = mkdtempSync(join(tmpdir(), 'verinet-mutation-'));
const contracts = join(scratch, 'contracts');
// Timestamps kept, so forge's cache stays valid and only the mutated file and its dependents recompile.
cpSync(join(root, 'contracts'), contracts, { recursive: true, preserveTimestamps: true });
symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'));
symlinkSync(join(root, 'packages'), join(scratch, 'packages'));
const cleanup = () => rmSync(scratch, { recursive: true, force: true });
// spawnSync holds signals until the running forge ends; the scratch copy is removed in `finally`.

const started = Date.now();
const results = [];
try {
  if (!existsSync(forge)) throw new Error(`forge binary missing at ${forge}`);
  // Baseline (and the one full unoptimized build the mutants' builds start from): the widest suite set,
  // which holds every other.
  for (const suites of [suitesOf(NR)]) {
    const t0 = Date.now();
    const base = runSuites(suites);
    const output = `${base.stdout}${base.stderr}`;
    const failed = failedCount(output);
    if (base.error || base.status !== 0 || !failed || !failed.startsWith('0 ')) {
      console.error(output.slice(-4000));
      throw new Error(`baseline run of ${suites} failed: no mutant can be judged`);
    }
    console.log(`baseline ${suites}: green (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  // MUTATION_ONLY also gives the order (the newest mutants first, say, when the time budget is short).
  const order =
    only.length > 0 ? only.filter((id) => id >= 1 && id <= mutants.length) : mutants.map((_, i) => i + 1);
  for (const id of order) {
    const m = mutants[id - 1];
    if (Date.now() - started > budgetMs) {
      results.push({ id, name: m.name, outcome: 'not run (time budget)' });
      continue;
    }
    const path = join(contracts, m.file);
    const original = readFileSync(path, 'utf8');
    const count = original.split(m.find).length - 1;
    if (count !== 1) {
      results.push({ id, name: m.name, outcome: `NOT APPLIED (pattern found ${count} times)` });
      console.log(`${String(id).padStart(2)}. ${m.name}: NOT APPLIED (pattern found ${count} times)`);
      continue;
    }
    writeFileSync(path, original.replace(m.find, m.replace));
    const t0 = Date.now();
    const result = runSuites(suitesOf(m.file));
    writeFileSync(path, original);
    const output = `${result.stdout}${result.stderr}`;
    const failed = failedCount(output);
    let outcome;
    if (result.error) outcome = `timeout (${result.error.message})`;
    else if (/Compiler run failed|Compilation failed/.test(output)) outcome = 'killed (does not compile)';
    else if (result.status !== 0 || (failed && !failed.startsWith('0 '))) {
      // Up to the test's own "] name(…) (gas|runs": the reason may hold brackets ("[1e16]"), which cut the old
      // pattern short and left a kill unnamed (mutant 17, session 5).
      const names = [...output.matchAll(/\[FAIL.*?\] (\w+)\([^)]*\) \((?:gas|runs)/g)].map((x) => x[1]);
      outcome = `killed by ${[...new Set(names)].slice(0, 3).join(', ') || 'a failing suite'}`;
      // A non-zero exit that names no failing test may be forge itself failing: show why, so it is not
      // mistaken for a kill.
      if (names.length === 0)
        console.log(`   (no failing test named; forge exit ${result.status}):\n${output.slice(-1500)}`);
    } else outcome = 'SURVIVED';
    const seconds = ((Date.now() - t0) / 1000).toFixed(0);
    results.push({ id, name: m.name, outcome, seconds });
    console.log(`${String(id).padStart(2)}. ${m.name}: ${outcome} (${seconds} s)`);
  }
} catch (error) {
  console.error(`mutation: ${error.message}`);
  process.exitCode = 2;
} finally {
  cleanup();
}
if (process.exitCode === 2) process.exit(2);

const survivors = results.filter((r) => r.outcome === 'SURVIVED' || r.outcome.startsWith('NOT APPLIED'));
const killed = results.filter((r) => r.outcome.startsWith('killed'));
console.log(
  `\n${mutants.length} mutants, ${results.length} considered: ${killed.length} killed, ${survivors.length} survived or not applied, ${results.filter((r) => r.outcome.startsWith('not run')).length} not run (time budget)`,
);
for (const r of survivors) console.log(`  survivor ${r.id}: ${r.name} (${r.outcome})`);
if (!existsSync(forge)) console.log(`(forge binary missing at ${forge})`);
process.exit(survivors.length > 0 ? 1 : 0);
