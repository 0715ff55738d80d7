// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IIncentivePool} from "../interfaces/IIncentivePool.sol";
import {INodeRegistry} from "../interfaces/INodeRegistry.sol";
import {ITaskManager} from "../interfaces/ITaskManager.sol";
import {AvailableSets} from "./AvailableSets.sol";
import {NodeVersion} from "./NodeVersion.sol";
import {QoS} from "./QoS.sol";
import {VramTiers} from "./VramTiers.sol";

/// @title NodeRegistry
/// @notice Nodes join with a stake, declare their hardware, version and local models, and are selected for
/// tasks by the TaskManager at random, weighted by stake and QoS, in gas that does not depend on the number
/// of nodes. Slashed stakes go to the incentive pool; returned stakes are pulled with `withdraw`.
/// @dev Selection (see docs/node-registry.md): up to SELECTION_TRIES uniform draws (MAX_SELECTION_TRIES in a
///  set of at most 8 while none found a free fitting node) among the listed nodes
///  (Available or Busy: a busy node keeps its place, so a task costs no set update) of the request's set in
///  the VRAM tiers at or above `minVram`; a busy candidate is rejected like one that does not fit. The set of an image task is every GPU of
///  the task's version major (image tasks cannot pin a GPU: their validation members must come from every
///  node able to run them, finding 2); the set of an exact-match (LLM) task is its GPU at exactly its
///  version (finding 7). Self-declared model holdings play no part: Sybils declaring a model must not crowd
///  the draw (finding 2); a node fetches a missing model within the task's timeout.
///  Each fitting candidate is accepted with probability weight / bound, where bound is the weight of a node
///  with the largest stake and the highest QoS score ever registered (high-water marks, see
///  `selectionWeightBound`): rejection sampling, so accepted draws are exactly proportional to weight, and
///  a node as good as the best one ever seen is always accepted. When no draw is accepted, the fitting
///  candidate kept by a weighted reservoir over the draws is chosen, so a task is only queued when no draw
///  found a fitting node. An exact-match task whose bucket (GPU, version, VRAM) has fewer than
///  `minExactBucket` registered nodes is refused: two Sybils in a thinner bucket would win most groups.
contract NodeRegistry is INodeRegistry, Ownable2Step {
    using AvailableSets for AvailableSets.Sets;
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice The most models one node may declare.
    uint256 public constant MAX_MODELS = 8;
    /// @notice The longest GPU name, in bytes.
    uint256 public constant MAX_GPU_NAME_LENGTH = 64;
    /// @notice The largest VRAM a node may declare, in GiB (stored in 16 bits).
    uint32 public constant MAX_VRAM = type(uint16).max;
    /// @notice Draws among the listed nodes of the task's group once a free fitting one was seen.
    uint256 public constant SELECTION_TRIES = 8;
    /// @notice Draws in a small set (at most SELECTION_TRIES listed members in the request's tiers) while none
    /// found a free fitting node: busy nodes stay listed, so 8 tries in a set of 3 with 1 free node miss it
    /// 3.9 % of the time (16 tries: 0.15 %). Only small sets: their extra tries read at most 8 distinct nodes,
    /// so a settlement's worst case (32 draws that all queue, L1) grows by little; a large set keeps 8 tries.
    uint256 public constant MAX_SELECTION_TRIES = 16;
    /// @notice Upper bound of `minStake` (so that `minStake * MAX_STAKE_WEIGHT_CAP` fits the 96-bit stake).
    uint256 public constant MAX_MIN_STAKE = 1e27;
    /// @notice Upper bound of the stake weight cap multiplier.
    uint256 public constant MAX_STAKE_WEIGHT_CAP = 16;
    /// @notice Upper bound of `maxTimeoutsBeforeKick`.
    uint256 public constant MAX_TIMEOUTS_BEFORE_KICK = 20;
    /// @notice Default `minExactBucket`: with two Sybils among 4 nodes of one bucket, p(2, 2) = 1/2 already;
    /// production raises it with `getMinimumBucketPopulation` (docs/staking.md, "Buckets").
    uint8 public constant DEFAULT_MIN_EXACT_BUCKET = 4;
    /// @notice A node's open fees (its unsettled reports' and the new task's) stay at most its stake divided by
    /// this (review M3): a cheater can collect at most half a stake beyond the one-task-at-a-time model of
    /// docs/staking.md while a caught report waits for its verdict, so a stake of about twice the model's still
    /// deters (at 1, no stake would: the extra alone could match it).
    uint256 public constant OPEN_FEES_STAKE_DIVISOR = 2;
    /// @dev `Node.unsettledReports` counts from this value (see there).
    uint24 internal constant UNSETTLED_BIAS = 1;
    /// @notice The stake share of a weight, in basis points of the stake cap.
    uint256 private constant STAKE_SCALE = 10_000;
    /// @notice The largest selection weight: full stake share times full QoS.
    uint256 public constant MAX_WEIGHT = STAKE_SCALE * QoS.MAX_SCORE;

    /// @dev Slot 0 holds everything selection reads (one SLOAD per candidate) and both set positions:
    ///  status 8 | consecutiveTimeouts 8 | qosScore 16 | vram 16 | version 64 | stake 96 | anyPos 24 | gpuPos 24
    struct Node {
        NodeStatus status;
        uint8 consecutiveTimeouts;
        uint16 qosScore;
        uint16 vram;
        uint64 version;
        uint96 stake;
        uint24 anyPos; // position in the set (ANY GPU, major, tier) while listed (Available or Busy)
        uint24 gpuPos; // position in the set (gpuId, version, tier) while listed (Available or Busy)
        bytes32 gpuId;
        address beneficiary;
        // 1 + the tasks reported on and not settled yet (finding 6), from the first join on: kept across
        // registrations, so a node that left and came back stays answerable for them. The bias keeps this slot
        // non-zero (a node without beneficiary has it zero otherwise), so counting a report rewrites a slot
        // (5,000 gas) instead of filling an empty one (22,100) on every task.
        uint24 unsettledReports;
        // The fees of those tasks, in gwei, each rounded up (review M3): kept at most half the stake by selection.
        // Gwei, so that it and the floor fit this slot, which selection reads anyway (no extra SLOAD).
        uint40 openFeesGwei;
        // The lowest fee this node takes (finding 6), in gwei.
        uint32 priceFloorGwei;
        // Left stale after the task ends (masked by the getters): rewriting a non-zero slot costs 2,900 gas,
        // writing a zeroed one 20,000, on every task.
        bytes32 currentTask;
    }

    /// @dev Everything a selection and a QoS credit read, in one slot (one cold SLOAD per draw and per validation):
    ///  minStake 96 | stakeWeightCap 8 | first/second/thirdPoints 3 x 16 | minScore 16 | smoothingShift 8 |
    ///  scoreCeiling 16 | stakeCeilingGwei 64
    struct Config {
        uint96 minStake;
        uint8 stakeWeightCap; // stakes count up to minStake * stakeWeightCap in the selection weight
        uint16 firstPoints;
        uint16 secondPoints;
        uint16 thirdPoints;
        uint16 minScore;
        uint8 smoothingShift;
        // The highest QoS score any node was ever given, so every registered node's score is at most this
        // (scores rise only through join and recordSubmission, which raise it). In this slot because
        // selection and recordSubmission read the slot anyway.
        uint16 scoreCeiling;
        // The largest stake any node ever joined with, in gwei rounded up (saturating), so every registered node's
        // stake is at most this (stakes never change while registered). In this slot, not its own, since session
        // 8: every draw read both (−2,100 gas per draw). Rounding up keeps it an upper bound, and rejection
        // sampling against any upper bound stays exact.
        uint64 stakeCeilingGwei;
    }

    /// @dev The parameters no draw and no QoS credit reads (a timeout, a join, an exact-match creation do).
    struct Settings {
        uint16 timeoutPenalty;
        uint16 initialScore;
        uint8 maxTimeoutsBeforeKick;
        // Exact-match tasks need at least this many registered nodes in their bucket (GPU, version, VRAM).
        uint8 minExactBucket;
    }

    /// @dev Per-selection scratch values.
    struct Draw {
        uint256 randomness;
        uint256 stakeCap;
        uint16 minScore;
        uint256 bound;
        address fallbackNode;
        uint256 fallbackTotal;
        // A try hit a busy listed node: the reservoir then no longer stands for the old draw (see selectNode).
        bool sawBusy;
    }

    /// @notice Receives slashed stakes.
    IIncentivePool public immutable incentivePool;
    /// @notice The only caller of the task functions. Immutable since session 8 (its check read a cold slot
    /// in every validation, −2,100 gas): deployments pass the TaskManager's precomputed address.
    address public immutable taskManager;
    Settings internal _settings;
    /// @notice Sum of the stakes of registered nodes.
    uint256 public totalStaked;
    /// @notice Sum of the returned stakes not yet withdrawn.
    uint256 public totalPendingWithdrawals;

    Config internal _config;
    mapping(address node => Node) internal _nodes;
    mapping(address node => bytes) private _publicKeys;
    mapping(address node => bytes32[]) internal _models;
    mapping(bytes32 modelId => EnumerableSet.AddressSet) internal _modelHolders;
    mapping(address account => uint256) private _pendingWithdrawals;
    AvailableSets.Sets internal _available;
    /// @dev Registered (any status but Quit) nodes per (GPU, exact version) bucket, 32 bits per VRAM tier as in
    /// AvailableSets: the population an exact-match task's validation group is drawn from.
    mapping(bytes32 bucket => uint256 sizes) internal _registeredSizes;

    modifier onlyTaskManager() {
        if (msg.sender != taskManager) revert NodeRegistryUnauthorizedCaller(msg.sender);
        _;
    }

    /// @param initialOwner sets the parameters and the TaskManager (a DAO later).
    /// @param pool receives slashed stakes.
    /// @param taskManager_ the TaskManager (not deployed yet: its CREATE address, precomputed from the deployer's
    /// nonce, as `verinet deploy` does).
    /// @param minStake_ the minimal stake, in wei.
    constructor(address initialOwner, IIncentivePool pool, address taskManager_, uint256 minStake_)
        Ownable(initialOwner)
    {
        if (address(pool) == address(0)) revert NodeRegistryZeroAddress();
        incentivePool = pool;
        _checkBounds("minStake", minStake_, 1, MAX_MIN_STAKE);
        // Fits: checked against MAX_MIN_STAKE (< 2^96) above.
        // forge-lint: disable-next-line(unsafe-typecast)
        _config.minStake = uint96(minStake_);
        _config.stakeWeightCap = 2;
        _settings.maxTimeoutsBeforeKick = 3;
        _settings.minExactBucket = DEFAULT_MIN_EXACT_BUCKET;
        emit MinStakeChanged(0, minStake_);
        emit StakeWeightCapChanged(0, 2);
        emit MaxTimeoutsBeforeKickChanged(0, 3);
        emit MinExactBucketChanged(0, DEFAULT_MIN_EXACT_BUCKET);
        _setQoSParams(QoS.defaults());
        if (taskManager_ == address(0)) revert NodeRegistryZeroAddress();
        taskManager = taskManager_;
        emit TaskManagerSet(taskManager_);
    }

    // ------------------------------------------------------------------ nodes

    /// @inheritdoc INodeRegistry
    function join(
        string calldata gpuName,
        uint32 vram,
        uint64 version,
        bytes calldata publicKey,
        address beneficiary,
        bytes32[] calldata modelIds
    ) external payable {
        _settleDraws();
        _checkJoin(gpuName, vram, publicKey, modelIds);
        bytes32 gpuId = keccak256(bytes(gpuName));
        Node storage n = _nodes[msg.sender];
        n.status = NodeStatus.Available;
        n.consecutiveTimeouts = 0;
        n.qosScore = _settings.initialScore;
        // Fits: checked against MAX_VRAM (2^16 - 1) in _checkJoin.
        // forge-lint: disable-next-line(unsafe-typecast)
        n.vram = uint16(vram);
        n.version = version;
        n.stake = uint96(msg.value);
        n.gpuId = gpuId;
        n.beneficiary = beneficiary;
        if (n.unsettledReports == 0) n.unsettledReports = UNSETTLED_BIAS;
        _raiseCeilings(n.stake, n.qosScore);
        _publicKeys[msg.sender] = publicKey;
        totalStaked += msg.value;
        _addModels(msg.sender, modelIds);
        _addAvailable(msg.sender, n);
        _countRegistered(n, true);
        emit NodeJoined(msg.sender, gpuId, gpuName, vram, version, msg.value, beneficiary, publicKey);
        emit ModelsUpdated(msg.sender, modelIds);
        emit NodeStatusChanged(msg.sender, NodeStatus.Quit, NodeStatus.Available);
    }

    /// @inheritdoc INodeRegistry
    function pause() external {
        _settleDraws();
        Node storage n = _registered(msg.sender);
        NodeStatus from = n.status;
        if (from == NodeStatus.Available) {
            _removeAvailable(n);
            _setStatus(msg.sender, n, NodeStatus.Paused);
        } else if (from == NodeStatus.Busy) {
            _removeAvailable(n);
            _setStatus(msg.sender, n, NodeStatus.PendingPause);
        } else {
            revert NodeRegistryInvalidStatus(msg.sender, from);
        }
    }

    /// @inheritdoc INodeRegistry
    function resume() external {
        _settleDraws();
        Node storage n = _registered(msg.sender);
        NodeStatus from = n.status;
        if (from == NodeStatus.Paused) {
            _addAvailable(msg.sender, n);
            _setStatus(msg.sender, n, NodeStatus.Available);
        } else if (from == NodeStatus.PendingPause) {
            _addAvailable(msg.sender, n);
            _setStatus(msg.sender, n, NodeStatus.Busy);
        } else {
            revert NodeRegistryInvalidStatus(msg.sender, from);
        }
    }

    /// @inheritdoc INodeRegistry
    function quit() external {
        _settleDraws();
        Node storage n = _registered(msg.sender);
        NodeStatus from = n.status;
        if (from == NodeStatus.Busy || from == NodeStatus.PendingPause) {
            if (from == NodeStatus.Busy) _removeAvailable(n);
            _setStatus(msg.sender, n, NodeStatus.PendingQuit);
        } else if (from == NodeStatus.Available || from == NodeStatus.Paused) {
            _quitWhenSettled(msg.sender, n);
        } else {
            revert NodeRegistryInvalidStatus(msg.sender, from);
        }
    }

    /// @inheritdoc INodeRegistry
    function setPriceFloor(uint256 floor) external {
        // A floor decides who a draw may choose: once a creation block's hash is known, a node must not move
        // its floor to dodge or catch that block's draws (finding 1), so they are settled first.
        _settleDraws();
        Node storage n = _registered(msg.sender);
        _checkBounds("priceFloor", floor, 0, uint256(type(uint32).max) * 1 gwei);
        // Fits: checked against (2^32 - 1) gwei above.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 floorGwei = uint32(_gweiCeil(floor));
        n.priceFloorGwei = floorGwei;
        emit PriceFloorSet(msg.sender, uint256(floorGwei) * 1 gwei);
    }

    /// @inheritdoc INodeRegistry
    function updateModels(bytes32[] calldata modelIds) external {
        _registered(msg.sender);
        _checkModels(modelIds);
        _clearModels(msg.sender);
        _addModels(msg.sender, modelIds);
        emit ModelsUpdated(msg.sender, modelIds);
    }

    /// @inheritdoc INodeRegistry
    function setBeneficiary(address beneficiary) external {
        _registered(msg.sender).beneficiary = beneficiary;
        emit BeneficiaryChanged(msg.sender, beneficiary);
    }

    /// @inheritdoc INodeRegistry
    function withdraw() external {
        uint256 amount = _pendingWithdrawals[msg.sender];
        if (amount == 0) revert NodeRegistryNothingToWithdraw(msg.sender);
        _pendingWithdrawals[msg.sender] = 0;
        totalPendingWithdrawals -= amount;
        emit StakeWithdrawn(msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert NodeRegistryTransferFailed(msg.sender, amount);
    }

    // ------------------------------------------------------------------ TaskManager

    /// @inheritdoc INodeRegistry
    function selectNode(SelectionRequest calldata request, uint256 randomness, bytes32 taskKey)
        external
        onlyTaskManager
        returns (address node)
    {
        if (taskKey == bytes32(0)) revert NodeRegistryZeroTaskKey();
        Config storage config = _config;
        uint256 stakeCap = uint256(config.minStake) * config.stakeWeightCap;
        uint16 minScore = config.minScore;
        Draw memory d = Draw({
            randomness: randomness,
            stakeCap: stakeCap,
            minScore: minScore,
            bound: _weightBound(stakeCap, minScore, config.scoreCeiling),
            fallbackNode: address(0),
            fallbackTotal: 0,
            sawBusy: false
        });
        // The bucket floor of exact-match tasks is checked at creation (checkExactBucket): a draw never
        // reverts, or one task would block the settlement of everyone's.
        node = _drawAvailable(request, d);
        // The reservoir favours light nodes (a node at the weight bound is never rejected into it), so how often
        // it is used must not grow with the busy fraction, or keeping honest nodes busy would shift groups towards
        // light (Sybil) nodes (review s7). It is used only when every try met a free node: that case is exactly
        // the draw over a set without busy nodes. Otherwise only an accepted candidate is taken (proportional to
        // weight whatever the stopping rule) and the task queues when none was accepted.
        if (node == address(0) && !d.sawBusy) node = d.fallbackNode;
        if (node != address(0)) {
            // Available -> Busy without NodeStatusChanged: the TaskManager's TaskStarted(taskKey, node) logs this
            // change in the same transaction (≈ 2k gas per task, session 8); every other status change is logged.
            Node storage n = _nodes[node];
            n.currentTask = taskKey;
            n.status = NodeStatus.Busy;
        }
    }

    /// @inheritdoc INodeRegistry
    function occupyNode(address node, bytes32 taskKey) external onlyTaskManager {
        if (taskKey == bytes32(0)) revert NodeRegistryZeroTaskKey();
        Node storage n = _nodes[node];
        if (n.status != NodeStatus.Available) revert NodeRegistryNodeNotAvailable(node, n.status);
        _occupy(node, n, taskKey);
    }

    /// @inheritdoc INodeRegistry
    function releaseNode(address node, bytes32 taskKey) external onlyTaskManager returns (bool available) {
        return _release(node, _nodes[node], taskKey);
    }

    /// @inheritdoc INodeRegistry
    /// @dev A node must not wait for the app (finding 6): it is free once it reported, and its stake stays
    /// answerable through the count. Counted even for a node removed meanwhile, so that every settlement
    /// finds its report.
    /// A node slashed while it ran the task has no stake left to answer for its report (review M3): refused,
    /// the task times out and its app is refunded (a slashed node takes no QoS penalty).
    function releaseAtReport(address node, bytes32 taskKey, uint256 fee)
        external
        onlyTaskManager
        returns (bool available)
    {
        Node storage n = _nodes[node];
        if (n.status == NodeStatus.Quit) revert NodeRegistryNotRegistered(node);
        // Checked: selection keeps the sum at most half the stake and 2^40 - 1 gwei (so the count, each report at
        // least 1 gwei, below 2^24 in any realistic window); a node slashed and back with a task from before
        // could pass them, and then reverts here.
        n.unsettledReports += 1;
        n.openFeesGwei = SafeCast.toUint40(uint256(n.openFeesGwei) + _gweiCeil(fee));
        // Busy -> Available here is logged by the TaskManager's TaskScoreReady / TaskErrorReported(taskKey, node)
        // of the same transaction; PendingPause -> Paused and the quit paths still log NodeStatusChanged.
        if (n.status == NodeStatus.Busy && n.currentTask == taskKey) {
            n.status = NodeStatus.Available;
            return true;
        }
        return _release(node, n, taskKey);
    }

    /// @inheritdoc INodeRegistry
    /// @dev One call per reported task's end: the count, the verdict and the payee, reading the node's
    /// slots once.
    function settleReport(address node, uint8 position, uint8 total, bool slashNode, uint256 fee)
        external
        onlyTaskManager
        returns (address beneficiary)
    {
        Node storage n = _nodes[node];
        // The TaskManager settles each reported task once, after its releaseAtReport, with the same fee: no
        // underflow.
        uint24 left = n.unsettledReports - 1;
        n.unsettledReports = left;
        // forge-lint: disable-next-line(unsafe-typecast) -- at most openFeesGwei, which included it
        n.openFeesGwei = uint40(n.openFeesGwei - _gweiCeil(fee));
        beneficiary = n.beneficiary;
        if (beneficiary == address(0)) beneficiary = node;
        if (slashNode) {
            _slash(node, n);
            return beneficiary;
        }
        if (total != 0) _recordSubmission(node, n, position, total);
        // A node that quit (or was kicked out) while reports were open leaves with its stake now.
        if (left == UNSETTLED_BIAS && n.status == NodeStatus.PendingQuit && n.currentTask == bytes32(0)) {
            _returnStake(node, _removeNode(node, n));
        }
    }

    function _release(address node, Node storage n, bytes32 taskKey) private returns (bool) {
        NodeStatus from = n.status;
        if (!_isBusy(from) || n.currentTask != taskKey) return false;
        if (from == NodeStatus.Busy) {
            // Still in its draw sets (a busy node stays listed): only the status changes.
            _setStatus(node, n, NodeStatus.Available);
            return true;
        }
        if (from == NodeStatus.PendingPause) {
            _setStatus(node, n, NodeStatus.Paused);
            return false;
        }
        _quitWhenSettled(node, n);
        return false;
    }

    /// @dev A node that leaves (quit, kick-out) while tasks it reported on are unsettled keeps its stake in
    /// the registry, slashable, as PendingQuit without a task (currentTask 0), until the last settlement.
    function _quitWhenSettled(address node, Node storage n) private {
        if (n.unsettledReports <= UNSETTLED_BIAS) {
            _returnStake(node, _removeNode(node, n));
            return;
        }
        NodeStatus from = n.status;
        if (_listed(from)) _removeAvailable(n);
        n.currentTask = bytes32(0);
        if (from != NodeStatus.PendingQuit) _setStatus(node, n, NodeStatus.PendingQuit);
    }

    /// @inheritdoc INodeRegistry
    function recordSubmission(address node, uint8 position, uint8 total) external onlyTaskManager {
        _recordSubmission(node, _nodes[node], position, total);
    }

    function _recordSubmission(address node, Node storage n, uint8 position, uint8 total) private {
        // The submission fields only (one slot): timeoutPenalty and initialScore play no part in a credit.
        Config storage c = _config;
        QoS.Params memory params;
        params.firstPoints = c.firstPoints;
        params.secondPoints = c.secondPoints;
        params.thirdPoints = c.thirdPoints;
        params.smoothingShift = c.smoothingShift;
        // Validated even for a departed node, so that a TaskManager bug surfaces.
        QoS.pointsFor(params, position, total);
        if (n.status == NodeStatus.Quit) return;
        uint16 oldScore = n.qosScore;
        uint16 newScore = QoS.afterSubmission(params, oldScore, position, total);
        n.qosScore = newScore;
        n.consecutiveTimeouts = 0;
        // Same slot as the QoS parameters just read: a warm check. It writes only while the network's best
        // score still climbs (a few dozen times per network, until some node reaches firstPoints).
        if (newScore > _config.scoreCeiling) _config.scoreCeiling = newScore;
        // An honest node's score settles at firstPoints after a few dozen tasks: no event when nothing changed.
        if (newScore != oldScore) emit QoSScoreChanged(node, oldScore, newScore);
    }

    /// @inheritdoc INodeRegistry
    function recordTimeout(address node) external onlyTaskManager {
        Node storage n = _nodes[node];
        if (n.status == NodeStatus.Quit) return;
        uint16 oldScore = n.qosScore;
        uint16 newScore = QoS.afterTimeout(_qosParams(), oldScore);
        uint8 timeouts = n.consecutiveTimeouts;
        // Saturates: the kick threshold is at most MAX_TIMEOUTS_BEFORE_KICK anyway.
        if (timeouts < type(uint8).max) ++timeouts;
        n.qosScore = newScore;
        n.consecutiveTimeouts = timeouts;
        emit QoSScoreChanged(node, oldScore, newScore);
        if (timeouts >= _settings.maxTimeoutsBeforeKick) {
            emit NodeKickedOut(node, timeouts);
            // With reports still unsettled, the stake is held (a cheater must not time out on purpose to leave
            // with it before its group judges it): PendingQuit, and the release of the aborted task that
            // follows leaves it waiting for its settlements.
            if (n.unsettledReports <= UNSETTLED_BIAS) {
                _returnStake(node, _removeNode(node, n));
            } else if (n.status != NodeStatus.PendingQuit) {
                if (_listed(n.status)) _removeAvailable(n);
                _setStatus(node, n, NodeStatus.PendingQuit);
            }
        }
    }

    /// @inheritdoc INodeRegistry
    /// @dev A no-op for a node that is no longer registered (it already quit or was removed).
    function slash(address node) external onlyTaskManager {
        _slash(node, _nodes[node]);
    }

    function _slash(address node, Node storage n) private {
        if (n.status == NodeStatus.Quit) return;
        uint256 stake = _removeNode(node, n);
        emit NodeSlashed(node, stake);
        incentivePool.depositSlashed{value: stake}(node);
    }

    // ------------------------------------------------------------------ owner

    /// @notice Sets the minimal stake of new nodes, in [1, MAX_MIN_STAKE] wei. Registered nodes keep their
    /// stake. Owner only.
    function setMinStake(uint256 newMinStake) external onlyOwner {
        // The stake cap (minStake x multiplier) weighs every draw: earlier blocks' draws first (finding 1).
        _settleDraws();
        _checkBounds("minStake", newMinStake, 1, MAX_MIN_STAKE);
        emit MinStakeChanged(_config.minStake, newMinStake);
        // Fits: checked against MAX_MIN_STAKE (< 2^96) above.
        // forge-lint: disable-next-line(unsafe-typecast)
        _config.minStake = uint96(newMinStake);
    }

    /// @notice Stakes count in the selection weight up to `minStake * multiplier`, multiplier in
    /// [1, MAX_STAKE_WEIGHT_CAP] (1: stake beyond the minimum buys no extra tasks). Owner only.
    function setStakeWeightCap(uint256 multiplier) external onlyOwner {
        _settleDraws();
        _checkBounds("stakeWeightCap", multiplier, 1, MAX_STAKE_WEIGHT_CAP);
        emit StakeWeightCapChanged(_config.stakeWeightCap, multiplier);
        // Fits: checked against MAX_STAKE_WEIGHT_CAP above.
        // forge-lint: disable-next-line(unsafe-typecast)
        _config.stakeWeightCap = uint8(multiplier);
    }

    /// @notice Timeouts in a row that kick a node out, in [1, MAX_TIMEOUTS_BEFORE_KICK]. Owner only.
    function setMaxTimeoutsBeforeKick(uint256 count) external onlyOwner {
        _checkBounds("maxTimeoutsBeforeKick", count, 1, MAX_TIMEOUTS_BEFORE_KICK);
        emit MaxTimeoutsBeforeKickChanged(_settings.maxTimeoutsBeforeKick, count);
        // Fits: checked against MAX_TIMEOUTS_BEFORE_KICK above.
        // forge-lint: disable-next-line(unsafe-typecast)
        _settings.maxTimeoutsBeforeKick = uint8(count);
    }

    /// @notice Exact-match tasks are refused while their bucket has fewer than `count` registered nodes, in
    /// [0, 255] (0 turns the check off: development networks only). docs/staking.md, "Buckets", gives the
    /// population a stake deters. Owner only. Reaches only tasks created afterwards (queued ones were checked).
    function setMinExactBucket(uint256 count) external onlyOwner {
        _checkBounds("minExactBucket", count, 0, type(uint8).max);
        emit MinExactBucketChanged(_settings.minExactBucket, count);
        // Fits: checked against type(uint8).max above.
        // forge-lint: disable-next-line(unsafe-typecast)
        _settings.minExactBucket = uint8(count);
    }

    /// @notice Sets the QoS constants (bounds in `QoS.validate`). Owner only.
    function setQoSParams(QoS.Params calldata params) external onlyOwner {
        // minScore weighs every draw: earlier blocks' draws first (finding 1).
        _settleDraws();
        QoS.validate(params);
        _setQoSParams(params);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc INodeRegistry
    function fits(address node, SelectionRequest calldata request) external view returns (bool) {
        Node storage n = _nodes[node];
        return n.status == NodeStatus.Available && _fitsHardware(n, request) && _takesFee(n, request.fee);
    }

    /// @inheritdoc INodeRegistry
    function priceFloorOf(address node) external view returns (uint256) {
        return uint256(_nodes[node].priceFloorGwei) * 1 gwei;
    }

    /// @inheritdoc INodeRegistry
    function openFeesOf(address node) external view returns (uint256) {
        return uint256(_nodes[node].openFeesGwei) * 1 gwei;
    }

    /// @inheritdoc INodeRegistry
    function unsettledReportsOf(address node) external view returns (uint256) {
        uint256 biased = _nodes[node].unsettledReports;
        return biased == 0 ? 0 : biased - UNSETTLED_BIAS;
    }

    /// @inheritdoc INodeRegistry
    function checkExactBucket(bytes32 gpuId, uint64 version, uint32 minVram) external view {
        uint256 population = exactBucketPopulation(gpuId, version, minVram);
        uint256 minimum = _settings.minExactBucket;
        if (population < minimum) revert NodeRegistryBucketTooSmall(population, minimum);
    }

    /// @inheritdoc INodeRegistry
    function beneficiaryOf(address node) external view returns (address) {
        address beneficiary = _nodes[node].beneficiary;
        return beneficiary == address(0) ? node : beneficiary;
    }

    /// @inheritdoc INodeRegistry
    function getNodeInfo(address node) external view returns (NodeInfo memory info) {
        Node storage n = _nodes[node];
        info = NodeInfo({
            status: n.status,
            stake: n.stake,
            gpuId: n.gpuId,
            vram: n.vram,
            version: n.version,
            beneficiary: n.beneficiary,
            currentTask: _isBusy(n.status) ? n.currentTask : bytes32(0)
        });
    }

    /// @inheritdoc INodeRegistry
    function pendingWithdrawal(address account) external view returns (uint256) {
        return _pendingWithdrawals[account];
    }

    /// @inheritdoc INodeRegistry
    function modelsOf(address node) external view returns (bytes32[] memory) {
        return _models[node];
    }

    /// @inheritdoc INodeRegistry
    function qosScoreOf(address node) external view returns (uint16) {
        return _nodes[node].qosScore;
    }

    /// @inheritdoc INodeRegistry
    function currentTaskOf(address node) external view returns (bytes32) {
        Node storage n = _nodes[node];
        return _isBusy(n.status) ? n.currentTask : bytes32(0);
    }

    /// @notice The 64-byte public key `node` registered (empty when not registered).
    function publicKeyOf(address node) external view returns (bytes memory) {
        if (_nodes[node].status == NodeStatus.Quit) return "";
        return _publicKeys[node];
    }

    /// @notice Timeouts in a row of `node` since its last submission.
    function consecutiveTimeoutsOf(address node) external view returns (uint256) {
        return _nodes[node].consecutiveTimeouts;
    }

    /// @notice The minimal stake of a new node, in wei.
    function minStake() external view returns (uint256) {
        return _config.minStake;
    }

    /// @notice Stakes count in the selection weight up to `minStake * stakeWeightCap()`.
    function stakeWeightCap() external view returns (uint256) {
        return _config.stakeWeightCap;
    }

    /// @notice Timeouts in a row that kick a node out.
    function maxTimeoutsBeforeKick() external view returns (uint256) {
        return _settings.maxTimeoutsBeforeKick;
    }

    /// @notice The QoS constants.
    function qosParams() external view returns (QoS.Params memory) {
        return _qosParams();
    }

    /// @notice The selection weight of `node` now (0 when not Available), at most `selectionWeightBound()`
    /// (itself at most MAX_WEIGHT).
    function selectionWeightOf(address node) external view returns (uint256) {
        Node storage n = _nodes[node];
        if (n.status != NodeStatus.Available) return 0;
        return _weight(n, uint256(_config.minStake) * _config.stakeWeightCap, _config.minScore);
    }

    /// @notice The bound the selection's rejection step divides by: the weight of a node with the largest
    /// stake and the highest QoS score ever registered (both high-water marks), so at least the weight of
    /// every registered node, and at most MAX_WEIGHT.
    function selectionWeightBound() external view returns (uint256) {
        Config storage config = _config;
        return _weightBound(uint256(config.minStake) * config.stakeWeightCap, config.minScore, config.scoreCeiling);
    }

    /// @notice The key of an available-set group: (ANY GPU = 0, version major) for image tasks, or (GPU id,
    /// exact packed version) for exact-match tasks (also the key of the registered bucket populations).
    function groupKey(bytes32 gpuId, uint64 major) public pure returns (bytes32 key) {
        assembly ("memory-safe") {
            mstore(0x00, gpuId)
            mstore(0x20, major)
            key := keccak256(0x00, 0x40)
        }
    }

    /// @notice The number of listed nodes (Available or Busy) in the draw set (`group`, `tier`).
    function availableCount(bytes32 group, uint256 tier) external view returns (uint256) {
        return _available.size(group, tier);
    }

    /// @notice The numbers of listed nodes (Available or Busy) in the eight tier sets of `group`, packed 32 bits per tier
    /// (tier t at bits [32t, 32t + 32)).
    function availableSizes(bytes32 group) external view returns (uint256) {
        return _available.packedSizes(group);
    }

    /// @notice The listed node (Available or Busy) at `index` of the set (`group`, `tier`) (stale beyond
    /// `availableCount`).
    function availableAt(bytes32 group, uint256 tier, uint256 index) external view returns (address) {
        return _available.memberAt(group, tier, index);
    }

    /// @notice The positions of `node` in its two draw sets (meaningful only while Available or Busy).
    function availablePositionsOf(address node) external view returns (uint256 anyPos, uint256 gpuPos) {
        Node storage n = _nodes[node];
        return (n.anyPos, n.gpuPos);
    }

    /// @notice Registered nodes (any status but Quit) of GPU `gpuId` at exactly `version` with at least
    /// `minVram` GiB (by VRAM tier): the population an exact-match task's validation group is drawn from.
    function exactBucketPopulation(bytes32 gpuId, uint64 version, uint32 minVram) public view returns (uint256 total) {
        uint256 sizes = _registeredSizes[groupKey(gpuId, version)];
        // At most 8 tiers of at most 2^32 - 1 nodes: no overflow.
        unchecked {
            for (uint256 t = VramTiers.tierOf(minVram); t < VramTiers.COUNT; ++t) {
                total += (sizes >> (t * 32)) & 0xFFFFFFFF;
            }
        }
    }

    /// @notice Exact-match tasks need at least this many registered nodes in their bucket.
    function minExactBucket() external view returns (uint256) {
        return _settings.minExactBucket;
    }

    /// @notice The number of registered nodes holding `modelId`.
    function modelHolderCount(bytes32 modelId) external view returns (uint256) {
        return _modelHolders[modelId].length();
    }

    // ------------------------------------------------------------------ selection

    /// @dev A few draws among the listed nodes of the request's group in the tiers that may fit.
    function _drawAvailable(SelectionRequest calldata request, Draw memory d) private view returns (address) {
        bytes32 group = _setOf(request.requiredGpu, request.version);
        uint256 firstTier = VramTiers.tierOf(request.minVram);
        (uint256 sizes, uint256 total) = _available.sizesFrom(group, firstTier);
        if (total == 0) return address(0);
        for (uint256 i; i < MAX_SELECTION_TRIES; ++i) {
            // Past SELECTION_TRIES only in a small set and while the reservoir cannot be used (empty, or a busy
            // node was met): the stopping rule looks at the set size and earlier tries only, so an accepted draw
            // stays proportional to weight.
            if (i >= SELECTION_TRIES && (total > SELECTION_TRIES || (d.fallbackNode != address(0) && !d.sawBusy))) {
                break;
            }
            uint256 r = _random(d.randomness, i);
            // Truncation intended: bits 0-127 pick the candidate.
            // forge-lint: disable-next-line(unsafe-typecast)
            address candidate = _available.unionAt(group, sizes, firstTier, uint128(r) % total);
            // GPU and version (major, or exact for a pinned set) hold by set membership; availability is checked.
            if (_tryCandidate(d, candidate, request, r)) return candidate;
        }
        return address(0);
    }

    /// @dev True when `candidate` fits (VRAM, version rule of the task type) and passes the rejection step.
    function _tryCandidate(Draw memory d, address candidate, SelectionRequest calldata request, uint256 r)
        private
        view
        returns (bool)
    {
        Node storage n = _nodes[candidate];
        // Busy members are listed too (_listed): same slot, no extra read.
        if (n.status == NodeStatus.Busy) {
            d.sawBusy = true;
            return false;
        }
        if (
            n.status != NodeStatus.Available || n.vram < request.minVram
                || !NodeVersion.fitsTask(n.version, request.version, request.taskType)
        ) {
            return false;
        }
        if (!_takesFee(n, request.fee)) return false;
        return _consider(d, candidate, _weight(n, d.stakeCap, d.minScore), r);
    }

    /// @dev The node's own floor (finding 6): it is never given a task below it, so it never has to decline
    /// one. Its open exposure (review M3): with this task's fee, the fees of its unsettled reports stay at most
    /// half its stake (and the 40-bit counter), so one slash outweighs what it could still collect. Reads
    /// slot 0 (stake) and slot 2, both read by selection anyway.
    function _takesFee(Node storage n, uint256 fee) private view returns (bool) {
        if (fee < uint256(n.priceFloorGwei) * 1 gwei) return false;
        uint256 open = uint256(n.openFeesGwei) + _gweiCeil(fee);
        return open <= type(uint40).max && open * 1 gwei * OPEN_FEES_STAKE_DIVISOR <= n.stake;
    }

    /// @dev `amount` wei in gwei, rounded up.
    function _gweiCeil(uint256 amount) private pure returns (uint256) {
        return (amount + (1 gwei - 1)) / 1 gwei;
    }

    /// @dev Rejection step: accept with probability weight / d.bound (bits 128-191 of `r`); a rejected
    /// candidate enters a weighted reservoir (bits 192-255). Bits 0-127 picked the candidate.
    function _consider(Draw memory d, address candidate, uint256 weight, uint256 r) private pure returns (bool) {
        // Truncation intended: bits 128-191 decide acceptance.
        // forge-lint: disable-next-line(unsafe-typecast)
        if (uint64(r >> 128) % d.bound < weight) return true;
        // At most MAX_SELECTION_TRIES weights of at most MAX_WEIGHT (1e8): no overflow.
        unchecked {
            d.fallbackTotal += weight;
        }
        if ((r >> 192) % d.fallbackTotal < weight) d.fallbackNode = candidate;
        return false;
    }

    /// @dev min(stake, cap) in basis points of the cap (at least 1), times the QoS factor.
    function _weight(Node storage n, uint256 stakeCap, uint16 minScore) private view returns (uint256) {
        return _stakeShare(n.stake, stakeCap) * QoS.selectionFactor(minScore, n.qosScore);
    }

    /// @dev Non-decreasing in `stake`, so the share of the stake ceiling bounds every node's share whatever
    /// the current cap.
    function _stakeShare(uint256 stake, uint256 stakeCap) private pure returns (uint256 share) {
        share = stake >= stakeCap ? STAKE_SCALE : (stake * STAKE_SCALE) / stakeCap;
        if (share == 0) share = 1;
    }

    /// @dev The weight of a node holding both ceilings: at least every registered node's weight, because
    /// the share and the QoS factor are each non-decreasing in stake and score. Rejection sampling against
    /// it is exact; it is never 0 (share >= 1, minScore >= 1).
    function _weightBound(uint256 stakeCap, uint16 minScore, uint16 scoreCeiling) private view returns (uint256) {
        return
            _stakeShare(uint256(_config.stakeCeilingGwei) * 1 gwei, stakeCap)
                * QoS.selectionFactor(minScore, scoreCeiling);
    }

    /// @dev Raises the high-water marks of the rejection bound to a new node's stake and score.
    function _raiseCeilings(uint96 stake, uint16 score) internal {
        Config storage c = _config;
        // Rounded up, saturating: 2^64 - 1 gwei is above the largest stake cap (MAX_MIN_STAKE x
        // MAX_STAKE_WEIGHT_CAP), where every share is full anyway.
        uint256 gwei_ = (uint256(stake) + 1 gwei - 1) / 1 gwei;
        if (gwei_ > type(uint64).max) gwei_ = type(uint64).max;
        // forge-lint: disable-next-line(unsafe-typecast) -- at most type(uint64).max (above)
        if (gwei_ > c.stakeCeilingGwei) c.stakeCeilingGwei = uint64(gwei_);
        if (score > c.scoreCeiling) c.scoreCeiling = score;
    }

    function _fitsHardware(Node storage n, SelectionRequest calldata request) private view returns (bool) {
        return n.vram >= request.minVram && NodeVersion.fitsTask(n.version, request.version, request.taskType)
            && (request.requiredGpu == bytes32(0) || n.gpuId == request.requiredGpu);
    }

    /// @dev keccak256(abi.encode(seed, i)) in scratch space.
    function _random(uint256 seed, uint256 i) private pure returns (uint256 r) {
        assembly ("memory-safe") {
            mstore(0x00, seed)
            mstore(0x20, i)
            r := keccak256(0x00, 0x40)
        }
    }

    // ------------------------------------------------------------------ bookkeeping

    /// @dev The node stays in its draw sets while Busy (see _listed): no set update per task.
    function _occupy(address node, Node storage n, bytes32 taskKey) private {
        n.currentTask = taskKey;
        _setStatus(node, n, NodeStatus.Busy);
    }

    /// @dev Puts a listed node in its two sets: (any GPU, major, tier) for image tasks and (its GPU, exact
    /// version, tier) for exact-match tasks.
    function _addAvailable(address node, Node storage n) internal {
        uint256 tier = VramTiers.tierOf(n.vram);
        uint64 major = n.version >> 32;
        n.anyPos = uint24(_available.add(groupKey(AvailableSets.ANY, major), tier, node));
        n.gpuPos = uint24(_available.add(groupKey(n.gpuId, n.version), tier, node));
    }

    function _removeAvailable(Node storage n) private {
        uint256 tier = VramTiers.tierOf(n.vram);
        uint64 major = n.version >> 32;
        uint24 pos = n.anyPos;
        address moved = _available.remove(groupKey(AvailableSets.ANY, major), tier, pos);
        if (moved != address(0)) _nodes[moved].anyPos = pos;
        pos = n.gpuPos;
        moved = _available.remove(groupKey(n.gpuId, n.version), tier, pos);
        if (moved != address(0)) _nodes[moved].gpuPos = pos;
    }

    /// @dev Unregisters `node` (any registered status) and returns its stake, which the caller pays out.
    /// The beneficiary is kept so that payouts of tasks still being settled reach it.
    function _removeNode(address node, Node storage n) private returns (uint256 stake) {
        NodeStatus from = n.status;
        if (_listed(from)) _removeAvailable(n);
        _countRegistered(n, false);
        _clearModels(node);
        stake = n.stake;
        totalStaked -= stake;
        n.status = NodeStatus.Quit;
        n.consecutiveTimeouts = 0;
        n.qosScore = 0;
        n.vram = 0;
        n.version = 0;
        n.stake = 0;
        n.anyPos = 0;
        n.gpuPos = 0;
        n.gpuId = bytes32(0);
        emit NodeStatusChanged(node, from, NodeStatus.Quit);
    }

    /// @dev Adds (`join`) or removes one node to / from its exact-match bucket's registered population.
    function _countRegistered(Node storage n, bool join_) internal {
        bytes32 bucket = groupKey(n.gpuId, n.version);
        uint256 unit = 1 << (VramTiers.tierOf(n.vram) * 32);
        if (join_) _registeredSizes[bucket] += unit;
        else _registeredSizes[bucket] -= unit;
    }

    /// @dev The available set a request draws from: every GPU of the version major, or one GPU at exactly
    /// the request's version.
    function _setOf(bytes32 requiredGpu, uint64 version) private pure returns (bytes32) {
        return requiredGpu == bytes32(0) ? groupKey(AvailableSets.ANY, version >> 32) : groupKey(requiredGpu, version);
    }

    function _returnStake(address node, uint256 amount) private {
        _pendingWithdrawals[node] += amount;
        totalPendingWithdrawals += amount;
        emit StakeReturned(node, amount);
    }

    function _addModels(address node, bytes32[] calldata modelIds) internal {
        bytes32[] storage list = _models[node];
        for (uint256 i; i < modelIds.length; ++i) {
            _modelHolders[modelIds[i]].add(node);
            list.push(modelIds[i]);
        }
    }

    function _clearModels(address node) private {
        bytes32[] storage list = _models[node];
        for (uint256 i; i < list.length; ++i) {
            _modelHolders[list[i]].remove(node);
        }
        delete _models[node];
    }

    /// @dev Finding 1: the tasks created in earlier blocks are drawn over the population as it stood then,
    /// so every change to it (join, pause, resume, quit) lets the TaskManager settle those draws first.
    function _settleDraws() private {
        ITaskManager(taskManager).settleDraws();
    }

    function _setStatus(address node, Node storage n, NodeStatus to) private {
        emit NodeStatusChanged(node, n.status, to);
        n.status = to;
    }

    function _registered(address node) private view returns (Node storage n) {
        n = _nodes[node];
        if (n.status == NodeStatus.Quit) revert NodeRegistryNotRegistered(node);
    }

    /// @dev In the draw sets: Available or Busy. A busy node stays listed so that a task costs no set update at
    /// its draw nor at its node's release (about 40,000 gas per task); the draw rejects it like a node that does
    /// not fit, which leaves the accepted draw proportional to weight over the free fitting nodes
    /// (docs/node-registry.md, "Busy nodes stay listed"). Pausing, quitting and removal take a node out.
    function _listed(NodeStatus status) private pure returns (bool) {
        return status == NodeStatus.Available || status == NodeStatus.Busy;
    }

    function _isBusy(NodeStatus status) private pure returns (bool) {
        return status == NodeStatus.Busy || status == NodeStatus.PendingPause || status == NodeStatus.PendingQuit;
    }

    function _checkJoin(string calldata gpuName, uint32 vram, bytes calldata publicKey, bytes32[] calldata modelIds)
        private
        view
    {
        NodeStatus status = _nodes[msg.sender].status;
        if (status != NodeStatus.Quit) revert NodeRegistryAlreadyRegistered(msg.sender, status);
        uint256 minimum = _config.minStake;
        if (msg.value < minimum) revert NodeRegistryInsufficientStake(msg.value, minimum);
        if (msg.value > type(uint96).max) revert NodeRegistryStakeTooLarge(msg.value, type(uint96).max);
        if (publicKey.length != 64) revert NodeRegistryInvalidPublicKeyLength(publicKey.length);
        address keyAddress = address(uint160(uint256(keccak256(publicKey))));
        if (keyAddress != msg.sender) revert NodeRegistryPublicKeyMismatch(msg.sender, keyAddress);
        uint256 nameLength = bytes(gpuName).length;
        if (nameLength == 0 || nameLength > MAX_GPU_NAME_LENGTH) revert NodeRegistryInvalidGpuName(nameLength);
        if (vram == 0 || vram > MAX_VRAM) revert NodeRegistryInvalidVram(vram);
        _checkModels(modelIds);
    }

    /// @dev At most MAX_MODELS, non-zero and distinct (the quadratic check is bounded by MAX_MODELS^2 / 2).
    function _checkModels(bytes32[] calldata modelIds) internal pure {
        uint256 count = modelIds.length;
        if (count > MAX_MODELS) revert NodeRegistryTooManyModels(count, MAX_MODELS);
        for (uint256 i; i < count; ++i) {
            bytes32 id = modelIds[i];
            if (id == bytes32(0)) revert NodeRegistryInvalidModel(i, id);
            for (uint256 j; j < i; ++j) {
                if (modelIds[j] == id) revert NodeRegistryInvalidModel(i, id);
            }
        }
    }

    function _checkBounds(string memory name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert NodeRegistryParameterOutOfBounds(name, value, min, max);
    }

    function _qosParams() private view returns (QoS.Params memory) {
        Config storage c = _config;
        Settings storage t = _settings;
        return QoS.Params({
            firstPoints: c.firstPoints,
            secondPoints: c.secondPoints,
            thirdPoints: c.thirdPoints,
            timeoutPenalty: t.timeoutPenalty,
            initialScore: t.initialScore,
            minScore: c.minScore,
            smoothingShift: c.smoothingShift
        });
    }

    function _setQoSParams(QoS.Params memory p) private {
        Config storage c = _config;
        c.firstPoints = p.firstPoints;
        c.secondPoints = p.secondPoints;
        c.thirdPoints = p.thirdPoints;
        _settings.timeoutPenalty = p.timeoutPenalty;
        _settings.initialScore = p.initialScore;
        c.minScore = p.minScore;
        c.smoothingShift = p.smoothingShift;
        emit QoSParamsChanged(
            p.firstPoints, p.secondPoints, p.thirdPoints, p.timeoutPenalty, p.initialScore, p.minScore, p.smoothingShift
        );
    }
}
