// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {NodeRegistry} from "../../src/node/NodeRegistry.sol";
import {IncentivePool} from "../../src/pool/IncentivePool.sol";
import {TaskManager} from "../../src/task/TaskManager.sol";
import {MockVRFVerifier} from "../task/utils/MockVRFVerifier.sol";
import {VmExt} from "../task/utils/VmExt.sol";
import {Vm} from "../utils/Vm.sol";

/// @notice Forces its value into `target` with SELFDESTRUCT (no code of the target runs).
contract EtherForcer {
    constructor(address payable target) payable {
        selfdestruct(target);
    }
}

/// @notice Drives the TaskManager like a crowd would: one app creating single tasks and sampled groups,
/// honest nodes that always return the true result of the arguments (or report an error exactly when the
/// arguments are invalid), one cheating node returning junk, silence, timeouts, finalization by strangers,
/// withdrawals, pauses. Ghost variables record what the invariants need.
contract TaskManagerHandler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    VmExt internal constant vmx = VmExt(address(uint160(uint256(keccak256("hevm cheat code")))));

    uint256 public constant STAKE = 1 ether;
    bytes32 internal constant MODEL = keccak256("model");
    string internal constant GPU = "RTX";
    uint64 internal constant VERSION = uint64(1) << 32;
    uint256 internal constant NODE_COUNT = 4;
    uint256 internal constant MAX_TASKS = 36;
    uint256 public constant RELAY_KEY = uint256(keccak256("invariant relay"));

    TaskManager public immutable tm;
    NodeRegistry public immutable registry;
    IncentivePool public immutable pool;
    MockVRFVerifier public immutable vrf;

    address public app;
    bytes internal appPublicKey;
    address[] public nodes;
    bytes[] internal nodeKeys;
    address public cheater;

    struct GhostTask {
        bytes32 key;
        bytes32 guid;
        bytes32 nonce;
        bytes32 salt;
        uint256 argsId;
        uint256 fee;
        uint256 group; // index + 1 into groups, 0 when single
        bytes score; // what its node submitted
        bytes32 seed; // the seed its node folded in when it reported
    }

    GhostTask[] internal _tasks;
    uint256[3][] internal _groups;
    mapping(bytes32 => ITaskManager.TaskState) public ghostTerminal;
    mapping(bytes32 => bool) public ghostEnded;
    uint256 public ghostWithdrawn;
    uint256 public ghostSlashedStake;
    /// @dev Fees of draws nobody settled within 256 blocks (forfeited to the pool).
    uint256 public ghostForfeited;
    /// @dev Finding 6: reports made by a node that still had an earlier report unsettled (it moved on).
    uint256 public ghostReportsWhileUnsettled;
    /// @dev Finding 6: set when a task got a node whose price floor is above its fee.
    bool public ghostUnderpricedStart;
    /// @dev Finding 6: set when a stake came back while its node still had unsettled reports.
    bool public ghostStakeReturnedUnsettled;
    /// @dev Finding 4: set when an Available node, after a deep dispatch over the whole queue, left a queued task
    /// that fits it waiting.
    bool public ghostStarved;
    /// @dev Review M3: a node that was no longer registered (slashed while it ran the task) reported it.
    bool public ghostGoneNodeReported;
    /// @dev Finding 4: tasks dispatched by deep dispatches (progress).
    uint256 public ghostDeepDispatches;
    /// @dev Review M2: a task had a node in its seed block (a dispatch handed it to a node instead of a draw), or a
    /// dispatch returned a task that did not go back to Pending.
    bool public ghostNodeWithoutDraw;
    /// @dev Review M2 (progress): tasks seen Queued, and those of them that got a node later (through a redraw).
    uint256 public ghostQueuedSeen;
    uint256 public ghostQueuedThenStarted;
    mapping(bytes32 => uint8) internal _queueSeen; // 1 seen Queued, 2 counted as started afterwards
    mapping(bytes32 => bool) internal _floorChecked;
    mapping(address => uint256) internal _lastPendingWithdrawal;
    bool public ghostHonestSlashed;
    bool public ghostTerminalChanged;
    uint256 internal _counter;
    uint256 public ghostGroupsJudged;
    uint256 public ghostSinglesValidated;
    /// @dev Progress counters, asserted after each run (a campaign that never gets anywhere proves nothing).
    uint256 public ghostTasksCreated;
    uint256 public ghostReports;
    uint256 public ghostDrawsSettled;
    /// @dev A revert the action's preconditions did not allow: the selector of the first one (0: none).
    /// Handlers never swallow a revert: each is either expected for the state it met, or recorded here.
    bytes4 public ghostUnexpectedRevert;
    string public ghostUnexpectedAction;
    /// @dev Ether an outsider forced into the TaskManager / the registry (finding 9).
    uint256 public ghostForcedTm;
    uint256 public ghostForcedRegistry;

    constructor(TaskManager tm_, NodeRegistry registry_, IncentivePool pool_, MockVRFVerifier vrf_) {
        tm = tm_;
        registry = registry_;
        pool = pool_;
        vrf = vrf_;
        VmExt.Wallet memory w = vmx.createWallet(uint256(keccak256("invariant app")));
        app = w.addr;
        appPublicKey = abi.encodePacked(w.publicKeyX, w.publicKeyY);
        vm.deal(app, 1_000_000 ether);
        for (uint256 i = 0; i < NODE_COUNT; ++i) {
            w = vmx.createWallet(uint256(keccak256(abi.encode("invariant node", i))));
            nodes.push(w.addr);
            nodeKeys.push(abi.encodePacked(w.publicKeyX, w.publicKeyY));
            vm.deal(w.addr, 100 ether);
            _join(i);
        }
        cheater = nodes[NODE_COUNT - 1];
    }

    // ------------------------------------------------------------------ views for the invariants

    function taskCount() external view returns (uint256) {
        return _tasks.length;
    }

    function taskKey(uint256 i) external view returns (bytes32) {
        return _tasks[i].key;
    }

    function taskFee(uint256 i) external view returns (uint256) {
        return _tasks[i].fee;
    }

    function nodeCount() external view returns (uint256) {
        return nodes.length;
    }

    function isHonest(address node) public view returns (bool) {
        return node != cheater;
    }

    // ------------------------------------------------------------------ app actions

    function createTask(uint256 seed) external {
        if (_tasks.length >= MAX_TASKS) return;
        bytes32 guid = keccak256(abi.encode("guid", ++_counter));
        _createMember(guid, seed % 4, _fee(seed), 0);
        // Half the time the next block's first transaction draws the node at once; otherwise the task stays
        // Pending until some later action settles (finding 1).
        if (seed % 2 == 0) settle();
    }

    /// @dev The first transaction of a new block draws the nodes of the tasks created before it.
    function settle() public {
        _nextBlock();
        ghostDrawsSettled += tm.settleDraws();
        _afterAction();
    }

    function createGroup(uint256 seed) external {
        if (_tasks.length + 3 > MAX_TASKS) return;
        bytes32 guid = keccak256(abi.encode("group guid", ++_counter));
        uint256 argsId = seed % 4;
        uint256 fee = _fee(seed);
        uint256 groupId = _groups.length + 1;
        uint256[3] memory members;
        bool ok;
        (ok, members[0]) = _createMember(guid, argsId, fee, groupId);
        if (!ok) return;
        _nextBlock();
        (ok, members[1]) = _createMember(guid, argsId, fee, groupId);
        if (!ok) return;
        (ok, members[2]) = _createMember(guid, argsId, fee, groupId);
        if (!ok) return;
        _groups.push(members);
    }

    function validateSingle(uint256 index) external {
        if (_tasks.length == 0) return;
        GhostTask storage t = _tasks[index % _tasks.length];
        vm.prank(app);
        try tm.validateSingleTask(t.key) {
            ++ghostSinglesValidated;
        } catch (bytes memory reason) {
            // Only a task that is not (or no longer) reported may be refused.
            _expectOneOf("validateSingleTask", reason, _one(ITaskManager.InvalidState.selector));
        }
        _afterAction();
    }

    /// @dev The nodes of the group's running members answer first (most of the time), then the app judges.
    function validateGroup(uint256 index, uint256 seed) external {
        if (_groups.length == 0) return;
        uint256[3] memory members = _groups[index % _groups.length];
        _nextBlock();
        ghostDrawsSettled += tm.settleDraws();
        for (uint256 i = 0; i < 3; ++i) {
            if ((seed >> i) % 4 != 0) _submit(members[i], uint256(keccak256(abi.encode(seed, i))));
        }
        ITaskManager.GroupValidation memory g;
        GhostTask storage original = _tasks[members[0]];
        g.guid = original.guid;
        g.argsHash = _argsHash(original.argsId);
        for (uint256 i = 0; i < 3; ++i) {
            GhostTask storage t = _tasks[members[i]];
            g.taskKeys[i] = t.key;
            g.nonces[i] = t.nonce;
            g.salts[i] = t.salt;
            ITaskManager.TaskState state = tm.getTask(t.key).state;
            if (state == ITaskManager.TaskState.ScoreReady) g.scores[i] = t.score;
            if (state == ITaskManager.TaskState.ScoreReady || state == ITaskManager.TaskState.ErrorReported) {
                g.seeds[i] = t.seed;
            }
        }
        g.modelIds = _models();
        g.minVram = 8;
        g.version = VERSION;
        g.publicKey = appPublicKey;
        bytes32 samplingSeed = g.seeds[0] != bytes32(0) ? g.seeds[0] : tm.samplingSeed(original.key);
        if (samplingSeed == bytes32(0)) return;
        g.vrfProof = _sampledProof(samplingSeed);
        (g.uPoint, g.vComponents) = vrf.helpers(g.vrfProof);

        uint256[NODE_COUNT] memory pendingBefore;
        bool[NODE_COUNT] memory activeBefore;
        for (uint256 i = 0; i < NODE_COUNT; ++i) {
            pendingBefore[i] = registry.pendingWithdrawal(nodes[i]);
            activeBefore[i] = registry.getNodeInfo(nodes[i]).status != INodeRegistry.NodeStatus.Quit;
        }
        uint256 poolBefore = address(pool).balance;
        vm.prank(app);
        try tm.validateTaskGroup(g) {
            ++ghostGroupsJudged;
            for (uint256 i = 0; i < NODE_COUNT; ++i) {
                bool gone = registry.getNodeInfo(nodes[i]).status == INodeRegistry.NodeStatus.Quit;
                if (activeBefore[i] && gone && registry.pendingWithdrawal(nodes[i]) == pendingBefore[i]) {
                    // Removed without its stake coming back: slashed.
                    if (isHonest(nodes[i])) ghostHonestSlashed = true;
                }
            }
            ghostSlashedStake += address(pool).balance - poolBefore;
        } catch (bytes memory reason) {
            // A group whose members did not all get far enough (fewer than two reports, an original that
            // timed out, a member still running or already ended alone) is refused; so is one whose original
            // queued and was dispatched after a member got its node (its seed block is then not earlier).
            // Nothing else may be.
            bytes4 selector = reason.length >= 4 ? bytes4(reason) : bytes4(0);
            // Finding 6: nodes are free at their report, so one node may have run two members (4 nodes here).
            if (selector == ITaskManager.DuplicateGroupNode.selector && _sharedNode(g.taskKeys)) {
                selector = ITaskManager.TooFewReports.selector;
                reason = abi.encodePacked(selector);
            }
            if (selector == ITaskManager.MemberCreatedTooEarly.selector) {
                uint64 originalBlock = tm.getTask(g.taskKeys[0]).seedBlock;
                bool late = tm.getTask(g.taskKeys[1]).seedBlock <= originalBlock
                    || tm.getTask(g.taskKeys[2]).seedBlock <= originalBlock;
                if (late) selector = ITaskManager.TooFewReports.selector;
                reason = abi.encodePacked(selector);
            }
            _expectOneOf(
                "validateTaskGroup",
                reason,
                _three(
                    ITaskManager.TooFewReports.selector,
                    ITaskManager.OriginalNotReported.selector,
                    ITaskManager.GroupMemberState.selector
                )
            );
        }
        _afterAction();
    }

    /// @dev True when two reported members of the group ran on the same node.
    function _sharedNode(bytes32[3] memory keys) internal view returns (bool) {
        address[3] memory node;
        for (uint256 i = 0; i < 3; ++i) {
            ITaskManager.TaskInfo memory info = tm.getTask(keys[i]);
            bool reported =
                info.state == ITaskManager.TaskState.ScoreReady || info.state == ITaskManager.TaskState.ErrorReported;
            if (reported) node[i] = info.node;
        }
        return (node[0] != address(0) && (node[0] == node[1] || node[0] == node[2]))
            || (node[1] != address(0) && node[1] == node[2]);
    }

    /// @dev An outsider forces ether into a contract: nothing may depend on balance equalities.
    function forceEther(uint256 seed) external {
        uint256 amount = 1 + (seed % 3 ether);
        vm.deal(address(this), address(this).balance + amount);
        if (seed % 2 == 0) {
            new EtherForcer{value: amount}(payable(address(tm)));
            ghostForcedTm += amount;
        } else {
            new EtherForcer{value: amount}(payable(address(registry)));
            ghostForcedRegistry += amount;
        }
    }

    function withdrawApp() external {
        _withdraw(app);
    }

    function withdrawNode(uint256 index) external {
        _withdraw(nodes[index % NODE_COUNT]);
    }

    // ------------------------------------------------------------------ node actions

    function submit(uint256 index, uint256 seed) external {
        if (_tasks.length == 0) return;
        _submit(index % _tasks.length, seed);
        _afterAction();
    }

    function pauseNode(uint256 index) external {
        address node = nodes[index % NODE_COUNT];
        vm.prank(node);
        try registry.pause() {}
        catch (bytes memory reason) {
            _expectOneOf(
                "pause",
                reason,
                _two(INodeRegistry.NodeRegistryInvalidStatus.selector, INodeRegistry.NodeRegistryNotRegistered.selector)
            );
        }
        _afterAction();
    }

    function resumeNode(uint256 index) external {
        address node = nodes[index % NODE_COUNT];
        vm.prank(node);
        try registry.resume() {}
        catch (bytes memory reason) {
            _expectOneOf(
                "resume",
                reason,
                _two(INodeRegistry.NodeRegistryInvalidStatus.selector, INodeRegistry.NodeRegistryNotRegistered.selector)
            );
        }
        // Never reverts: it dispatches nothing to a node that is not Available.
        vm.prank(node);
        tm.dispatchQueued(node);
        _afterAction();
    }

    function rejoinNode(uint256 index) external {
        uint256 i = index % NODE_COUNT;
        if (registry.getNodeInfo(nodes[i]).status != INodeRegistry.NodeStatus.Quit) return;
        _join(i);
        vm.prank(nodes[i]);
        tm.dispatchQueued(nodes[i]);
        _afterAction();
    }

    function withdrawStake(uint256 index) external {
        address node = nodes[index % NODE_COUNT];
        if (registry.pendingWithdrawal(node) == 0) return;
        vm.prank(node);
        registry.withdraw();
        _lastPendingWithdrawal[node] = 0;
    }

    /// @dev Finding 4: an idle node reaches past whatever heads the queue has. Every handler task fits every
    /// node's hardware, so afterwards a still Available node leaves only tasks below its price floor (or beyond
    /// what its stake still backs, M3) queued.
    /// Review M2: a dispatch gives the node nothing; it puts one fitting task back into the draws (Pending), so the
    /// node repeats it until none is left, or until half the draw ring is in use.
    function dispatchDeep(uint256 index) external {
        address node = nodes[index % NODE_COUNT];
        // Never reverts: it dispatches nothing to a node that is not Available.
        for (uint256 n = 0; n < MAX_TASKS; ++n) {
            vm.prank(node);
            bytes32 key = tm.dispatchQueuedDeep(node, MAX_TASKS);
            if (key == bytes32(0)) break;
            ++ghostDeepDispatches;
            ITaskManager.TaskInfo memory redrawn = tm.getTask(key);
            bool pending = redrawn.state == ITaskManager.TaskState.Pending && redrawn.node == address(0);
            if (!pending || redrawn.seedBlock != block.number) ghostNodeWithoutDraw = true;
        }
        INodeRegistry.NodeInfo memory nodeInfo = registry.getNodeInfo(node);
        if (nodeInfo.status == INodeRegistry.NodeStatus.Available && tm.pendingDraws() < 16) {
            uint256 floor = registry.priceFloorOf(node);
            // Review M3: nor tasks whose fee would take its open fees past its stake.
            uint256 open = registry.openFeesOf(node);
            uint256 room = nodeInfo.stake / 2 > open ? nodeInfo.stake / 2 - open : 0;
            for (uint256 i = 0; i < _tasks.length; ++i) {
                ITaskManager.TaskInfo memory info = tm.getTask(_tasks[i].key);
                bool affordable = (uint256(info.fee) + 1 gwei - 1) / 1 gwei * 1 gwei <= room;
                if (info.state == ITaskManager.TaskState.Queued && info.fee >= floor && affordable) {
                    ghostStarved = true;
                }
            }
        }
        _afterAction();
    }

    /// @dev Finding 6: a node quits, busy or not, with reports unsettled or not.
    function quitNode(uint256 index) external {
        address node = nodes[index % NODE_COUNT];
        vm.prank(node);
        try registry.quit() {}
        catch (bytes memory reason) {
            _expectOneOf(
                "quit",
                reason,
                _two(INodeRegistry.NodeRegistryInvalidStatus.selector, INodeRegistry.NodeRegistryNotRegistered.selector)
            );
        }
        _afterAction();
    }

    /// @dev Finding 6: a node sets its price floor around the fees the app pays (0 to 0.25 ether).
    function setFloor(uint256 index, uint256 seed) external {
        // setPriceFloor settles the pending draws first (over the old floors): do it here, then check every task
        // drawn so far against the floor it was drawn under, before the floor moves.
        ghostDrawsSettled += tm.settleDraws();
        _afterAction();
        address node = nodes[index % NODE_COUNT];
        uint256 floor = seed % 3 == 0 ? 0 : seed % 0.25 ether;
        vm.prank(node);
        try registry.setPriceFloor(floor) {}
        catch (bytes memory reason) {
            _expectOneOf("setPriceFloor", reason, _one(INodeRegistry.NodeRegistryNotRegistered.selector));
        }
    }

    // ------------------------------------------------------------------ anyone

    function finalize(uint256 index, uint256 wait) external {
        if (_tasks.length == 0) return;
        vm.warp(block.timestamp + (wait % (2 * tm.validationWindow())));
        try tm.finalizeTask(_tasks[index % _tasks.length].key) {}
        catch (bytes memory reason) {
            _expectOneOf(
                "finalizeTask",
                reason,
                _two(ITaskManager.DeadlineNotReached.selector, ITaskManager.InvalidState.selector)
            );
        }
        _afterAction();
    }

    function abort(uint256 index, uint256 wait) external {
        if (_tasks.length == 0) return;
        vm.warp(block.timestamp + (wait % (2 * tm.timeout(2))));
        GhostTask storage t = _tasks[index % _tasks.length];
        try tm.abortTask(t.key) {}
        catch (bytes memory reason) {
            _expectOneOf(
                "abortTask", reason, _two(ITaskManager.DeadlineNotReached.selector, ITaskManager.InvalidState.selector)
            );
        }
        _afterAction();
    }

    /// @dev A quiet stretch of up to 300 blocks (more than the 256 a block hash stays readable), then a
    /// settlement: draws nobody settled in time end DrawExpired and forfeit their fees to the pool.
    function gap(uint256 blocks) external {
        uint256 count = 1 + (blocks % 300);
        vmx.setBlockhash(block.number, keccak256(abi.encode("block", block.number)));
        vm.roll(block.number + count);
        vm.warp(block.timestamp + 2 * count);
        uint256 poolBefore = address(pool).balance;
        ghostDrawsSettled += tm.settleDraws();
        ghostForfeited += address(pool).balance - poolBefore;
        _afterAction();
    }

    function passTime(uint256 seconds_) external {
        vm.warp(block.timestamp + (seconds_ % 3 hours));
        _nextBlock();
    }

    // ------------------------------------------------------------------ internal

    /// @dev Accepts a revert only when its selector is one the action may meet in the state it found.
    function _expectOneOf(string memory action, bytes memory reason, bytes4[] memory allowed) internal {
        bytes4 selector = reason.length >= 4 ? bytes4(reason) : bytes4(0xffffffff);
        for (uint256 i = 0; i < allowed.length; ++i) {
            if (selector == allowed[i]) return;
        }
        if (ghostUnexpectedRevert == bytes4(0)) {
            ghostUnexpectedRevert = selector;
            ghostUnexpectedAction =
                string.concat(action, " reverted with ", "selector (decimal) ", vm.toString(uint256(uint32(selector))));
        }
    }

    function _one(bytes4 a) internal pure returns (bytes4[] memory list) {
        list = new bytes4[](1);
        list[0] = a;
    }

    function _two(bytes4 a, bytes4 b) internal pure returns (bytes4[] memory list) {
        list = new bytes4[](2);
        list[0] = a;
        list[1] = b;
    }

    function _three(bytes4 a, bytes4 b, bytes4 c) internal pure returns (bytes4[] memory list) {
        list = new bytes4[](3);
        list[0] = a;
        list[1] = b;
        list[2] = c;
    }

    function _createMember(bytes32 guid, uint256 argsId, uint256 fee, uint256 group)
        internal
        returns (bool ok, uint256 index)
    {
        bytes32 nonce = keccak256(abi.encode("nonce", ++_counter));
        bytes32 salt = keccak256(abi.encode("salt", _counter));
        ITaskManager.CreateTaskParams memory p = ITaskManager.CreateTaskParams({
            taskType: 0,
            modelIds: _models(),
            minVram: 8,
            requiredGpu: bytes32(0),
            version: VERSION,
            taskSize: 1,
            taskIdCommitment: keccak256(abi.encodePacked(guid, nonce)),
            argsCommitment: keccak256(abi.encodePacked(_argsHash(argsId), salt)),
            relayExpiry: uint64(block.timestamp + 600),
            relaySignature: ""
        });
        // The relay holds every task's arguments (its statement is checked on chain).
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(RELAY_KEY, tm.argsAvailableDigest(app, p.argsCommitment, p.relayExpiry));
        p.relaySignature = abi.encodePacked(r, s, v);
        vm.prank(app);
        try tm.createTask{value: fee}(p) returns (bytes32 key) {
            index = _tasks.length;
            _tasks.push(GhostTask(key, guid, nonce, salt, argsId, fee, group, "", bytes32(0)));
            ok = true;
            ++ghostTasksCreated;
        } catch (bytes memory reason) {
            // Keys are fresh, fees in range and the relay signs: only a full draw backlog may refuse.
            _expectOneOf("createTask", reason, _one(ITaskManager.DrawBacklogFull.selector));
        }
        _afterAction();
    }

    /// @dev The task's node answers as its nature says: honest nodes the truth, the cheater junk.
    function _submit(uint256 index, uint256 seed) internal {
        GhostTask storage t = _tasks[index];
        ITaskManager.TaskInfo memory info = tm.getTask(t.key);
        if (info.state != ITaskManager.TaskState.Started) return;
        address node = info.node;
        bool reportError;
        bytes memory score;
        if (isHonest(node)) {
            reportError = t.argsId == 3; // arguments id 3 are invalid: honest nodes all say so
            score = _truth(t.argsId);
        } else {
            reportError = seed % 3 == 0;
            score = abi.encodePacked(bytes8(keccak256(abi.encode(seed))), bytes8(keccak256(abi.encode(seed, 1))));
        }
        t.seed = tm.samplingSeed(t.key);
        uint256 unsettledBefore = registry.unsettledReportsOf(node);
        // Review M3: a node slashed while it ran the task has no stake behind a report: refused.
        bool gone = registry.getNodeInfo(node).status == INodeRegistry.NodeStatus.Quit;
        bytes4[] memory allowed = gone
            ? _two(ITaskManager.SeedUnavailable.selector, INodeRegistry.NodeRegistryNotRegistered.selector)
            : _one(ITaskManager.SeedUnavailable.selector);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(RELAY_KEY, tm.resultAvailableDigest(t.key, keccak256(score)));
        vm.prank(node);
        // A started task's node may answer only once its seed block is past and while the seed is known.
        if (reportError) {
            try tm.reportTaskError(t.key, 1) {
                ++ghostReports;
                if (unsettledBefore != 0) ++ghostReportsWhileUnsettled;
                if (gone) ghostGoneNodeReported = true;
            } catch (bytes memory reason) {
                _expectOneOf("reportTaskError", reason, allowed);
            }
        } else {
            try tm.submitScore(t.key, score, abi.encodePacked(r, s, v)) {
                t.score = score;
                ++ghostReports;
                if (unsettledBefore != 0) ++ghostReportsWhileUnsettled;
                if (gone) ghostGoneNodeReported = true;
            } catch (bytes memory reason) {
                _expectOneOf("submitScore", reason, allowed);
            }
        }
    }

    function _withdraw(address account) internal {
        uint256 amount = tm.owed(account);
        if (amount == 0) return;
        vm.prank(account);
        tm.withdraw();
        ghostWithdrawn += amount;
    }

    /// @dev Records terminal states the first time they are seen and flags any later change.
    function _afterAction() internal {
        for (uint256 i = 0; i < NODE_COUNT; ++i) {
            address node = nodes[i];
            uint256 pending = registry.pendingWithdrawal(node);
            if (pending > _lastPendingWithdrawal[node] && registry.unsettledReportsOf(node) != 0) {
                ghostStakeReturnedUnsettled = true;
            }
            _lastPendingWithdrawal[node] = pending;
        }
        for (uint256 i = 0; i < _tasks.length; ++i) {
            bytes32 key = _tasks[i].key;
            ITaskManager.TaskInfo memory info = tm.getTask(key);
            if (!_floorChecked[key] && info.node != address(0)) {
                _floorChecked[key] = true;
                if (info.fee < registry.priceFloorOf(info.node)) ghostUnderpricedStart = true;
            }
            ITaskManager.TaskState state = info.state;
            // Review M2: a node only ever gets a task from a draw of a later block than its seed block.
            if (info.node != address(0) && state == ITaskManager.TaskState.Started && info.seedBlock >= block.number) {
                ghostNodeWithoutDraw = true;
            }
            if (state == ITaskManager.TaskState.Queued) {
                if (_queueSeen[key] == 0) ++ghostQueuedSeen;
                _queueSeen[key] = 1;
            } else if (_queueSeen[key] == 1 && info.node != address(0)) {
                _queueSeen[key] = 2;
                ++ghostQueuedThenStarted;
            }
            if (ghostEnded[key]) {
                if (state != ghostTerminal[key]) ghostTerminalChanged = true;
            } else if (
                uint8(state) >= uint8(ITaskManager.TaskState.EndSuccess)
                    && uint8(state) <= uint8(ITaskManager.TaskState.EndAborted)
            ) {
                ghostEnded[key] = true;
                ghostTerminal[key] = state;
            }
        }
    }

    function _join(uint256 i) internal {
        vm.prank(nodes[i]);
        registry.join{value: STAKE}(GPU, 24, VERSION, nodeKeys[i], address(0), _models());
    }

    function _nextBlock() internal {
        vmx.setBlockhash(block.number, keccak256(abi.encode("block", block.number)));
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + 2);
    }

    /// @dev Up to a quarter of a stake: a node holds at least two open reports (review M3 caps its open fees at
    /// half its stake), and the cap is still reached.
    function _fee(uint256 seed) internal pure returns (uint256) {
        return 1 gwei + (seed % 0.25 ether);
    }

    function _models() internal pure returns (bytes32[] memory models) {
        models = new bytes32[](1);
        models[0] = MODEL;
    }

    function _argsHash(uint256 argsId) internal pure returns (bytes32) {
        return keccak256(abi.encode("args", argsId));
    }

    function _truth(uint256 argsId) internal pure returns (bytes memory) {
        return abi.encodePacked(bytes16(keccak256(abi.encode("truth", argsId))));
    }

    function _sampledProof(bytes32 seed) internal view returns (bytes memory proof) {
        bytes32 binding = keccak256(abi.encodePacked(appPublicKey, abi.encodePacked(seed)));
        uint256 denominator = tm.samplingDenominator();
        for (uint256 tail = 0;; ++tail) {
            proof = abi.encodePacked(bytes1(0x02), binding, bytes16(0), bytes32(tail));
            if (uint256(vrf.proofToHash(proof)) % denominator == 0) return proof;
        }
    }
}
