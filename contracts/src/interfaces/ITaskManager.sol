// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ITaskManager
/// @notice Task lifecycle of Verinet: fee escrow, node selection, result commitments, verifiable secret
/// sampling (VSS) with group validation, pull payments and slashing. See docs/protocol.md.
/// @dev A task is keyed by `taskIdCommitment = keccak256(abi.encodePacked(guid, nonce))`; the GUID stays
/// secret until a group validation opens it.
interface ITaskManager {
    enum TaskState {
        None, // never created
        Queued, // no node fits yet; waits in the FIFO queue
        Started, // a node is executing it
        ScoreReady, // the node committed its result (score)
        ErrorReported, // the node says the arguments are invalid
        EndSuccess, // validated as a single task: fee paid to the node
        EndGroupSuccess, // validated in a group: this member's fee paid to its node
        EndGroupRefund, // validated in a group, result correct, fee refunded to the app
        EndInvalidated, // validated in a group, result wrong: node slashed, fee refunded
        EndAborted, // timeout, error accepted or group without agreement: fee refunded
        Pending // created; its node is drawn from its creation block's hash by a later transaction (finding 1)
    }

    enum AbortReason {
        Cancelled, // the app withdrew its task while it was queued
        QueuedTimeout, // no node became free in time
        ExecutionTimeout, // the node did not answer in time
        ErrorAccepted, // the node's error report was accepted (by the app or after the window)
        GroupErrorConfirmed, // two or more members of a group reported the same error
        GroupNoAgreement, // no two members of a group agreed; nobody is slashed
        DrawExpired // nobody settled the draw while the creation block's hash was readable (256 blocks)
    }

    /// @notice What the app sends with `createTask`.
    struct CreateTaskParams {
        uint8 taskType; // 0 = SD, 1 = LLM, 2 = SD_FT
        bytes32[] modelIds; // 1..MAX_MODELS model ids (nodes fetch missing models within the timeout)
        uint32 minVram; // GiB
        bytes32 requiredGpu; // keccak256 of the GPU name; mandatory for LLM tasks, zero for image tasks
        uint64 version; // major << 32 | minor << 16 | patch
        uint256 taskSize; // informational (pricing); not used on chain
        bytes32 taskIdCommitment; // keccak256(guid ‖ nonce): the task key
        bytes32 argsCommitment; // keccak256(argsHash ‖ salt)
        // The relay's EIP-712 statement ArgsAvailable(creator, argsCommitment, relayExpiry): it holds the
        // arguments (docs/protocol.md, "Data availability"). Required while `relaySigner` is set.
        uint64 relayExpiry; // unix seconds; the statement is refused after it
        bytes relaySignature; // 65 bytes (r ‖ s ‖ v) by `relaySigner`; empty when no relay signer is set
    }

    /// @notice The opening of a validation group (the first member is the sampled original).
    struct GroupValidation {
        bytes32[3] taskKeys;
        bytes32 guid;
        bytes32[3] nonces;
        bytes32 argsHash;
        bytes32[3] salts;
        bytes[3] scores; // empty for members that reported an error or timed out
        bytes32[3] seeds; // each reported member's sampling seed as folded at its report (event data); 0 if none
        // The node requirements every member was created with (identical for all three).
        bytes32[] modelIds;
        uint32 minVram;
        bytes32 requiredGpu;
        uint64 version;
        bytes vrfProof; // 81 bytes, over the original's sampling seed
        bytes publicKey; // 64 bytes; hashes to vrfKeyOf(creator, original's seed block)
        uint256[2] uPoint;
        uint256[4] vComponents;
    }

    /// @notice A task's public record.
    struct TaskInfo {
        TaskState state;
        uint8 taskType;
        address creator;
        address node;
        uint256 fee;
        uint64 seedBlock; // block in which the task got its node (its hash is the sampling seed)
        uint64 stateTime; // timestamp at which the task entered its current state
        bytes32 commitment; // keccak(argsCommitment ‖ requestHash), then keccak(that ‖ seed ‖ resultHash)
        uint64 reportOrder; // stateTime << 16 | rank within that second, while ScoreReady / ErrorReported
    }

    // ---------------------------------------------------------------- events

    event TaskCreated(
        bytes32 indexed taskKey,
        address indexed creator,
        uint8 taskType,
        uint256 fee,
        bytes32 argsCommitment,
        uint256 taskSize
    );
    event TaskQueued(bytes32 indexed taskKey);
    /// @notice Review M2: a queued task that fits a freed node waits (Pending, still in its queue place) for a
    /// draw from this block's hash over every available node, as a new task does; the freed node is not given it.
    event TaskRedraw(bytes32 indexed taskKey);
    event TaskStarted(bytes32 indexed taskKey, address indexed node, uint8 taskType);
    event SamplingSeedRecorded(bytes32 indexed taskKey, bytes32 seed);
    /// @dev `seed` is the task's sampling seed as folded into its commitment (0 when it was unavailable).
    event TaskScoreReady(bytes32 indexed taskKey, address indexed node, bytes32 seed, bytes score);
    event TaskErrorReported(bytes32 indexed taskKey, address indexed node, bytes32 seed, uint8 errorCode);
    event TaskGroupValidated(bytes32 indexed originalKey, bytes32 indexed guid, bytes32 member1, bytes32 member2);
    event TaskEndSuccess(bytes32 indexed taskKey, address indexed node, address beneficiary, uint256 fee);
    event TaskEndGroupSuccess(bytes32 indexed taskKey, address indexed node, address beneficiary, uint256 fee);
    event TaskEndGroupRefund(bytes32 indexed taskKey, address indexed node, uint256 fee);
    event TaskEndInvalidated(bytes32 indexed taskKey, address indexed node, uint256 fee);
    event TaskEndAborted(bytes32 indexed taskKey, AbortReason reason, uint256 fee);
    event Withdrawal(address indexed account, uint256 amount);
    /// @dev `app` samples with `keyAddress`'s VRF key for originals whose seed block is after `blockNumber`.
    event VrfKeyBound(address indexed app, address keyAddress, uint256 blockNumber);

    event SamplingDenominatorSet(uint256 value);
    event HammingThresholdSet(uint256 value);
    event TimeoutSet(uint8 indexed taskType, uint256 value);
    event ValidationWindowSet(uint256 value);
    event MinFeeSet(uint256 value);
    event RelaySignerSet(address value);

    // ---------------------------------------------------------------- errors

    error InvalidTaskType(uint8 taskType);
    /// @notice Only `node` itself may ask for a queued task to be redrawn for it (review s7, finding 4).
    error DispatchNotByNode(address caller, address node);
    error InvalidModelCount(uint256 count);
    error GpuRequiredForLlm();
    error GpuPinnedImageTask(uint8 taskType);
    error ZeroCommitment();
    error FeeTooLow(uint256 fee, uint256 minFee);
    error FeeTooHigh(uint256 fee);
    error TaskExists(bytes32 taskKey);
    error InvalidState(bytes32 taskKey, TaskState state);
    error NotTaskNode(bytes32 taskKey, address caller);
    error NotTaskCreator(bytes32 taskKey, address caller);
    error InvalidScoreLength(uint8 taskType, uint256 length);
    error InvalidErrorCode(uint8 errorCode);
    error DeadlineNotReached(bytes32 taskKey, uint256 deadline);
    error SeedUnavailable(bytes32 taskKey, uint256 seedBlock, uint256 currentBlock);
    error InvalidPublicKey(uint256 length);
    error PublicKeyNotCaller(address keyAddress, address caller);
    error DuplicateGroupMember(uint256 index);
    /// @notice Members `index` and an earlier one ran on the same node (possible since nodes are free at their
    /// report, finding 6): its two reports would outvote the third; the app adds another member instead.
    error DuplicateGroupNode(uint256 index, address node);
    error TaskIdOpeningMismatch(uint256 index);
    error CommitmentOpeningMismatch(uint256 index);
    error UnexpectedScore(uint256 index);
    error GroupMemberState(uint256 index, TaskState state);
    error GroupTaskTypeMismatch(uint256 index);
    error MemberCreatedTooEarly(uint256 index, uint256 memberSeedBlock, uint256 originalSeedBlock);
    error InvalidVrfProof();
    error NotSampled(bytes32 beta, uint256 denominator);
    error TooFewReports(uint256 reported);
    error OriginalNotReported(bytes32 taskKey);
    error VrfKeyBoundThisBlock(uint256 blockNumber);
    error RelayStatementExpired(uint256 expiry, uint256 timestamp);
    error InvalidRelaySignature();
    error DrawBacklogFull();
    error NothingToWithdraw(address account);
    error WithdrawalFailed(address account, uint256 amount);
    error ParameterOutOfRange(uint256 value, uint256 min, uint256 max);

    // ---------------------------------------------------------------- app

    /// @notice Escrows `msg.value` and records the task as Pending: its node is drawn (or it queues) by the
    /// first later transaction that settles draws (`settleDraws`), from this block's hash.
    /// @return taskKey the task key (= `params.taskIdCommitment`)
    function createTask(CreateTaskParams calldata params) external payable returns (bytes32 taskKey);

    /// @notice Draws the nodes of the tasks created in earlier blocks (TaskStarted / TaskQueued), in creation
    /// order. Anyone; also run first by every call that changes the population. Returns how many it settled.
    function settleDraws() external returns (uint256);

    /// @notice Accepts the single task's outcome: pays the node (ScoreReady) or refunds the app
    /// (ErrorReported). Only the creator; claiming "not sampled" needs no proof.
    function validateSingleTask(bytes32 taskKey) external;

    /// @notice Binds a VRF key other than the caller's account key (64-byte uncompressed secp256k1 public key,
    /// e.g. generated by a DApp whose wallet never reveals its own key). It applies to originals whose seed
    /// block comes after this block; the previous key stays valid for older ones (one key per block).
    function bindVrfKey(bytes calldata publicKey) external;

    /// @notice Judges a validation group after proving, with the VRF, that the original was sampled.
    function validateTaskGroup(GroupValidation calldata group) external;

    // ---------------------------------------------------------------- node

    /// @notice The task's node commits its result; `score` goes to the event, its hash to storage. Settles the
    /// pending draws of earlier blocks first, then releases the node (finding 6: it may be given a queued
    /// task in this very transaction); its stake stays slashable until the task is settled.
    /// @param relaySignature while `relaySigner` is set: the relay's EIP-712 statement
    /// ResultAvailable(taskKey, keccak256(score)) (65 bytes r ‖ s ‖ v): it holds the node's result files and
    /// recomputed the same score, so the app can download what it pays for. Empty without a relay signer.
    function submitScore(bytes32 taskKey, bytes calldata score, bytes calldata relaySignature) external;

    /// @notice The task's node declares the arguments invalid (never for crashes, OOM or downloads). Settles
    /// and releases like `submitScore`.
    function reportTaskError(bytes32 taskKey, uint8 errorCode) external;

    // ---------------------------------------------------------------- anyone

    /// @notice Stores the task's sampling seed (hash of the block in which it got its node) while it is
    /// readable. Nodes that report more than ~200 blocks after their start call it first.
    function recordSamplingSeed(bytes32 taskKey) external returns (bytes32 seed);

    /// @notice Ends a ScoreReady / ErrorReported task as a validated single task once the app has been
    /// silent for `validationWindow`.
    function finalizeTask(bytes32 taskKey) external;

    /// @notice Ends a Queued or Started task whose timeout passed (or a Queued one cancelled by its app).
    function abortTask(bytes32 taskKey) external;

    /// @notice Probes the first queued tasks for one that fits the Available `node` (e.g. after it joined) and
    /// puts it back into the pending draws (review M2, `TaskRedraw`): its node is drawn from this block's hash by
    /// a later settlement, like a new task's. Returns its key (0: none fits, or half the draw ring is in use).
    /// Sent by `node` itself (review s7, finding 4): nobody else chooses which queued task is redrawn and when.
    function dispatchQueued(address node) external returns (bytes32 taskKey);

    /// @notice As `dispatchQueued`, probing up to `maxProbes` queued tasks in FIFO order instead of 3 (finding 4):
    /// queued tasks that fit no node cannot hold back a task that fits the Available `node`; the caller (the
    /// idle node's daemon, as `node`) pays about 10,000 gas per task it probes.
    function dispatchQueuedDeep(address node, uint256 maxProbes) external returns (bytes32 taskKey);

    /// @notice Pays out everything owed to the caller.
    function withdraw() external;

    // ---------------------------------------------------------------- views

    function getTask(bytes32 taskKey) external view returns (TaskInfo memory);

    /// @notice The recorded sampling seed, else blockhash(seedBlock) when readable, else zero (also while
    /// the task is queued: its seed block is the one that will dispatch it).
    function samplingSeed(bytes32 taskKey) external view returns (bytes32);

    function owed(address account) external view returns (uint256);

    /// @notice Moving average (weight 1/8) of the fees of tasks that ended paid, each sample clamped to
    /// [average / 2, 2 · average], in wei: what an app may pay to find a node whose price floor it meets
    /// (finding 6). Refunded tasks (error reports, group refunds) do not move it (review M1).
    function goingPrice() external view returns (uint256);

    /// @notice The address of the VRF key `app` must prove with for an original whose seed block is
    /// `seedBlock`: the latest key bound strictly before it, else the app's own account key.
    function vrfKeyOf(address app, uint256 seedBlock) external view returns (address);

    function queueHead() external view returns (bytes32);
}
