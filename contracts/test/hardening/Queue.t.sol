// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {TaskManagerTestBase} from "../task/utils/TaskManagerTestBase.sol";

/// @notice Finding 4 (queue starvation): three queued tasks that fit no node (LLM tasks pinned to a GPU nobody
/// has) used to hold back every task behind them, since releases and `dispatchQueued` probe the three heads
/// only. Releases stay O(1); `dispatchQueuedDeep` lets an idle node (or anyone) reach past the blockers, still
/// in FIFO order among the tasks that fit it.
contract QueueStarvationTest is TaskManagerTestBase {
    bytes32 internal constant H100 = keccak256("H100");

    function test_regression_F4_threeBlockersDoNotStarveATaskThatFitsAnIdleNode() public {
        _create(0);
        _create(1);
        bytes32 running = _create(2);
        bytes32[3] memory blockers;
        for (uint256 i = 0; i < 3; ++i) {
            blockers[i] = _createWith(_paramsFor(3 + i, ARGS_HASH, 1, H100));
            assertEq(uint256(_state(blockers[i])), uint256(ITaskManager.TaskState.Queued));
        }
        bytes32 victim = _create(6);
        bytes32 second = _create(7);
        assertEq(uint256(_state(victim)), uint256(ITaskManager.TaskState.Queued));
        address node = _node(running);
        _submit(running, _score(1));
        // The release probed the three blockers only: the node idles while the victim waits.
        assertEq(uint256(registry.getNodeInfo(node).status), uint256(INodeRegistry.NodeStatus.Available));
        assertEq(uint256(_state(victim)), uint256(ITaskManager.TaskState.Queued));
        vm.prank(node);
        assertEq(tm.dispatchQueued(node), bytes32(0), "three probes reach no task that fits");
        // Past the blockers, the first task that fits (FIFO) is drawn again for the idle node's sake (review M2).
        vm.prank(node);
        assertEq(tm.dispatchQueuedDeep(node, 10), victim);
        assertEq(uint256(_state(victim)), uint256(ITaskManager.TaskState.Pending));
        _settle();
        assertEq(uint256(_state(victim)), uint256(ITaskManager.TaskState.Started));
        assertEq(_node(victim), node);
        assertEq(uint256(_state(second)), uint256(ITaskManager.TaskState.Queued), "the next one keeps its place");
        assertEq(tm.queueHead(), blockers[0], "the blockers keep theirs");
        // A node that is not Available takes nothing, however deep the probe.
        vm.prank(node);
        assertEq(tm.dispatchQueuedDeep(node, 10), bytes32(0));
        assertEq(uint256(_state(second)), uint256(ITaskManager.TaskState.Queued));
    }
}
