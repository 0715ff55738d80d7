// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {TaskManagerTestBase} from "../task/utils/TaskManagerTestBase.sol";

/// @notice Finding 1 (steered validation groups): an app that runs 2 of the network's 10 nodes plays its best
/// strategy to put its own nodes in its validation groups (docs/protocol.md, "F1"). Before the fix the draw
/// happened inside createTask from randomness its sender could read, so simulating the transaction and
/// sending it only when the draw suited won every group; now the draw uses the creation block's hash, which
/// no transaction of that block can know, over a population frozen until the draw.
contract SteeringTest is TaskManagerTestBase {
    uint256 internal constant HONEST = 8;
    uint256 internal constant TRIALS = 120;
    /// @dev How many blocks the attacker is willing to wait for a draw that suits it, per task.
    uint256 internal constant PATIENCE = 6;

    /// @dev DSTest's log event (forge -vv prints it).
    event log_named_uint(string key, uint256 val);

    address[2] internal attackerNodes;
    uint256 internal nextId;

    function _nodeCount() internal pure override returns (uint256) {
        return HONEST;
    }

    function setUp() public override {
        super.setUp();
        attackerNodes[0] = _joinNode(uint256(keccak256("attacker node 0")), GPU);
        attackerNodes[1] = _joinNode(uint256(keccak256("attacker node 1")), GPU);
    }

    function _isAttacker(address node) internal view returns (bool) {
        return node == attackerNodes[0] || node == attackerNodes[1];
    }

    function _setAttackerNodes(bool available) internal {
        for (uint256 i = 0; i < 2; ++i) {
            vm.prank(attackerNodes[i]);
            if (available) registry.resume();
            else registry.pause();
        }
    }

    /// @dev The attacker's best use of simulation: it runs createTask (and anything else it may send in the
    /// same block, here a settlement) against the current state, and sends it for real only when the node it
    /// sees suits it; otherwise it waits for the next block, up to PATIENCE blocks.
    function _createSteered(bool wantAttackerNode) internal returns (bytes32 key) {
        uint256 id = nextId++;
        for (uint256 attempt = 0; attempt < PATIENCE; ++attempt) {
            uint256 snapshot = vmx.snapshotState();
            bytes32 simulated = _createPending(_params(id));
            tm.settleDraws();
            address seen = tm.getTask(simulated).node;
            vmx.revertToState(snapshot);
            if (seen != address(0) && _isAttacker(seen) == wantAttackerNode) break;
            _nextBlock();
        }
        key = _createPending(_params(id));
    }

    function _finish(bytes32 key) internal {
        if (_state(key) != ITaskManager.TaskState.Started) return;
        _submit(key, _score(1));
        vm.prank(app);
        tm.validateSingleTask(key);
    }

    /// @dev Each trial: the attacker pauses its nodes so that its original lands on an honest node (the
    /// victim), learns it is "sampled", resumes its nodes and creates the two members, each steered towards
    /// its own nodes by simulation and timing. A trial is won when 2 of the 3 group nodes are the attacker's
    /// (the honest one would be slashed). The win rate must stay within p(8, 2) = 8/120 plus three standard
    /// errors; before the fix this strategy won every trial.
    function test_regression_F1_twoOfTenNodesCannotSteerTheirGroups() public {
        uint256 won;
        uint256 attackerMembers;
        for (uint256 trial = 0; trial < TRIALS; ++trial) {
            blockhashSalt = keccak256(abi.encode("trial", trial));
            _setAttackerNodes(false);
            bytes32 original = _createSteered(false);
            _settle();
            _setAttackerNodes(true);
            bytes32 m1 = _createSteered(true);
            bytes32 m2 = _createSteered(true);
            _settle();
            uint256 mine = (_isAttacker(_node(original)) ? 1 : 0) + (_isAttacker(_node(m1)) ? 1 : 0)
                + (_isAttacker(_node(m2)) ? 1 : 0);
            attackerMembers += mine;
            if (mine >= 2) ++won;
            _finish(original);
            _finish(m1);
            _finish(m2);
        }
        // p(8, 2) = C(2,2)·C(8,1) / C(10,3) = 8/120; 3 standard errors over TRIALS trials: 3·sqrt(p(1-p)/T).
        // In integers: won/T <= 8/120 + 3·sqrt(8·112/120²/T)  ⇔  won <= T·8/120 + 3·sqrt(T·8·112)/120.
        uint256 bound = (TRIALS * 8 + 3 * _sqrt(TRIALS * 8 * 112)) / 120 + 1;
        emit log_named_uint("groups won by the attacker", won);
        emit log_named_uint("attacker nodes among group members", attackerMembers);
        emit log_named_uint("bound", bound);
        assertLe(won, bound, "the attacker raised its odds above p(h, d)");
        // The draws did happen (the attacker's nodes are drawn at about their share, not never).
        assertGt(attackerMembers, 0);
    }

    function _sqrt(uint256 x) internal pure returns (uint256 y) {
        y = x;
        uint256 z = (x + 1) / 2;
        while (z < y) {
            y = z;
            z = (x / z + z) / 2;
        }
    }

    /// @dev After the creation block's hash is out, the attacker pauses (or resumes) a node to reshape the
    /// population the draw sees: the pause first settles the pending draw over the population as it stood.
    function test_regression_F1_populationChangesAfterTheBlockDoNotReachItsDraws() public {
        bytes32 key = _createPending(_params(0));
        _nextBlock();
        uint256 snapshot = vmx.snapshotState();
        tm.settleDraws();
        address fair = _node(key);
        vmx.revertToState(snapshot);
        // Whoever was drawn, the attacker pauses the nodes it does not like before anyone settles.
        for (uint256 i = 0; i < 2; ++i) {
            vm.prank(attackerNodes[i]);
            registry.pause();
        }
        assertEq(_node(key), fair, "drawn over the population of the creation block");
        if (_isAttacker(fair)) {
            assertEq(uint256(registry.getNodeInfo(fair).status), uint256(INodeRegistry.NodeStatus.PendingPause));
        }
    }

    /// @dev Nobody settles for 256 blocks, so the creation block's hash is gone: a draw from any later value
    /// would be known to whoever settles, so the task ends, and its fee is forfeited to the incentive pool
    /// (a refund would make letting an unwelcome draw expire a free re-roll).
    function test_regression_F1_aDrawNobodySettledFor256BlocksForfeitsItsFee() public {
        bytes32 key = _createPending(_params(0));
        uint256 poolBefore = address(pool).balance;
        vm.roll(block.number + 257);
        vm.expectEmit(true, false, false, true, address(tm));
        emit ITaskManager.TaskEndAborted(key, ITaskManager.AbortReason.DrawExpired, FEE);
        assertEq(tm.settleDraws(), 1);
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.EndAborted));
        assertEq(tm.owed(app), 0, "no refund");
        assertEq(address(pool).balance - poolBefore, FEE, "the fee went to the pool");
        assertEq(address(tm).balance, 0, "nothing left in escrow");
    }

    /// @dev The re-roll attack of the review: the app learns its member's draw one block after creation, keeps
    /// the draws that landed on its own nodes and lets the others expire (on a quiet network nobody else
    /// settles). Each re-roll now costs a whole fee: to get one member onto its 2 of 10 nodes it forfeits
    /// about four fees on average, and both members of a group about eight, for a group whose slashed
    /// victim's stake goes to the pool, not to the app.
    function test_regression_F1_reRollingDrawsCostsAFeeEach() public {
        uint256 poolBefore = address(pool).balance;
        uint256 appBefore = app.balance;
        uint256 kept;
        uint256 rerolled;
        for (uint256 id = 0; kept < 10; ++id) {
            bytes32 key = _createPending(_params(id));
            _nextBlock();
            uint256 snapshot = vmx.snapshotState();
            tm.settleDraws();
            bool mine = _isAttacker(_node(key));
            vmx.revertToState(snapshot);
            if (mine) {
                tm.settleDraws();
                ++kept;
                _finish(key);
            } else {
                vm.roll(block.number + 257);
                assertEq(tm.settleDraws(), 1);
                ++rerolled;
            }
        }
        emit log_named_uint("draws re-rolled for 10 kept", rerolled);
        assertGt(rerolled, 0);
        assertEq(address(pool).balance - poolBefore, rerolled * FEE, "each re-roll forfeited its fee");
        assertEq(tm.owed(app), 0, "no refunds");
        // The app paid every fee: the kept tasks went to its own nodes' beneficiaries, the rest to the pool.
        assertEq(appBefore - app.balance, (kept + rerolled) * FEE);
    }

    /// @dev Finding (review): a draw settled late, by its own app near block b + 255, left the node unable
    /// to read blockhash(b) soon after: SeedUnavailable at its report and a timeout against an honest node.
    /// A late draw now stores the seed it read.
    function test_regression_F1_aLateDrawKeepsItsSeedForTheNode() public {
        bytes32 key = _createPending(_params(0));
        uint256 created = block.number;
        _nextBlock();
        bytes32 expected = blockhash(created);
        assertTrue(expected != bytes32(0));
        vm.roll(created + 250);
        vm.expectEmit(true, false, false, true, address(tm));
        emit ITaskManager.SamplingSeedRecorded(key, expected);
        tm.settleDraws();
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.Started));
        vm.roll(created + 300);
        assertEq(tm.samplingSeed(key), expected, "the seed outlives the block hash");
        _submit(key, _score(1));
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.ScoreReady));
        assertEq(seedOf[key], expected);
    }

    /// @dev A prompt draw stores nothing (the node has its 224+ blocks of readable hash).
    function test_F1_aPromptDrawStoresNoSeed() public {
        bytes32 key = _createPending(_params(0));
        _settle();
        vm.roll(block.number + 300);
        assertEq(tm.samplingSeed(key), bytes32(0));
    }

    /// @dev At most 32 tasks wait for their draw; a createTask settles at most 2 older ones (its app pays for
    /// no more), the calls that change the population settle them all.
    function test_F1_pendingDrawsAreBoundedAndCreateSettlesAtMostTwo() public {
        for (uint256 i = 0; i < 32; ++i) {
            _createPending(_params(100 + i));
        }
        ITaskManager.CreateTaskParams memory p = _attested(_params(200), app);
        vm.prank(app);
        vm.expectRevert(ITaskManager.DrawBacklogFull.selector);
        tm.createTask{value: FEE}(p);
        _nextBlock();
        vm.prank(app);
        tm.createTask{value: FEE}(p);
        assertEq(tm.pendingDraws(), 31, "2 of the 32 earlier draws were settled by createTask");
        uint256 gas = gasleft();
        assertEq(tm.settleDraws(), 30, "the draws of the current block wait");
        gas -= gasleft();
        emit log_named_uint("gas of settleDraws for 30 draws (10 nodes: 8 started, 22 queued)", gas);
        assertEq(tm.pendingDraws(), 1);
        assertLt(gas, 2_500_000);
    }

    /// @dev The node of a task created in an earlier block is drawn before the registry changes (join).
    function test_F1_joinSettlesEarlierDrawsFirst() public {
        bytes32 key = _createPending(_params(0));
        _nextBlock();
        address fresh = _joinNode(uint256(keccak256("late node")), GPU);
        assertTrue(_node(key) != address(0));
        assertTrue(_node(key) != fresh, "the node that joined after the block is not in its draw");
    }

    /// @dev The owner's selection parameters (stake cap, minimum stake, QoS floor) weigh every draw: changed
    /// once a creation block's hash is known, they would steer its draws, and a node or relay simulating a draw
    /// before it is mined (docs/protocol.md, "Learning a draw early") could be wrong. Each settles them first.
    function test_regression_F1_ownerSelectionParametersDoNotReachEarlierDraws() public {
        for (uint256 i = 0; i < 3; ++i) {
            bytes32 key = _createPending(_params(100 + i));
            _nextBlock();
            uint256 snapshot = vmx.snapshotState();
            tm.settleDraws();
            address fair = _node(key);
            vmx.revertToState(snapshot);
            if (i == 0) registry.setStakeWeightCap(1);
            else if (i == 1) registry.setMinStake(MIN_STAKE / 2);
            else registry.setQoSParams(registry.qosParams());
            assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.Started), "settled by the setter");
            assertEq(_node(key), fair, "drawn with the parameters of the creation block");
            _finish(key);
        }
    }
}
