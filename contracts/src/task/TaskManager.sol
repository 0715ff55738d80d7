// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {INodeRegistry} from "../interfaces/INodeRegistry.sol";
import {ITaskManager} from "../interfaces/ITaskManager.sol";
import {IVRFVerifier} from "../interfaces/IVRFVerifier.sol";
import {GroupOutcome} from "./GroupOutcome.sol";

/// @title TaskManager
/// @notice Escrows task fees, starts tasks on nodes chosen by the NodeRegistry with chain randomness, takes
/// the nodes' result commitments, lets the app validate a single task (no proof) or, when its secret
/// VRF sampling selected the task, a group of three, and pays, refunds and slashes accordingly.
/// All payouts are pull payments (`withdraw`). See docs/protocol.md for the state machine and why it is sound.
contract TaskManager is ITaskManager, Ownable2Step, ReentrancyGuardTransient {
    // ------------------------------------------------------------------ storage layout
    //
    // Task (3 slots):
    //   slot 0 | creator (160) | state (8) | taskType (8) | seedBlock (32) | stateTime (32) | stateSeq (16) |
    //   slot 1 | node (160)                                              | fee (96)                          |
    //   slot 2 | commitment (256)                                                                             |
    // commitment = keccak(argsCommitment ‖ requestHash) at creation, then keccak(that ‖ seed ‖ resultHash)
    // when the node reports (resultHash = keccak(score), or 0 for an error report; seed = the sampling
    // seed as the chain knew it then). The seed thus costs no slot of its own on the happy path; it is in
    // the report's event and a group opening repeats it. `_seeds` is written only by recordSamplingSeed.
    // stateTime ‖ stateSeq orders reports exactly (stateSeq counts reports within one second).
    // seedBlock is the block whose hash draws the task's node (creation, or the dispatch that put a queued task
    // back into the draws): its hash is the sampling seed, unknown to everyone until that block is sealed.
    // Slot 0 survives the task's end (terminal states stay final, keys cannot be reused, group members
    // that timed out still prove their creator and seed block); slots 1-2 are cleared at the end.
    struct Task {
        address creator;
        TaskState state;
        uint8 taskType;
        uint32 seedBlock;
        uint32 stateTime;
        uint16 stateSeq;
        address node;
        uint96 fee;
        bytes32 commitment;
    }

    /// @dev A queued task's node requirements and its place in the FIFO (doubly linked for O(1) removal).
    /// `requiredGpu` is also where a pending exact-match task keeps its GPU until its draw.
    struct QueueEntry {
        bytes32 prev;
        bytes32 next;
        bytes32 requiredGpu;
        uint32 minVram;
        uint64 version;
    }

    /// @dev The values createTask needs (and the group parameters), in one slot.
    struct HotConfig {
        uint96 minFee;
        uint16 samplingDenominator;
        uint8 hammingThreshold;
        // Moving average (weight 1/8, clamped samples) of the fees of paid tasks: the going price (finding 6).
        uint96 goingPrice;
    }

    /// @dev What every report reads, in one slot: the relay's signer (its ResultAvailable statement is checked
    /// at submitScore) and the report clock; plus the pending-draw FIFO's counters (finding 1), which wrap
    /// modulo 2^16 (a multiple of the ring size), and whether the queue holds a task (a release then reads no
    /// cold queue head when it is empty, the usual case).
    struct Reporting {
        address relaySigner;
        uint32 lastReportTime;
        uint16 reportSeq;
        uint16 drawHead;
        uint16 drawTail;
        bool queueNonEmpty;
    }

    /// @dev An app's VRF keys other than its account key (finding 8: a browser wallet never reveals its key).
    /// A key bound in block b applies to originals whose seed block is after b; the previous key stays for
    /// older originals.
    struct VrfKeys {
        address current;
        uint32 currentBlock;
        address previous;
        uint32 previousBlock;
    }

    /// @dev Timeouts per task type and the validation window, in seconds, in one slot.
    struct Timing {
        uint32 timeoutSd;
        uint32 timeoutLlm;
        uint32 timeoutSdFt;
        uint32 validationWindow;
    }

    // ------------------------------------------------------------------ constants

    uint8 internal constant TASK_SD = 0;
    uint8 internal constant TASK_LLM = 1;
    uint8 internal constant TASK_SD_FT = 2;

    uint8 internal constant ERROR_INVALID_ARGUMENTS = 1;
    uint8 internal constant ERROR_INCOMPATIBLE_MODELS = 2;

    uint256 internal constant MAX_MODELS = 8;
    /// @dev Up to 64 images per task.
    uint256 internal constant MAX_IMAGE_SCORE_BYTES = 512;
    /// @dev Queue heads probed when a node becomes free: keeps every release O(1).
    uint256 internal constant MAX_QUEUE_PROBES = 3;
    /// @notice Tasks that may wait for their draw at once (finding 1): at most this many creations per block,
    /// which bounds the gas of a transaction that must settle them all (a release, a pause, ...).
    uint256 internal constant MAX_PENDING_DRAWS = 32;
    /// @notice Older draws a createTask settles: it changes no population, so it need not settle them all, and
    /// an app's createTask pays for at most this many draws of others (spreads a busy block's draws).
    uint256 internal constant MAX_DRAWS_PER_CREATE = 2;
    /// @notice A task drawn more than this many blocks after its creation block gets its seed stored at the
    /// draw: its node must not lose the seed's readable window to a late settlement.
    uint256 internal constant SEED_KEEP_DELAY = 32;
    /// @dev Set in a Pending task's node field (which holds its requirements until the draw, in bits 0-95) when
    /// the task was queued and is drawn again (review M2).
    uint256 internal constant REDRAW = 1 << 159;
    /// @notice The most VRAM (GiB) an image task may ask for and still be a going-price sample: the SDK's
    /// default, which every image-capable node has; a higher requirement could select only its app's nodes.
    uint256 internal constant PRICED_MAX_MIN_VRAM = 8;

    uint256 internal constant MIN_SAMPLING_DENOMINATOR = 2;
    uint256 internal constant MAX_SAMPLING_DENOMINATOR = 1000;
    uint256 internal constant MAX_HAMMING_THRESHOLD = 32;
    /// @notice Default per-block Hamming threshold: honest variations measured 0–2 bits (threads, graph
    /// optimization, fp16, re-encoding) and up to 8 with 2% sampler drift; unrelated images 20+ bits.
    /// 12 keeps 4 bits of margin on both sides (docs/result-hashing.md, the threshold study).
    uint256 internal constant DEFAULT_HAMMING_THRESHOLD = 12;
    uint256 internal constant MIN_TIMEOUT = 1 minutes;
    uint256 internal constant MAX_TIMEOUT = 1 days;
    /// @dev The window must leave room for two more tasks to wait in the queue and run (2 × timeout)
    /// plus this slack for the app to react.
    uint256 internal constant VALIDATION_SLACK = 10 minutes;
    uint256 internal constant MAX_VALIDATION_WINDOW = 30 days;
    uint256 internal constant MAX_MIN_FEE = 1000 ether;
    /// @notice EIP-712 type of the relay's statement that it holds a task's arguments.
    bytes32 public constant ARGS_AVAILABLE_TYPEHASH =
        keccak256("ArgsAvailable(address creator,bytes32 argsCommitment,uint64 expiry)");
    /// @notice EIP-712 type of the relay's statement that it holds a task's result files whose recomputed
    /// score hashes to `resultHash`.
    bytes32 public constant RESULT_AVAILABLE_TYPEHASH =
        keccak256("ResultAvailable(bytes32 taskKey,bytes32 resultHash)");
    /// @dev EIP-712 domain {name: "Verinet Relay", version: "1", chainId, verifyingContract: this}. Built per
    /// call (a few hundred gas) rather than with OpenZeppelin's EIP712, whose ERC-5267 getter would not fit
    /// the 24 KiB code limit.
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant DOMAIN_NAME_HASH = keccak256("Verinet Relay");
    bytes32 private constant DOMAIN_VERSION_HASH = keccak256("1");

    // ------------------------------------------------------------------ state

    INodeRegistry public immutable registry;
    IVRFVerifier public immutable vrfVerifier;

    HotConfig private _config;
    Timing private _timing;
    Reporting private _reporting;

    mapping(bytes32 taskKey => Task) private _tasks;
    mapping(bytes32 taskKey => bytes32) private _seeds;
    mapping(bytes32 taskKey => QueueEntry) private _queue;
    bytes32 private _queueHead;
    bytes32 private _queueTail;
    mapping(address account => uint256) private _owed;
    mapping(address app => VrfKeys) private _vrfKeys;
    /// @dev Ring of the tasks waiting for their draw, in creation order; slots are reused, never cleared.
    bytes32[32] private _pendingDraws;
    /// @dev Image tasks whose request narrows the draw (see _recordPaidFee): their fee is no going-price sample.
    mapping(bytes32 taskKey => bool) private _unpriced;

    constructor(INodeRegistry registry_, IVRFVerifier vrfVerifier_, address owner_) Ownable(owner_) {
        registry = registry_;
        vrfVerifier = vrfVerifier_;
        _config = HotConfig({
            minFee: 1 gwei, samplingDenominator: 10, hammingThreshold: uint8(DEFAULT_HAMMING_THRESHOLD), goingPrice: 0
        });
        _timing =
            Timing({timeoutSd: 15 minutes, timeoutLlm: 15 minutes, timeoutSdFt: 1 hours, validationWindow: 4 hours});
        // The ring's slots are written once here (1.4M gas at deployment) so that every createTask rewrites a
        // non-zero slot (5k) instead of filling an empty one (22k) for its first 64 uses.
        for (uint256 i = 0; i < MAX_PENDING_DRAWS; ++i) {
            _pendingDraws[i] = bytes32(uint256(1));
        }
    }

    // ------------------------------------------------------------------ app

    /// @inheritdoc ITaskManager
    function createTask(CreateTaskParams calldata params) external payable nonReentrant returns (bytes32 taskKey) {
        _settleDraws(MAX_DRAWS_PER_CREATE);
        taskKey = params.taskIdCommitment;
        Task storage task = _tasks[taskKey];
        _checkCreate(params, task);
        _checkArgsAvailable(params);
        uint8 taskType = params.taskType;
        if (taskType == TASK_LLM) {
            // Refused here, not at the draw: a draw never reverts (it would block everyone's settlement).
            registry.checkExactBucket(params.requiredGpu, params.version, params.minVram);
            _queue[taskKey].requiredGpu = params.requiredGpu;
        } else if (params.minVram > PRICED_MAX_MIN_VRAM || uint32(params.version) != 0) {
            _unpriced[taskKey] = true;
        }

        // The node is not drawn now (finding 1): whatever this transaction could read, its sender could
        // simulate and send only when the draw suits it. It is drawn from this block's hash, unknown until
        // the block is sealed, over the population as it stands at the end of this block (_settleDraws).
        task.creator = msg.sender;
        task.state = TaskState.Pending;
        task.taskType = taskType;
        // The seed block if a node is drawn; a task that queues gets a new one when it is drawn again.
        task.seedBlock = uint32(block.number);
        task.stateTime = uint32(block.timestamp);
        // Until the draw, the node field holds the requirements the draw needs.
        task.node = address(uint160((uint256(params.version) << 32) | params.minVram));
        task.fee = uint96(msg.value);
        task.commitment = keccak256(
            abi.encodePacked(
                params.argsCommitment,
                _requestHash(taskType, params.requiredGpu, params.minVram, params.version, params.modelIds)
            )
        );
        if (!_pushDraw(taskKey, MAX_PENDING_DRAWS)) revert DrawBacklogFull();
        emit TaskCreated(taskKey, msg.sender, taskType, msg.value, params.argsCommitment, params.taskSize);
    }

    /// @inheritdoc ITaskManager
    function settleDraws() external nonReentrant returns (uint256) {
        return _settleDraws(MAX_PENDING_DRAWS);
    }

    /// @inheritdoc ITaskManager
    function validateSingleTask(bytes32 taskKey) external nonReentrant {
        _settleDraws(MAX_PENDING_DRAWS);
        Task storage task = _tasks[taskKey];
        if (task.creator != msg.sender) revert NotTaskCreator(taskKey, msg.sender);
        _endSingle(taskKey, task);
    }

    /// @inheritdoc ITaskManager
    function validateTaskGroup(GroupValidation calldata group) external nonReentrant {
        _settleDraws(MAX_PENDING_DRAWS);
        Task storage original = _tasks[group.taskKeys[0]];
        if (group.publicKey.length != 64) revert InvalidPublicKey(group.publicKey.length);
        address keyAddress = address(uint160(uint256(keccak256(group.publicKey))));
        address expected = vrfKeyOf(msg.sender, original.seedBlock);
        if (keyAddress != expected) revert PublicKeyNotCaller(keyAddress, expected);

        uint8 taskType = original.taskType;
        bytes32 requestHash = _requestHash(taskType, group.requiredGpu, group.minVram, group.version, group.modelIds);

        GroupOutcome.Report[3] memory reports;
        uint64[3] memory order;
        for (uint256 i = 0; i < 3; ++i) {
            (GroupOutcome.Report report, uint64 submission) =
                _openMember(group, i, taskType, requestHash, original.seedBlock);
            reports[i] = report;
            order[i] = submission;
        }

        // Only an original that ran and reported starts a group (finding 3): a cancelled or timed-out
        // original has a seed the app could read while it could still withdraw the task, and it would never
        // be used up. A reported original leaves ScoreReady / ErrorReported in this very call, so it is
        // judged in at most one group.
        if (reports[0] == GroupOutcome.Report.None) revert OriginalNotReported(group.taskKeys[0]);
        _checkDistinctNodes(group.taskKeys, reports);
        _checkSampled(group);

        HotConfig memory config = _config;
        (GroupOutcome.Verdict[3] memory verdicts,, uint256 reported) =
            GroupOutcome.judge(reports, _copyScores(group.scores), order, taskType, config.hammingThreshold);
        if (reported < 2) revert TooFewReports(reported);

        emit TaskGroupValidated(group.taskKeys[0], group.guid, group.taskKeys[1], group.taskKeys[2]);
        for (uint256 i = 0; i < 3; ++i) {
            GroupOutcome.Verdict verdict = verdicts[i];
            uint8 position;
            uint8 total;
            // QoS for the winners only, ranked by when they really submitted (defect 1 of the reference).
            if (verdict == GroupOutcome.Verdict.Paid || verdict == GroupOutcome.Verdict.Refunded) {
                (position, total) = GroupOutcome.winnerRank(verdicts, order, i);
            }
            _applyVerdict(group.taskKeys[i], verdict, reports[i], position, total);
        }
    }

    /// @inheritdoc ITaskManager
    function bindVrfKey(bytes calldata publicKey) external {
        if (publicKey.length != 64) revert InvalidPublicKey(publicKey.length);
        address keyAddress = address(uint160(uint256(keccak256(publicKey))));
        VrfKeys storage keys = _vrfKeys[msg.sender];
        // One binding per block: two in one block would leave the earlier one without a block of its own.
        if (keys.currentBlock == block.number) revert VrfKeyBoundThisBlock(block.number);
        keys.previous = keys.current;
        keys.previousBlock = keys.currentBlock;
        keys.current = keyAddress;
        keys.currentBlock = uint32(block.number);
        emit VrfKeyBound(msg.sender, keyAddress, block.number);
    }

    // ------------------------------------------------------------------ node

    /// @inheritdoc ITaskManager
    function submitScore(bytes32 taskKey, bytes calldata score, bytes calldata relaySignature) external nonReentrant {
        // The release at the report changes the population: earlier blocks' draws first (finding 1).
        _settleDraws(MAX_PENDING_DRAWS);
        Task storage task = _startedTaskOfCaller(taskKey);
        uint8 taskType = task.taskType;
        uint256 length = score.length;
        if (taskType == TASK_LLM) {
            if (length != GroupOutcome.LLM_SCORE_BYTES) revert InvalidScoreLength(taskType, length);
        } else if (length == 0 || length > MAX_IMAGE_SCORE_BYTES || length % GroupOutcome.IMAGE_HASH_BYTES != 0) {
            revert InvalidScoreLength(taskType, length);
        }
        bytes32 resultHash = keccak256(score);
        // The app validates before it can download (the relay releases results after validation) and a
        // silent app's task is finalized and paid: only here can the chain refuse a result nobody can fetch
        // (relay review, finding 3). A node whose files the relay lacks, or whose score differs from the
        // relay's recomputation by a single bit, cannot report and times out.
        address signer = _reporting.relaySigner;
        if (signer != address(0)) {
            _checkRelaySignature(
                signer,
                _hashTypedData(keccak256(abi.encode(RESULT_AVAILABLE_TYPEHASH, taskKey, resultHash))),
                relaySignature
            );
        }
        bytes32 seed = _report(taskKey, task, TaskState.ScoreReady, resultHash);
        emit TaskScoreReady(taskKey, msg.sender, seed, score);
        _releaseAtReport(taskKey, task.fee);
    }

    /// @inheritdoc ITaskManager
    function reportTaskError(bytes32 taskKey, uint8 errorCode) external nonReentrant {
        if (errorCode != ERROR_INVALID_ARGUMENTS && errorCode != ERROR_INCOMPATIBLE_MODELS) {
            revert InvalidErrorCode(errorCode);
        }
        _settleDraws(MAX_PENDING_DRAWS);
        Task storage task = _startedTaskOfCaller(taskKey);
        bytes32 seed = _report(taskKey, task, TaskState.ErrorReported, bytes32(0));
        emit TaskErrorReported(taskKey, msg.sender, seed, errorCode);
        // An error report is never paid to its node, so it opens no fee (review: OpenFeesFreeze): counted as the
        // whole fee, a bait task with invalid arguments froze the node's room for the validation window for free.
        _releaseAtReport(taskKey, 0);
    }

    /// @dev Finding 6: the node takes its next task now instead of waiting for the app; its stake stays
    /// answerable for this one (the registry counts it until the task is settled).
    /// A node slashed meanwhile cannot report (the registry refuses it, review M3).
    function _releaseAtReport(bytes32 taskKey, uint256 fee) private {
        if (registry.releaseAtReport(msg.sender, taskKey, fee)) _dispatch(msg.sender, MAX_QUEUE_PROBES);
    }

    // ------------------------------------------------------------------ anyone

    /// @inheritdoc ITaskManager
    function recordSamplingSeed(bytes32 taskKey) external returns (bytes32 seed) {
        Task storage task = _tasks[taskKey];
        TaskState state = task.state;
        // A queued (or not yet drawn) task has no seed yet: a queued task's is fixed by its redraw's block.
        if (state == TaskState.None || state == TaskState.Queued || state == TaskState.Pending) {
            revert InvalidState(taskKey, state);
        }
        seed = _seeds[taskKey];
        if (seed != bytes32(0)) return seed;
        seed = _readableBlockhash(task.seedBlock);
        if (seed == bytes32(0)) revert SeedUnavailable(taskKey, task.seedBlock, block.number);
        _seeds[taskKey] = seed;
        emit SamplingSeedRecorded(taskKey, seed);
    }

    /// @inheritdoc ITaskManager
    function finalizeTask(bytes32 taskKey) external nonReentrant {
        _settleDraws(MAX_PENDING_DRAWS);
        Task storage task = _tasks[taskKey];
        uint256 deadline = uint256(task.stateTime) + _timing.validationWindow;
        // Windows last hours: the few seconds a block producer can shift the timestamp do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < deadline) revert DeadlineNotReached(taskKey, deadline);
        _endSingle(taskKey, task);
    }

    /// @inheritdoc ITaskManager
    function abortTask(bytes32 taskKey) external nonReentrant {
        _settleDraws(MAX_PENDING_DRAWS);
        Task storage task = _tasks[taskKey];
        TaskState state = task.state;
        if (state != TaskState.Queued && state != TaskState.Started) revert InvalidState(taskKey, state);
        uint256 deadline = uint256(task.stateTime) + _timeoutOf(task.taskType);
        bool cancelled = state == TaskState.Queued && msg.sender == task.creator;
        // Timeouts last minutes: the few seconds a block producer can shift the timestamp do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (!cancelled && block.timestamp < deadline) revert DeadlineNotReached(taskKey, deadline);

        address node = task.node;
        address creator = task.creator;
        uint256 fee = task.fee;
        task.state = TaskState.EndAborted;
        _clear(task);
        _owed[creator] += fee;
        if (state == TaskState.Queued) {
            _unlink(taskKey);
            emit TaskEndAborted(taskKey, cancelled ? AbortReason.Cancelled : AbortReason.QueuedTimeout, fee);
        } else {
            emit TaskEndAborted(taskKey, AbortReason.ExecutionTimeout, fee);
            // A timeout counts against the node only when the relay attested that the arguments were
            // available (finding 5): without a relay signer, nobody can tell a lazy node from one that was
            // never given its arguments, and an app could kick out honest nodes for free.
            if (_reporting.relaySigner != address(0) && _onTask(node, taskKey)) registry.recordTimeout(node);
            _release(node, taskKey);
        }
    }

    /// @inheritdoc ITaskManager
    function dispatchQueued(address node) external nonReentrant returns (bytes32 taskKey) {
        return _dispatchBy(node, MAX_QUEUE_PROBES);
    }

    /// @inheritdoc ITaskManager
    /// @dev Releases probe 3 heads (their gas stays O(1)); this call is how a task behind blockers reaches an
    /// idle node. It redraws the first task in FIFO order that fits, as a release would; the node is drawn (M2).
    function dispatchQueuedDeep(address node, uint256 maxProbes) external nonReentrant returns (bytes32 taskKey) {
        return _dispatchBy(node, maxProbes);
    }

    /// @dev Review s7, finding 4: a dispatch named any Available node, so anyone chose which queued task was
    /// redrawn and when (timing and order, not the node). The idle node's own daemon sends it; nobody else has a
    /// reason to, since a release already dispatches for the node it frees.
    function _dispatchBy(address node, uint256 maxProbes) private returns (bytes32) {
        if (msg.sender != node) revert DispatchNotByNode(msg.sender, node);
        _settleDraws(MAX_PENDING_DRAWS);
        return _dispatch(node, maxProbes);
    }

    /// @inheritdoc ITaskManager
    function withdraw() external nonReentrant {
        uint256 amount = _owed[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        _owed[msg.sender] = 0;
        emit Withdrawal(msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert WithdrawalFailed(msg.sender, amount);
    }

    // ------------------------------------------------------------------ owner

    /// @notice Sets the sampling rate to 1 / `value`.
    function setSamplingDenominator(uint256 value) external onlyOwner {
        _checkRange(value, MIN_SAMPLING_DENOMINATOR, MAX_SAMPLING_DENOMINATOR);
        // forge-lint: disable-next-line(unsafe-typecast) -- at most MAX_SAMPLING_DENOMINATOR (checked above)
        _config.samplingDenominator = uint16(value);
        emit SamplingDenominatorSet(value);
    }

    /// @notice Sets the largest Hamming distance per 64-bit image hash block that still counts as a match.
    function setHammingThreshold(uint256 value) external onlyOwner {
        _checkRange(value, 0, MAX_HAMMING_THRESHOLD);
        // forge-lint: disable-next-line(unsafe-typecast) -- at most MAX_HAMMING_THRESHOLD (checked above)
        _config.hammingThreshold = uint8(value);
        emit HammingThresholdSet(value);
    }

    /// @notice Sets the timeout of `taskType` tasks (per state: queued, then running).
    function setTimeout(uint8 taskType, uint256 value) external onlyOwner {
        if (taskType > TASK_SD_FT) revert InvalidTaskType(taskType);
        uint256 maxTimeout = (uint256(_timing.validationWindow) - VALIDATION_SLACK) / 2;
        if (maxTimeout > MAX_TIMEOUT) maxTimeout = MAX_TIMEOUT;
        _checkRange(value, MIN_TIMEOUT, maxTimeout);
        // forge-lint: disable-next-line(unsafe-typecast) -- at most MAX_TIMEOUT (checked above)
        uint32 seconds_ = uint32(value);
        if (taskType == TASK_SD) _timing.timeoutSd = seconds_;
        else if (taskType == TASK_LLM) _timing.timeoutLlm = seconds_;
        else _timing.timeoutSdFt = seconds_;
        emit TimeoutSet(taskType, value);
    }

    /// @notice Sets how long the app has, after a score or error report, before anyone may finalize.
    function setValidationWindow(uint256 value) external onlyOwner {
        Timing memory timing = _timing;
        uint256 longest = timing.timeoutSd;
        if (timing.timeoutLlm > longest) longest = timing.timeoutLlm;
        if (timing.timeoutSdFt > longest) longest = timing.timeoutSdFt;
        _checkRange(value, 2 * longest + VALIDATION_SLACK, MAX_VALIDATION_WINDOW);
        // forge-lint: disable-next-line(unsafe-typecast) -- at most MAX_VALIDATION_WINDOW (checked above)
        _timing.validationWindow = uint32(value);
        emit ValidationWindowSet(value);
    }

    /// @notice Sets the smallest fee a task may carry.
    function setMinFee(uint256 value) external onlyOwner {
        _checkRange(value, 1, MAX_MIN_FEE);
        // forge-lint: disable-next-line(unsafe-typecast) -- at most MAX_MIN_FEE (checked above)
        _config.minFee = uint96(value);
        emit MinFeeSet(value);
    }

    /// @notice Sets the relay's signing address. While it is set, every createTask carries the relay's
    /// ArgsAvailable statement and execution timeouts count against nodes; while it is 0 (a devnet without
    /// relay) neither holds. Reaches running tasks: the timeout rule is read when a task is aborted.
    function setRelaySigner(address value) external onlyOwner {
        _reporting.relaySigner = value;
        emit RelaySignerSet(value);
    }

    // ------------------------------------------------------------------ views

    /// @notice The relay's signing address (0: no relay statements are required).
    function relaySigner() external view returns (address) {
        return _reporting.relaySigner;
    }

    /// @inheritdoc ITaskManager
    function getTask(bytes32 taskKey) external view returns (TaskInfo memory info) {
        Task storage task = _tasks[taskKey];
        info = TaskInfo({
            state: task.state,
            taskType: task.taskType,
            creator: task.creator,
            node: task.state == TaskState.Pending ? address(0) : task.node,
            fee: task.fee,
            seedBlock: task.seedBlock,
            stateTime: task.stateTime,
            commitment: task.commitment,
            reportOrder: _reportOrder(task)
        });
    }

    /// @inheritdoc ITaskManager
    /// @dev Same order as the report (`_report`): the readable block hash first, then a stored seed, so that
    /// what a node or app reads here is what a report folds in.
    function samplingSeed(bytes32 taskKey) public view returns (bytes32 seed) {
        Task storage task = _tasks[taskKey];
        TaskState state = task.state;
        if (state != TaskState.None && state != TaskState.Queued && state != TaskState.Pending) {
            seed = _readableBlockhash(task.seedBlock);
        }
        if (seed == bytes32(0)) seed = _seeds[taskKey];
    }

    /// @inheritdoc ITaskManager
    function vrfKeyOf(address app, uint256 seedBlock) public view returns (address) {
        VrfKeys storage keys = _vrfKeys[app];
        // Strictly before the seed block: the key was fixed before anyone could know the seed.
        if (keys.current != address(0) && keys.currentBlock < seedBlock) return keys.current;
        if (keys.previous != address(0) && keys.previousBlock < seedBlock) return keys.previous;
        return app;
    }

    /// @inheritdoc ITaskManager
    function owed(address account) external view returns (uint256) {
        return _owed[account];
    }

    /// @notice The number of tasks waiting for their draw.
    function pendingDraws() external view returns (uint256) {
        Reporting memory reporting = _reporting;
        unchecked {
            return uint16(reporting.drawTail - reporting.drawHead);
        }
    }

    /// @inheritdoc ITaskManager
    function queueHead() external view returns (bytes32) {
        return _queueHead;
    }

    /// @notice A task is sampled when its VRF output is a multiple of this (default 10: 10 %).
    function samplingDenominator() external view returns (uint256) {
        return _config.samplingDenominator;
    }

    /// @notice Largest per-block Hamming distance at which two image scores still match.
    function hammingThreshold() external view returns (uint256) {
        return _config.hammingThreshold;
    }

    /// @notice The going price: a moving average (weight 1/8) of the fees of the tasks that ended paid, each
    /// clamped to [average / 2, 2 · average], in wei (0 before the first paid task). Nodes set their floors (`NodeRegistry.setPriceFloor`) near it, so a
    /// task below it may wait in the queue.
    function goingPrice() external view returns (uint256) {
        return _config.goingPrice;
    }

    /// @notice Smallest fee `createTask` accepts, in wei.
    function minFee() external view returns (uint256) {
        return _config.minFee;
    }

    /// @notice Seconds a `taskType` task may stay Queued, and then Started, before anyone may abort it.
    function timeout(uint8 taskType) external view returns (uint256) {
        if (taskType > TASK_SD_FT) revert InvalidTaskType(taskType);
        return _timeoutOf(taskType);
    }

    /// @notice Seconds after a report during which only the app may end the task.
    function validationWindow() external view returns (uint256) {
        return _timing.validationWindow;
    }

    /// @notice The next queued task after `taskKey` (zero at the tail).
    function queueNext(bytes32 taskKey) external view returns (bytes32) {
        return _queue[taskKey].next;
    }

    // ------------------------------------------------------------------ internal: endings

    function _endSingle(bytes32 taskKey, Task storage task) private {
        TaskState state = task.state;
        address node = task.node;
        uint256 fee = task.fee;
        if (state == TaskState.ScoreReady) {
            task.state = TaskState.EndSuccess;
            _clear(task);
            // The node was released at its report (finding 6); one registry call settles the report, credits
            // QoS (ignored for a node that is gone) and names the payee (its events precede TaskEndSuccess).
            address beneficiary = registry.settleReport(node, 0, 1, false, fee);
            _owed[beneficiary] += fee;
            _recordPaidFee(taskKey, task.taskType, fee);
            emit TaskEndSuccess(taskKey, node, beneficiary, fee);
        } else if (state == TaskState.ErrorReported) {
            task.state = TaskState.EndAborted;
            address creator = task.creator;
            _clear(task);
            _owed[creator] += fee;
            emit TaskEndAborted(taskKey, AbortReason.ErrorAccepted, fee);
            // Opened with 0 at its report (reportTaskError).
            registry.settleReport(node, 0, 0, false, 0);
        } else {
            revert InvalidState(taskKey, state);
        }
    }

    function _applyVerdict(
        bytes32 taskKey,
        GroupOutcome.Verdict verdict,
        GroupOutcome.Report report,
        uint8 position,
        uint8 total
    ) private {
        if (verdict == GroupOutcome.Verdict.Untouched) return;
        Task storage task = _tasks[taskKey];
        address node = task.node;
        uint256 fee = task.fee;
        _clear(task);
        // Every judged member reported, so its node was released at the report and counted it (finding 6):
        // the verdict reaches the node wherever it is now, its stake included, as long as it is registered.
        // What the report opened: 0 for an error report (reportTaskError), the fee for a score.
        uint256 opened = report == GroupOutcome.Report.Error ? 0 : fee;
        if (verdict == GroupOutcome.Verdict.Paid) {
            task.state = TaskState.EndGroupSuccess;
            address beneficiary = registry.settleReport(node, position, total, false, opened);
            _owed[beneficiary] += fee;
            _recordPaidFee(taskKey, task.taskType, fee);
            emit TaskEndGroupSuccess(taskKey, node, beneficiary, fee);
        } else {
            // Every other verdict gives the fee back to the app.
            _owed[task.creator] += fee;
            if (verdict == GroupOutcome.Verdict.Refunded) {
                task.state = TaskState.EndGroupRefund;
                emit TaskEndGroupRefund(taskKey, node, fee);
            } else if (verdict == GroupOutcome.Verdict.Invalidated) {
                task.state = TaskState.EndInvalidated;
                emit TaskEndInvalidated(taskKey, node, fee);
                registry.settleReport(node, 0, 0, true, opened);
                return;
            } else {
                task.state = TaskState.EndAborted;
                emit TaskEndAborted(
                    taskKey,
                    report == GroupOutcome.Report.Error
                        ? AbortReason.GroupErrorConfirmed
                        : AbortReason.GroupNoAgreement,
                    fee
                );
            }
            registry.settleReport(node, position, total, false, opened);
        }
    }

    /// @dev Clears what the task no longer needs once it ended (gas refund); slot 0 stays.
    function _clear(Task storage task) private {
        task.node = address(0);
        task.fee = 0;
        task.commitment = bytes32(0);
    }

    /// @dev Frees the node and, when it is available again, puts the first queued task that fits it back into the
    /// draws (review M2).
    function _release(address node, bytes32 taskKey) private {
        if (registry.releaseNode(node, taskKey)) _dispatch(node, MAX_QUEUE_PROBES);
    }

    /// @dev Defect 4 of the reference: group effects must only reach a node still working on this task.
    function _onTask(address node, bytes32 taskKey) private view returns (bool) {
        return registry.currentTaskOf(node) == taskKey;
    }

    // ------------------------------------------------------------------ internal: draws (finding 1)

    /// @dev Draws the node of every task created in an earlier block, in creation order. Run first by every
    /// transaction that changes the population a draw sees (task endings here, join / pause / resume / quit
    /// in the registry) and by createTask: so the population stays as it stood at the end of the creation
    /// block, and nobody who learnt the block's hash can reshape it. Never reverts for a task's sake.
    /// At most `max` draws: a call that changes the population passes MAX_PENDING_DRAWS (all of them).
    function _settleDraws(uint256 max) private returns (uint256 settled) {
        Reporting memory reporting = _reporting;
        uint16 head = reporting.drawHead;
        uint16 tail = reporting.drawTail;
        while (head != tail && settled < max) {
            bytes32 key = _pendingDraws[head % MAX_PENDING_DRAWS];
            Task storage task = _tasks[key];
            if (task.seedBlock >= block.number) break;
            _draw(key, task, head);
            unchecked {
                ++head;
                ++settled;
            }
        }
        if (settled != 0) _reporting.drawHead = head;
    }

    /// @dev One task's draw: randomness from its creation block's hash mixed with its place in the FIFO
    /// (nothing its creator chooses). A hash no longer readable (nobody settled for 256 blocks) draws
    /// nothing: the task ends with a refund, so waiting out the hash gives nobody a known draw.
    function _draw(bytes32 key, Task storage task, uint24 position) private {
        bytes32 hash = _readableBlockhash(task.seedBlock);
        uint256 packed = uint160(task.node);
        // A redraw (review M2) is still linked at its queue place; a new task is not in the queue.
        bool redraw = packed & REDRAW != 0;
        uint8 taskType = task.taskType;
        bytes32 gpu = taskType == TASK_LLM ? _queue[key].requiredGpu : bytes32(0);
        if (hash == bytes32(0)) {
            // Forfeited, not refunded: a creator that knows the hash could simulate its draw, settle the draws it
            // likes and let the others expire for free (re-rolls). The fee goes where slashed stakes go.
            uint256 fee = task.fee;
            task.state = TaskState.EndAborted;
            _clear(task);
            _leaveQueue(key, redraw, gpu);
            emit TaskEndAborted(key, AbortReason.DrawExpired, fee);
            address pool = address(registry.incentivePool());
            (bool ok,) = pool.call{value: fee}("");
            if (!ok) revert WithdrawalFailed(pool, fee);
            return;
        }
        // Truncations intended: the fields were packed from a uint32 and a uint64 at creation.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 minVram = uint32(packed);
        // forge-lint: disable-next-line(unsafe-typecast)
        uint64 version = uint64(packed >> 32);
        address node = registry.selectNode(
            INodeRegistry.SelectionRequest({
                taskType: taskType,
                requiredGpu: gpu,
                minVram: minVram,
                version: version,
                modelIds: new bytes32[](0),
                fee: task.fee
            }),
            uint256(keccak256(abi.encodePacked(hash, position))),
            key
        );
        task.node = node;
        if (node == address(0)) {
            task.state = TaskState.Queued;
            // A redraw that found no node waits at its old place, its queue timeout still counting.
            if (!redraw) {
                task.stateTime = uint32(block.timestamp);
                _enqueue(key, minVram, version);
            }
            emit TaskQueued(key);
        } else {
            task.stateTime = uint32(block.timestamp);
            task.state = TaskState.Started;
            _leaveQueue(key, redraw, gpu);
            emit TaskStarted(key, node, taskType);
            // Settled late (say by its own app near block b + 255), the hash would soon be unreadable and the
            // node could not report (SeedUnavailable, then a timeout against an honest node): keep it. A prompt
            // draw leaves the node at least 256 - SEED_KEEP_DELAY blocks, as the node rule assumes.
            if (block.number - task.seedBlock > SEED_KEEP_DELAY) {
                _seeds[key] = hash;
                emit SamplingSeedRecorded(key, hash);
            }
        }
    }

    // ------------------------------------------------------------------ internal: queue

    /// @dev The entry's requiredGpu was written at creation (exact-match tasks only).
    function _enqueue(bytes32 taskKey, uint32 minVram, uint64 version) private {
        QueueEntry storage entry = _queue[taskKey];
        entry.minVram = minVram;
        entry.version = version;
        bytes32 tail = _queueTail;
        if (tail == bytes32(0)) {
            _queueHead = taskKey;
            _reporting.queueNonEmpty = true;
        } else {
            entry.prev = tail;
            _queue[tail].next = taskKey;
        }
        _queueTail = taskKey;
    }

    /// @dev A drawn (or expired) task leaves the queue structures: a redraw its queue place, a new exact-match
    /// task the entry that kept its GPU.
    function _leaveQueue(bytes32 taskKey, bool redraw, bytes32 gpu) private {
        if (redraw) _unlink(taskKey);
        else if (gpu != bytes32(0)) delete _queue[taskKey];
    }

    function _unlink(bytes32 taskKey) private {
        QueueEntry storage entry = _queue[taskKey];
        bytes32 prev = entry.prev;
        bytes32 next = entry.next;
        if (prev == bytes32(0)) _queueHead = next;
        else _queue[prev].next = next;
        if (next == bytes32(0)) _queueTail = prev;
        else _queue[next].prev = prev;
        if (prev == bytes32(0) && next == bytes32(0)) _reporting.queueNonEmpty = false;
        delete _queue[taskKey];
    }

    /// @dev Probes at most `maxProbes` queued tasks from the head for the first (FIFO) that fits `node`, and puts it
    /// back into the pending draws (review M2): the node chose when it was freed and its floor, so handing it the
    /// task would let it pick a task whose fee it knows. The task keeps its queue place while it waits (a draw
    /// that finds no node leaves it Queued there, so it is never overtaken nor reordered) and later probes skip
    /// it. Redraws use at most half the ring: they cannot crowd out creations.
    function _dispatch(address node, uint256 maxProbes) private returns (bytes32) {
        if (!_reporting.queueNonEmpty) return bytes32(0);
        bytes32 key = _queueHead;
        for (uint256 probe = 0; probe < maxProbes && key != bytes32(0); ++probe) {
            QueueEntry storage entry = _queue[key];
            Task storage task = _tasks[key];
            if (task.state == TaskState.Queued) {
                uint32 minVram = entry.minVram;
                uint64 version = entry.version;
                INodeRegistry.SelectionRequest memory request = INodeRegistry.SelectionRequest({
                    taskType: task.taskType,
                    requiredGpu: entry.requiredGpu,
                    minVram: minVram,
                    version: version,
                    modelIds: new bytes32[](0),
                    fee: task.fee
                });
                if (registry.fits(node, request)) {
                    if (!_pushDraw(key, MAX_PENDING_DRAWS / 2)) return bytes32(0);
                    // stateTime stays: the queue timeout counts from the first queueing, the execution timeout
                    // from the draw that starts the task.
                    task.state = TaskState.Pending;
                    task.seedBlock = uint32(block.number);
                    task.node = address(uint160(REDRAW | (uint256(version) << 32) | minVram));
                    emit TaskRedraw(key);
                    return key;
                }
            }
            key = entry.next;
        }
        return bytes32(0);
    }

    /// @dev Appends `key` to the pending-draw ring unless `limit` draws already wait.
    function _pushDraw(bytes32 key, uint256 limit) private returns (bool) {
        Reporting memory reporting = _reporting;
        uint16 tail = reporting.drawTail;
        unchecked {
            if (tail - reporting.drawHead >= limit) return false;
            _pendingDraws[tail % MAX_PENDING_DRAWS] = key;
            _reporting.drawTail = tail + 1;
        }
        return true;
    }

    // ------------------------------------------------------------------ internal: helpers

    /// @notice The EIP-712 digest the relay signs for ArgsAvailable(creator, argsCommitment, expiry).
    function argsAvailableDigest(address creator, bytes32 argsCommitment, uint64 expiry) public view returns (bytes32) {
        return _hashTypedData(keccak256(abi.encode(ARGS_AVAILABLE_TYPEHASH, creator, argsCommitment, expiry)));
    }

    /// @notice The EIP-712 digest the relay signs for ResultAvailable(taskKey, resultHash).
    function resultAvailableDigest(bytes32 taskKey, bytes32 resultHash) external view returns (bytes32) {
        return _hashTypedData(keccak256(abi.encode(RESULT_AVAILABLE_TYPEHASH, taskKey, resultHash)));
    }

    function _hashTypedData(bytes32 structHash) private view returns (bytes32) {
        bytes32 domain =
            keccak256(abi.encode(DOMAIN_TYPEHASH, DOMAIN_NAME_HASH, DOMAIN_VERSION_HASH, block.chainid, address(this)));
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    function _checkRelaySignature(address signer, bytes32 digest, bytes calldata signature) private pure {
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecover(digest, signature);
        if (error != ECDSA.RecoverError.NoError || recovered != signer) revert InvalidRelaySignature();
    }

    /// @dev Every task the chain knows had its arguments at the relay, uploaded by its creator: a node that
    /// times out cannot blame missing arguments, and an app cannot create tasks whose arguments it withholds.
    function _checkArgsAvailable(CreateTaskParams calldata params) private view {
        address signer = _reporting.relaySigner;
        if (signer == address(0)) return;
        // Statements last minutes: the few seconds a block producer can shift the timestamp do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > params.relayExpiry) revert RelayStatementExpired(params.relayExpiry, block.timestamp);
        _checkRelaySignature(
            signer, argsAvailableDigest(msg.sender, params.argsCommitment, params.relayExpiry), params.relaySignature
        );
    }

    /// @dev Validates a createTask call.
    function _checkCreate(CreateTaskParams calldata params, Task storage task) private view {
        uint8 taskType = params.taskType;
        if (taskType > TASK_SD_FT) revert InvalidTaskType(taskType);
        uint256 modelCount = params.modelIds.length;
        if (modelCount == 0 || modelCount > MAX_MODELS) revert InvalidModelCount(modelCount);
        if (taskType == TASK_LLM) {
            if (params.requiredGpu == bytes32(0)) revert GpuRequiredForLlm();
        } else if (params.requiredGpu != bytes32(0)) {
            // Image tasks are drawn across GPU models (finding 2): a pin would let Sybils that claim a rare
            // GPU make up every validation group of it.
            revert GpuPinnedImageTask(taskType);
        }
        if (params.taskIdCommitment == bytes32(0) || params.argsCommitment == bytes32(0)) revert ZeroCommitment();
        if (task.state != TaskState.None) revert TaskExists(params.taskIdCommitment);
        HotConfig memory config = _config;
        if (msg.value < config.minFee) revert FeeTooLow(msg.value, config.minFee);
        if (msg.value > type(uint96).max) revert FeeTooHigh(msg.value);
    }

    function _startedTaskOfCaller(bytes32 taskKey) private view returns (Task storage task) {
        task = _tasks[taskKey];
        if (task.state != TaskState.Started) revert InvalidState(taskKey, task.state);
        if (task.node != msg.sender) revert NotTaskNode(taskKey, msg.sender);
    }

    /// @dev Checks member `index` of a group opening against its on-chain commitments.
    function _openMember(
        GroupValidation calldata group,
        uint256 index,
        uint8 taskType,
        bytes32 requestHash,
        uint256 seedBlock
    ) private view returns (GroupOutcome.Report report, uint64 order) {
        bytes32 key = group.taskKeys[index];
        for (uint256 j = 0; j < index; ++j) {
            if (group.taskKeys[j] == key) revert DuplicateGroupMember(index);
        }
        if (keccak256(abi.encodePacked(group.guid, group.nonces[index])) != key) revert TaskIdOpeningMismatch(index);
        Task storage task = _tasks[key];
        if (task.creator != msg.sender) revert NotTaskCreator(key, msg.sender);
        if (task.taskType != taskType) revert GroupTaskTypeMismatch(index);
        // The extra members must come after the seed was fixed, i.e. after the app could know it was sampled.
        if (index > 0 && task.seedBlock <= seedBlock) {
            revert MemberCreatedTooEarly(index, task.seedBlock, seedBlock);
        }
        TaskState state = task.state;
        if (state == TaskState.EndAborted) {
            // Timed out (or withdrawn): takes no part; its commitments went with its refund.
            if (group.scores[index].length != 0) revert UnexpectedScore(index);
            return (GroupOutcome.Report.None, 0);
        }
        bytes32 resultHash;
        if (state == TaskState.ScoreReady) {
            resultHash = keccak256(group.scores[index]);
            report = GroupOutcome.Report.Score;
        } else if (state == TaskState.ErrorReported) {
            if (group.scores[index].length != 0) revert UnexpectedScore(index);
            report = GroupOutcome.Report.Error;
        } else {
            revert GroupMemberState(index, state);
        }
        // Same arguments (argsHash), same node requirements (requestHash), and the seed and result the
        // node itself folded in when it reported.
        bytes32 opened =
            keccak256(abi.encodePacked(keccak256(abi.encodePacked(group.argsHash, group.salts[index])), requestHash));
        opened = keccak256(abi.encodePacked(opened, group.seeds[index], resultHash));
        if (opened != task.commitment) revert CommitmentOpeningMismatch(index);
        order = _reportOrder(task);
    }

    /// @dev Nodes are free at their report (finding 6), so one node may run two members of a group: its two
    /// reports would always agree and outvote an honest third. A group is judged over three different nodes.
    function _checkDistinctNodes(bytes32[3] calldata keys, GroupOutcome.Report[3] memory reports) private view {
        address[3] memory node;
        for (uint256 i = 0; i < 3; ++i) {
            if (reports[i] == GroupOutcome.Report.None) continue;
            node[i] = _tasks[keys[i]].node;
            for (uint256 j = 0; j < i; ++j) {
                if (node[j] == node[i]) revert DuplicateGroupNode(i, node[i]);
            }
        }
    }

    /// @dev The original reported, so its seed is the one it folded into its commitment (opened above).
    function _checkSampled(GroupValidation calldata group) private view {
        bytes32 seed = group.seeds[0];
        bytes memory message = abi.encodePacked(seed);
        if (!vrfVerifier.fastVerify(group.publicKey, group.vrfProof, message, group.uPoint, group.vComponents)) {
            revert InvalidVrfProof();
        }
        bytes32 beta = vrfVerifier.proofToHash(group.vrfProof);
        uint256 denominator = _config.samplingDenominator;
        if (uint256(beta) % denominator != 0) revert NotSampled(beta, denominator);
    }

    function _copyScores(bytes[3] calldata scores) private pure returns (bytes[3] memory copy) {
        for (uint256 i = 0; i < 3; ++i) {
            copy[i] = scores[i];
        }
    }

    /// @dev Moves a Started task to `state`, folding the sampling seed and the result into its commitment.
    /// Seed = hash of the block in which the task got its node: unknown to the app when it signed, fixed
    /// one block later; readable for 256 blocks, and afterwards only if it was recorded.
    function _report(bytes32 taskKey, Task storage task, TaskState state, bytes32 resultHash)
        private
        returns (bytes32 seed)
    {
        seed = _readableBlockhash(task.seedBlock);
        if (seed == bytes32(0)) seed = _seeds[taskKey];
        // A report without a seed could never be validated in a group, which would let a cheater escape
        // sampling by answering in its start block or more than 256 blocks later. A node that needs longer
        // records the seed first (recordSamplingSeed, any time within 256 blocks of its start).
        if (seed == bytes32(0)) revert SeedUnavailable(taskKey, task.seedBlock, block.number);
        uint32 now_ = uint32(block.timestamp);
        Reporting memory reporting = _reporting;
        uint16 seq = reporting.lastReportTime == now_ ? reporting.reportSeq + 1 : 0;
        _reporting.lastReportTime = now_;
        _reporting.reportSeq = seq;
        task.state = state;
        task.stateTime = now_;
        task.stateSeq = seq;
        task.commitment = keccak256(abi.encodePacked(task.commitment, seed, resultHash));
    }

    /// @dev The going price follows the fees nodes were paid (finding 6; review M1): a task that ends refunded
    /// (an error report, a group refund) moves nothing, so an app cannot move it for free with a huge fee and
    /// invalid arguments. Each sample is clamped to [average / 2, 2 · average], so one paid task moves it by
    /// at most an eighth of the average (a 12.5 % rise or 6.25 % fall).
    /// Only a task whose draw was open to every node able to serve it is a sample (review: GoingPriceSelfDealing):
    /// an app that pins its tasks to nodes it runs (an LLM task's requiredGpu, which any node may declare; a VRAM
    /// or minor version above what others declare) pays its fees to itself, and would move the price for gas.
    /// An open draw pays a node drawn by stake from the whole pool, so each step costs the fee for real.
    function _recordPaidFee(bytes32 taskKey, uint8 taskType, uint256 fee) private {
        if (taskType == TASK_LLM) return;
        uint256 average = _config.goingPrice;
        // A fee equal to the average moves nothing, whoever drew the node: apps that pay the going price (the
        // SDK's default) skip the cold read of `_unpriced` and the write.
        if (fee == average || _unpriced[taskKey]) return;
        // fee and average are below 2^96 (so 2 · average below 2^97): no overflow; the result stays between them.
        unchecked {
            if (average == 0) {
                average = fee;
            } else if (fee > average) {
                if (fee > 2 * average) fee = 2 * average;
                average += (fee - average) / 8;
            } else {
                if (fee < average / 2) fee = average / 2;
                average -= (average - fee) / 8;
            }
        }
        // forge-lint: disable-next-line(unsafe-typecast) -- at most max(fee, average), both uint96 (above)
        _config.goingPrice = uint96(average);
    }

    /// @dev Exact order of reports: time, then rank within that second (0 before any report).
    function _reportOrder(Task storage task) private view returns (uint64) {
        TaskState state = task.state;
        if (state != TaskState.ScoreReady && state != TaskState.ErrorReported) return 0;
        return (uint64(task.stateTime) << 16) | task.stateSeq;
    }

    function _readableBlockhash(uint256 blockNumber) private view returns (bytes32) {
        if (blockNumber >= block.number || block.number - blockNumber > 256) return bytes32(0);
        return blockhash(blockNumber);
    }

    /// @dev The node requirements are part of what a group opening proves identical (an LLM task on a
    /// different GPU model would honestly disagree and get an honest node slashed).
    function _requestHash(
        uint8 taskType,
        bytes32 requiredGpu,
        uint32 minVram,
        uint64 version,
        bytes32[] calldata modelIds
    ) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(taskType, requiredGpu, minVram, version, modelIds));
    }

    function _timeoutOf(uint8 taskType) private view returns (uint256) {
        Timing memory timing = _timing;
        if (taskType == TASK_SD) return timing.timeoutSd;
        if (taskType == TASK_LLM) return timing.timeoutLlm;
        return timing.timeoutSdFt;
    }

    function _checkRange(uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert ParameterOutOfRange(value, min, max);
    }
}
