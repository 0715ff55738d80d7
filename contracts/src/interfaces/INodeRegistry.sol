// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title INodeRegistry
/// @notice Nodes, their stakes and statuses, QoS, and node selection for tasks. The TaskManager is the only
/// contract allowed to select, occupy, release, penalize and slash nodes.
/// @dev Versions are packed as `major << 32 | minor << 16 | patch`. A node runs a task when the majors are
/// equal and the node's `minor << 16 | patch` is at least the task's.
import {IIncentivePool} from "./IIncentivePool.sol";

interface INodeRegistry {
    enum NodeStatus {
        Quit, // not registered (never joined, quit, kicked out or slashed)
        Available,
        Busy,
        Paused,
        PendingPause, // busy; becomes Paused when its task ends
        PendingQuit // quits (stake returned) once its task ends and every task it reported on is settled
    }

    /// @notice What a task needs from a node.
    struct SelectionRequest {
        uint8 taskType; // 0 = SD, 1 = LLM, 2 = SD_FT
        bytes32 requiredGpu; // keccak256 of the GPU name; 0 = any GPU (LLM tasks must set it)
        uint32 minVram; // GiB
        uint64 version; // packed task version
        bytes32[] modelIds; // models the task uses (informational for selection: holdings are self-declared)
        uint256 fee; // the task's fee: a node whose price floor is above it is never chosen (finding 6)
    }

    /// @notice One node's public record.
    struct NodeInfo {
        NodeStatus status;
        uint256 stake;
        bytes32 gpuId; // keccak256(gpuName)
        uint32 vram;
        uint64 version;
        address beneficiary;
        bytes32 currentTask; // task the node is busy with (0 when not busy)
    }

    // ---------------------------------------------------------------- events

    /// @notice `node` joined with `stake`; `gpuName` hashes to `gpuId`.
    event NodeJoined(
        address indexed node,
        bytes32 indexed gpuId,
        string gpuName,
        uint32 vram,
        uint64 version,
        uint256 stake,
        address beneficiary,
        bytes publicKey
    );
    /// @notice Every status transition but two, which the TaskManager logs in the same transaction (one event per
    /// fact, ≈ 2k gas each per task): Available -> Busy at a draw (TaskStarted names the node) and Busy ->
    /// Available at a report (TaskScoreReady / TaskErrorReported name it). Indexers follow those for Busy.
    event NodeStatusChanged(address indexed node, NodeStatus from, NodeStatus to);
    /// @notice The whole `amount` of `node`'s stake went to the incentive pool; the node is removed.
    event NodeSlashed(address indexed node, uint256 amount);
    /// @notice `node` was removed after `consecutiveTimeouts` timeouts in a row (stake returned, not slashed).
    event NodeKickedOut(address indexed node, uint256 consecutiveTimeouts);
    /// @notice `amount` of stake was credited to `node`'s pending withdrawals.
    event StakeReturned(address indexed node, uint256 amount);
    /// @notice `account` withdrew `amount` of returned stake.
    event StakeWithdrawn(address indexed account, uint256 amount);
    /// @notice `node` now holds `modelIds` (locality preference in selection).
    event ModelsUpdated(address indexed node, bytes32[] modelIds);
    /// @notice Payouts for `node` now go to `beneficiary` (0 = the node itself).
    event BeneficiaryChanged(address indexed node, address beneficiary);
    /// @notice `node`'s QoS score moved from `oldScore` to `newScore` (basis points).
    event QoSScoreChanged(address indexed node, uint16 oldScore, uint16 newScore);
    /// @notice `node` takes only tasks whose fee is at least `floor` wei (finding 6; whole gwei, rounded up).
    event PriceFloorSet(address indexed node, uint256 floor);
    /// @notice The TaskManager was set (at construction; immutable).
    event TaskManagerSet(address taskManager);
    /// @notice An owner parameter changed.
    event MinStakeChanged(uint256 oldValue, uint256 newValue);
    event StakeWeightCapChanged(uint256 oldMultiplier, uint256 newMultiplier);
    event MaxTimeoutsBeforeKickChanged(uint256 oldValue, uint256 newValue);
    event MinExactBucketChanged(uint256 oldValue, uint256 newValue);
    event QoSParamsChanged(
        uint16 firstPoints,
        uint16 secondPoints,
        uint16 thirdPoints,
        uint16 timeoutPenalty,
        uint16 initialScore,
        uint16 minScore,
        uint8 smoothingShift
    );

    // ---------------------------------------------------------------- errors

    error NodeRegistryInsufficientStake(uint256 stake, uint256 minStake);
    error NodeRegistryStakeTooLarge(uint256 stake, uint256 maxStake);
    error NodeRegistryInvalidPublicKeyLength(uint256 length);
    error NodeRegistryPublicKeyMismatch(address sender, address keyAddress);
    error NodeRegistryTooManyModels(uint256 count, uint256 maxModels);
    error NodeRegistryInvalidModel(uint256 index, bytes32 modelId);
    error NodeRegistryInvalidGpuName(uint256 length);
    error NodeRegistryInvalidVram(uint32 vram);
    error NodeRegistryAlreadyRegistered(address node, NodeStatus status);
    error NodeRegistryNotRegistered(address node);
    error NodeRegistryInvalidStatus(address node, NodeStatus status);
    error NodeRegistryNodeNotAvailable(address node, NodeStatus status);
    error NodeRegistryUnauthorizedCaller(address caller);
    error NodeRegistryZeroAddress();
    error NodeRegistryZeroTaskKey();
    error NodeRegistryNothingToWithdraw(address account);
    error NodeRegistryTransferFailed(address to, uint256 amount);
    /// @notice An exact-match task's bucket (GPU, version, VRAM) is too thin to validate safely.
    error NodeRegistryBucketTooSmall(uint256 population, uint256 minimum);
    error NodeRegistryParameterOutOfBounds(string name, uint256 value, uint256 min, uint256 max);

    // ---------------------------------------------------------------- TaskManager

    /// @notice Selects, at random, an available node that fits `request`, and marks it Busy with `taskKey`.
    /// @return node the selected node, or address(0) when no node fits (the task is then queued).
    function selectNode(SelectionRequest calldata request, uint256 randomness, bytes32 taskKey)
        external
        returns (address node);

    /// @notice True when `node` is Available and fits `request` (used to dispatch queued tasks).
    function fits(address node, SelectionRequest calldata request) external view returns (bool);

    /// @notice Reverts with NodeRegistryBucketTooSmall when the exact-match bucket (GPU, exact version, VRAM
    /// tiers from `minVram`) has fewer than `minExactBucket` registered nodes.
    function checkExactBucket(bytes32 gpuId, uint64 version, uint32 minVram) external view;

    /// @notice Marks an Available `node` Busy with `taskKey` (dispatch of a queued task).
    function occupyNode(address node, bytes32 taskKey) external;

    /// @notice Ends `node`'s current task: Busy becomes Available, PendingPause becomes Paused and
    /// PendingQuit quits (stake returned to the node). No-op when the node is not busy with `taskKey`
    /// (for example when it was slashed or kicked out meanwhile).
    /// @return available true when the node is now Available (so a queued task may be dispatched to it).
    function releaseNode(address node, bytes32 taskKey) external returns (bool available);

    /// @notice QoS credit for a result submitted in `position` (0 = first) among `total` results.
    function recordSubmission(address node, uint8 position, uint8 total) external;

    /// @notice `node` reported on `taskKey`, whose fee is `fee` (finding 6): it counts one more unsettled
    /// report and `fee` more open exposure (its stake stays slashable and its quit waits until the count is
    /// back to 0) and is released like `releaseNode`. Reverts NodeRegistryNotRegistered for a node that is no
    /// longer registered (slashed while it ran the task: no stake backs its report; review M3).
    /// @return available true when the node is now Available (so a queued task may be dispatched to it).
    function releaseAtReport(address node, bytes32 taskKey, uint256 fee) external returns (bool available);

    /// @notice A task `node` reported on ended (its fee `fee`): one unsettled report and `fee` of open exposure
    /// less; slashed when `slashNode`, else QoS credit for `position` among `total` (no credit when `total` is
    /// 0); a PendingQuit node with nothing left to settle quits (stake returned).
    /// @return beneficiary where a fee for the task goes (`beneficiaryOf(node)`).
    function settleReport(address node, uint8 position, uint8 total, bool slashNode, uint256 fee)
        external
        returns (address beneficiary);

    /// @notice QoS penalty for a task that timed out on `node`; repeated timeouts kick the node out
    /// (stake returned, never slashed).
    function recordTimeout(address node) external;

    /// @notice Sends the node's whole stake to the incentive pool and removes the node from the network.
    function slash(address node) external;

    /// @notice Where payouts for `node` go: its beneficiary, or the node itself when none was set.
    function beneficiaryOf(address node) external view returns (address);

    /// @notice Receives slashed stakes (and the fees of draws nobody settled in time).
    function incentivePool() external view returns (IIncentivePool);

    /// @notice `node`'s record; `currentTask` is 0 unless the node is Busy, PendingPause or PendingQuit.
    function getNodeInfo(address node) external view returns (NodeInfo memory);

    /// @notice The task `node` is busy with, or 0 (two SLOADs, cheaper than `getNodeInfo`).
    function currentTaskOf(address node) external view returns (bytes32);

    // ---------------------------------------------------------------- nodes

    /// @notice Registers the caller as a node; the whole `msg.value` is its stake (at least `minStake`).
    /// @param publicKey the caller's uncompressed secp256k1 public key without prefix (64 bytes); it must
    /// hash to the caller's address.
    /// @param beneficiary receives the node's payouts; 0 = the node itself.
    /// @param modelIds models the node holds locally (at most `MAX_MODELS`, non-zero, distinct).
    function join(
        string calldata gpuName,
        uint32 vram,
        uint64 version,
        bytes calldata publicKey,
        address beneficiary,
        bytes32[] calldata modelIds
    ) external payable;

    /// @notice Stops receiving tasks: Available becomes Paused, Busy becomes PendingPause.
    function pause() external;

    /// @notice Receives tasks again: Paused becomes Available, PendingPause becomes Busy.
    function resume() external;

    /// @notice Leaves the network: the stake is credited to the caller's withdrawals at once, or (PendingQuit)
    /// once its current task ends and every task it reported on is settled.
    function quit() external;

    /// @notice The caller takes only tasks whose fee is at least `floor` wei, rounded up to whole gwei (at most
    /// (2^32 - 1) gwei; 0 = any fee).
    function setPriceFloor(uint256 floor) external;

    /// @notice The lowest fee `node` takes, in wei.
    function priceFloorOf(address node) external view returns (uint256);

    /// @notice Tasks `node` reported on that are not settled yet (its stake stays slashable for them).
    function unsettledReportsOf(address node) external view returns (uint256);

    /// @notice The fees of the tasks `node` reported on that are not settled yet, in wei (each rounded up to
    /// whole gwei). A node is drawn or dispatched only for a task whose fee keeps this at most half its stake
    /// (`OPEN_FEES_STAKE_DIVISOR`, review M3): its open exposure stays well within what a slash takes.
    function openFeesOf(address node) external view returns (uint256);

    /// @notice Replaces the list of models the caller holds locally.
    function updateModels(bytes32[] calldata modelIds) external;

    /// @notice Sends the caller's payouts to `beneficiary` (0 = the caller itself).
    function setBeneficiary(address beneficiary) external;

    /// @notice Pays the caller all of its returned stake.
    function withdraw() external;

    /// @notice Returned stake waiting for `account` to withdraw it.
    function pendingWithdrawal(address account) external view returns (uint256);

    /// @notice Models `node` declared it holds.
    function modelsOf(address node) external view returns (bytes32[] memory);

    /// @notice `node`'s QoS score in basis points (0 when not registered).
    function qosScoreOf(address node) external view returns (uint16);
}
