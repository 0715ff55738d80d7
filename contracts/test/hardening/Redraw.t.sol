// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {TaskManagerTestBase} from "../task/utils/TaskManagerTestBase.sol";

/// @notice Review M2 (and L1 at the end): a node released from a task (report, abort, `dispatchQueued`, `dispatchQueuedDeep`) used to be
/// handed the first queued task that fits it, and it chooses when it is released and its price floor, so it could
/// take a task whose fee it knows (a member of a group its partner app opened). Now such a dispatch puts the task
/// back into the pending draws: its node is drawn from the dispatch block's hash over every available node.
contract RedrawTest is TaskManagerTestBase {
    event log_named_uint(string key, uint256 val);

    uint256 internal constant TRIALS = 40;
    bytes32 internal constant H100 = keccak256("H100");

    function _nodeCount() internal pure override returns (uint256) {
        return 5;
    }

    function _pause(address node) internal {
        vm.prank(node);
        registry.pause();
    }

    function _resume(address node) internal {
        vm.prank(node);
        registry.resume();
    }

    function _finish(bytes32 key) internal {
        _submit(key, _score(1));
        vm.prank(app);
        tm.validateSingleTask(key);
    }

    /// @dev The attacker (node 0) runs a task while the target `t` queues (the honest nodes are paused then and
    /// resume afterwards: a resume probes no queue), sets its floor just below the target's fee and reports
    /// exactly then: on the code before, its release handed it the target every time. Now the target's node is
    /// drawn over the five available nodes, as often the attacker's as a new task's drawn over the same nodes.
    function test_regression_M2_aReleasedNodeCannotTakeAQueuedTaskItKnows() public {
        address attacker = nodes[0];
        vm.prank(attacker);
        registry.setPriceFloor(FEE - 1 gwei);
        uint256 redrawnToAttacker;
        uint256 freshToAttacker;
        for (uint256 trial = 0; trial < TRIALS; ++trial) {
            for (uint256 i = 1; i < 5; ++i) {
                _pause(nodes[i]);
            }
            bytes32 cover = _create(100 + 3 * trial);
            assertEq(_node(cover), attacker, "the only available node");
            bytes32 target = _create(101 + 3 * trial);
            assertEq(uint256(_state(target)), uint256(ITaskManager.TaskState.Queued));
            for (uint256 i = 1; i < 5; ++i) {
                _resume(nodes[i]);
            }
            assertEq(uint256(_state(target)), uint256(ITaskManager.TaskState.Queued), "a resume probes no queue");
            _nextBlock();
            // The attacker reports now, with the target at the queue head and its floor just below its fee.
            _submit(cover, _score(1));
            assertEq(uint256(_state(target)), uint256(ITaskManager.TaskState.Pending), "back into the draws");
            assertEq(tm.getTask(target).seedBlock, block.number);
            assertEq(_node(target), address(0), "no node before a later block");
            _settle();
            if (_node(target) == attacker) ++redrawnToAttacker;
            _finish(target);
            vm.prank(app);
            tm.validateSingleTask(cover);
            // Control: a new task drawn over the same five available nodes.
            bytes32 fresh = _create(102 + 3 * trial);
            if (_node(fresh) == attacker) ++freshToAttacker;
            _finish(fresh);
            _nextBlock();
        }
        // One in five on average (equal stakes; QoS moves both counts alike): 8 of 40, sd 2.5. Before the fix
        // the attacker took the target in all 40 trials.
        assertLe(redrawnToAttacker, TRIALS / 2, "the attacker takes the task it timed its release for");
        assertGt(redrawnToAttacker + freshToAttacker, 0, "the attacker is drawn sometimes");
        uint256 gap = redrawnToAttacker > freshToAttacker
            ? redrawnToAttacker - freshToAttacker
            : freshToAttacker - redrawnToAttacker;
        // Both counts are draws of the same law: their difference has sd about 3.6; 12 is over three of it.
        assertLe(gap, 12, "a redraw gives the attacker the odds of a new task's draw");
        emit log_named_uint("redrawn targets the attacker got", redrawnToAttacker);
        emit log_named_uint("new tasks the attacker got", freshToAttacker);
    }

    /// @dev The same holds for `dispatchQueued` and `dispatchQueuedDeep`, which the named node sends.
    /// @dev Review s7, finding 4: anyone could name any Available node and so choose which queued task was
    /// redrawn and when. Only the node itself may now; its dispatch still names no node (test below).
    function test_regression_review7_onlyTheNodeItselfDispatches() public {
        bytes32 q = _createWith(_paramsFor(0, ARGS_HASH, 1, H100));
        address idle = _joinNode(7003, "H100");
        address stranger = makeAddr("stranger");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.DispatchNotByNode.selector, stranger, idle));
        tm.dispatchQueuedDeep(idle, 8);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.DispatchNotByNode.selector, app, idle));
        tm.dispatchQueued(idle);
        assertEq(uint256(_state(q)), uint256(ITaskManager.TaskState.Queued), "nobody but the node redraws it");
        vm.prank(idle);
        assertEq(tm.dispatchQueuedDeep(idle, 8), q);
        assertEq(uint256(_state(q)), uint256(ITaskManager.TaskState.Pending));
    }

    function test_regression_M2_dispatchQueuedNamesNoNode() public {
        bytes32 q = _createWith(_paramsFor(0, ARGS_HASH, 1, H100));
        address first = _joinNode(7001, "H100");
        address second = _joinNode(7002, "H100");
        assertEq(uint256(_state(q)), uint256(ITaskManager.TaskState.Queued));
        vm.prank(first);
        assertEq(tm.dispatchQueuedDeep(first, 8), q);
        assertEq(uint256(_state(q)), uint256(ITaskManager.TaskState.Pending));
        assertEq(uint256(registry.getNodeInfo(first).status), uint256(INodeRegistry.NodeStatus.Available));
        vm.prank(second);
        assertEq(tm.dispatchQueued(second), bytes32(0), "a task waiting for its redraw is not offered again");
        _settle();
        address node = _node(q);
        assertTrue(node == first || node == second, "drawn among the nodes that fit");
        assertEq(uint256(_state(q)), uint256(ITaskManager.TaskState.Started));
    }

    /// @dev A redraw that finds no node (the freed node was taken, paused or quit in its block) leaves the task
    /// Queued at its old place with its queue timeout still counting from its first queueing: it neither moves
    /// behind later tasks nor waits forever (its app may cancel it, anyone may abort it after the timeout).
    function test_M2_aRedrawThatFindsNoNodeKeepsTheTasksPlaceAndTimeout() public {
        bytes32 q = _createWith(_paramsFor(0, ARGS_HASH, 1, H100));
        bytes32 behind = _createWith(_paramsFor(1, ARGS_HASH, 1, H100));
        uint256 queuedAt = tm.getTask(q).stateTime;
        assertEq(tm.queueHead(), q);
        _nextBlock();
        address node = _joinNode(7003, "H100");
        vm.prank(node);
        assertEq(tm.dispatchQueued(node), q);
        // Same block: the node leaves before the draw it was counted on.
        _pause(node);
        _settle();
        assertEq(uint256(_state(q)), uint256(ITaskManager.TaskState.Queued));
        assertEq(tm.queueHead(), q, "still first");
        assertEq(tm.queueNext(q), behind, "still ahead of the later task");
        assertEq(tm.getTask(q).stateTime, queuedAt, "the queue timeout still counts from the first queueing");
        assertEq(_node(q), address(0));
        // Back, the node gets it through a new redraw.
        _resume(node);
        vm.prank(node);
        assertEq(tm.dispatchQueued(node), q);
        _settle();
        assertEq(_node(q), node);
        assertEq(tm.getTask(q).stateTime, block.timestamp, "the execution timeout counts from the draw");
        assertEq(tm.queueHead(), behind);
        // After its timeout a queued task that keeps failing its draws ends with a refund.
        vm.warp(tm.getTask(behind).stateTime + tm.timeout(1));
        tm.abortTask(behind);
        assertEq(uint256(_state(behind)), uint256(ITaskManager.TaskState.EndAborted));
        assertEq(tm.queueHead(), bytes32(0));
    }

    /// @dev Redraws take at most half the ring (16 of 32): past that a dispatch leaves the task Queued in place
    /// (nothing is lost: a later dispatch redraws it) and creations keep the other half.
    function test_M2_redrawsUseAtMostHalfTheDrawRing() public {
        bytes32[17] memory queued;
        for (uint256 i = 0; i < 17; ++i) {
            queued[i] = _createPending(_paramsFor(i, ARGS_HASH, 1, H100));
        }
        _settle();
        address node = _joinNode(7004, "H100");
        for (uint256 i = 0; i < 16; ++i) {
            vm.prank(node);
            assertEq(tm.dispatchQueuedDeep(node, 32), queued[i]);
        }
        assertEq(tm.pendingDraws(), 16);
        vm.prank(node);
        assertEq(tm.dispatchQueuedDeep(node, 32), bytes32(0), "half the ring is in use");
        assertEq(uint256(_state(queued[16])), uint256(ITaskManager.TaskState.Queued));
        // Creations still fit in this block.
        for (uint256 i = 0; i < 16; ++i) {
            _createPending(_paramsFor(100 + i, ARGS_HASH, 0, bytes32(0)));
        }
        assertEq(tm.pendingDraws(), 32);
        _settle();
        assertEq(uint256(_state(queued[0])), uint256(ITaskManager.TaskState.Started), "the first redraw got the node");
        for (uint256 i = 1; i < 17; ++i) {
            assertEq(uint256(_state(queued[i])), uint256(ITaskManager.TaskState.Queued), "the others wait in place");
        }
        assertEq(tm.queueHead(), queued[1]);
    }

    /// @dev A redraw nobody settles within 256 blocks ends like a new task's draw (DrawExpired, fee forfeited) and
    /// leaves the queue cleanly.
    function test_M2_anExpiredRedrawLeavesTheQueue() public {
        bytes32 q = _createWith(_paramsFor(0, ARGS_HASH, 1, H100));
        bytes32 behind = _createWith(_paramsFor(1, ARGS_HASH, 1, H100));
        address node = _joinNode(7005, "H100");
        vm.prank(node);
        assertEq(tm.dispatchQueued(node), q);
        vm.roll(block.number + 300);
        tm.settleDraws();
        assertEq(uint256(_state(q)), uint256(ITaskManager.TaskState.EndAborted));
        assertEq(tm.queueHead(), behind);
        vm.prank(node);
        assertEq(tm.dispatchQueued(node), behind);
    }

    /// @dev Review L1 (kept, argued in docs/protocol.md): 32 creations in one block fill the draw ring and a 33rd in
    /// that block reverts `DrawBacklogFull` (it lands in the next block); redraws cannot do it (half the ring). What
    /// the full ring itself costs others is each blocked creation's reverted call and one block: the griefer pays
    /// about 35 of those per block it blocks. Its 32 draws fall on the next population-changing call, as any 32
    /// creations of one block do (F1's bound); the griefer pays about as much gas as that call.
    function test_L1_aFullDrawRingDelaysCreationsByOneBlockAndCostsTheGriefierMore() public {
        address griefer = makeAddr("griefer");
        vm.deal(griefer, 100 ether);
        uint256 griefGas;
        for (uint256 i = 0; i < 32; ++i) {
            ITaskManager.CreateTaskParams memory g = _attested(_params(300 + i), griefer);
            vm.prank(griefer);
            uint256 before = gasleft();
            tm.createTask{value: FEE}(g);
            griefGas += before - gasleft();
        }
        ITaskManager.CreateTaskParams memory p = _attested(_params(400), app);
        vm.prank(app);
        uint256 start = gasleft();
        try tm.createTask{value: FEE}(p) {
            revert("the 33rd creation of a block fits");
        } catch (bytes memory reason) {
            assertEq(bytes4(reason), ITaskManager.DrawBacklogFull.selector);
        }
        uint256 victimGas = start - gasleft();
        // The victim's creation lands in the next block.
        _nextBlock();
        vm.prank(app);
        start = gasleft();
        tm.createTask{value: FEE}(p);
        uint256 retryGas = start - gasleft();
        start = gasleft();
        assertEq(tm.settleDraws(), 30, "the griefer's other draws, settled by the next population change");
        uint256 settleGas = start - gasleft();
        emit log_named_uint("griefer: 32 createTask (gas)", griefGas);
        emit log_named_uint("victim: reverted createTask (gas)", victimGas);
        emit log_named_uint("victim: createTask next block, settling 2 of the griefer's draws (gas)", retryGas);
        emit log_named_uint("next population change: settling the griefer's other 30 draws (gas)", settleGas);
        // What the full ring costs a victim: one reverted call and one block.
        assertGe(griefGas, 30 * victimGas, "blocking a creation costs the griefer 30 times what the victim loses");
        // The retried creation pays two of the griefer's draws on top of its own work (MAX_DRAWS_PER_CREATE); the
        // settlement pays the other 30: about what the griefer paid itself (more tries per queueing draw since the
        // busy nodes stay listed: the worst case of a 32-draw settlement is about 4.1M, docs/node-registry.md).
        assertLe(settleGas + retryGas, griefGas * 3 / 2, "the next settler pays at most 1.5 times the griefer's gas");
    }

    /// @dev Gas of the queued path (forge, one transaction, so storage is warm after first use; figures in
    /// docs/protocol.md): a report that frees the only node while a task is queued now redraws the task instead of
    /// starting it, and the next settlement pays the draw. The unqueued report is measured for comparison.
    function test_M2_gasOfTheQueuedPath() public {
        for (uint256 i = 1; i < 5; ++i) {
            _pause(nodes[i]);
        }
        bytes32 first = _create(500);
        bytes32 queued = _create(501);
        assertEq(uint256(_state(queued)), uint256(ITaskManager.TaskState.Queued));
        _nextBlock();
        bytes memory score = _score(1);
        bytes memory statement = _resultStatement(first, score);
        vm.prank(nodes[0]);
        uint256 start = gasleft();
        tm.submitScore(first, score, statement);
        uint256 redrawingReport = start - gasleft();
        assertEq(uint256(_state(queued)), uint256(ITaskManager.TaskState.Pending));
        _nextBlock();
        start = gasleft();
        tm.settleDraws();
        uint256 redraw = start - gasleft();
        assertEq(_node(queued), nodes[0]);
        _nextBlock();
        statement = _resultStatement(queued, score);
        vm.prank(nodes[0]);
        start = gasleft();
        tm.submitScore(queued, score, statement);
        uint256 plainReport = start - gasleft();
        emit log_named_uint("submitScore that redraws a queued task (gas)", redrawingReport);
        emit log_named_uint("settleDraws drawing the redrawn task (gas)", redraw);
        emit log_named_uint("submitScore with an empty queue (gas)", plainReport);
    }
}
