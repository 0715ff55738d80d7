// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {TaskManagerTestBase} from "../task/utils/TaskManagerTestBase.sol";

/// @notice Finding 6 (nodes locked by their reports), on a network of one node: a node takes its next task
/// once it reported, and its stake stays answerable until every task it reported on is settled.
contract ReleaseOneNodeTest is TaskManagerTestBase {
    function _nodeCount() internal pure override returns (uint256) {
        return 1;
    }

    function _status(address node) internal view returns (INodeRegistry.NodeStatus) {
        return registry.getNodeInfo(node).status;
    }

    /// @dev Before the fix the node stayed Busy until the app validated: the second task queued behind a
    /// silent app for the whole 4-hour window.
    function test_regression_F6_aNodeTakesItsNextTaskOnceItReported() public {
        address node = nodes[0];
        bytes32 first = _create(0);
        _submit(first, _score(1));
        assertEq(uint256(_status(node)), uint256(INodeRegistry.NodeStatus.Available), "free at its report");
        assertEq(registry.unsettledReportsOf(node), 1);
        bytes32 second = _create(1);
        assertEq(uint256(_state(second)), uint256(ITaskManager.TaskState.Started), "drawn while the first waits");
        assertEq(_node(second), node);
        assertEq(uint256(_state(first)), uint256(ITaskManager.TaskState.ScoreReady));
        vm.prank(app);
        tm.validateSingleTask(first);
        assertEq(tm.owed(node), FEE, "the first task is paid");
        assertEq(registry.unsettledReportsOf(node), 0);
        assertEq(registry.currentTaskOf(node), second, "still on its second task");
    }

    /// @dev A queued task is dispatched to the node in the very transaction of its report.
    function test_F6_theReportDispatchesAQueuedTask() public {
        bytes32 first = _create(0);
        bytes32 queued = _create(1);
        assertEq(uint256(_state(queued)), uint256(ITaskManager.TaskState.Queued));
        _submit(first, _score(1));
        // Review M2: the freed node is not handed the task; it is drawn again from this block's hash.
        assertEq(uint256(_state(queued)), uint256(ITaskManager.TaskState.Pending));
        _settle();
        assertEq(uint256(_state(queued)), uint256(ITaskManager.TaskState.Started));
        assertEq(_node(queued), nodes[0]);
    }

    /// @dev The release at a report changes the population, so the report first settles the draws of earlier
    /// blocks (finding 1): a task created while the only node was busy is drawn (and queued) over the population
    /// of its block, then put back into the draws by the release of the node the report frees (review M2), in the
    /// same transaction.
    function test_F6_aReportSettlesEarlierDrawsBeforeReleasingItsNode() public {
        bytes32 first = _create(0);
        bytes32 waiting = _createPending(_params(1));
        _nextBlock();
        _submit(first, _score(1));
        assertEq(uint256(_state(waiting)), uint256(ITaskManager.TaskState.Pending), "drawn, queued, redrawn");
        assertEq(tm.getTask(waiting).seedBlock, block.number, "its seed is the dispatch block's");
        assertEq(tm.pendingDraws(), 1, "only the redraw waits");
        _settle();
        assertEq(_node(waiting), nodes[0]);
    }

    /// @dev Quitting with a report unsettled keeps the stake in the registry until the settlement.
    function test_regression_F6_quitWaitsForTheSettlementOfEveryReport() public {
        address node = nodes[0];
        bytes32 key = _create(0);
        _submit(key, _score(1));
        vm.prank(node);
        registry.quit();
        assertEq(uint256(_status(node)), uint256(INodeRegistry.NodeStatus.PendingQuit));
        assertEq(registry.pendingWithdrawal(node), 0, "stake held while the report is unsettled");
        // Not drawn any more.
        bytes32 next = _create(1);
        assertEq(uint256(_state(next)), uint256(ITaskManager.TaskState.Queued));
        vm.warp(block.timestamp + tm.validationWindow());
        tm.finalizeTask(key);
        assertEq(uint256(_status(node)), uint256(INodeRegistry.NodeStatus.Quit));
        assertEq(registry.pendingWithdrawal(node), MIN_STAKE, "returned by the last settlement");
        assertEq(tm.owed(node), FEE);
    }

    /// @dev A cheater with a report pending must not leave with its stake through a kick-out (three timeouts
    /// in a row, on purpose): the kick-out holds the stake until the settlement.
    function test_regression_F6_kickOutHoldsTheStakeWhileAReportIsUnsettled() public {
        address node = nodes[0];
        bytes32 reported = _create(0);
        _submit(reported, _score(1));
        for (uint256 i = 1; i <= registry.maxTimeoutsBeforeKick(); ++i) {
            bytes32 key = _create(i);
            assertEq(_node(key), node);
            vm.warp(block.timestamp + tm.timeout(0) + 1);
            tm.abortTask(key);
        }
        assertEq(uint256(_status(node)), uint256(INodeRegistry.NodeStatus.PendingQuit), "kicked out, stake held");
        assertEq(registry.pendingWithdrawal(node), 0);
        vm.prank(app);
        tm.validateSingleTask(reported);
        assertEq(uint256(_status(node)), uint256(INodeRegistry.NodeStatus.Quit));
        assertEq(registry.pendingWithdrawal(node), MIN_STAKE);
    }

    /// @dev A node sets a floor; a task below it is never given to it (no decline, no penalty), a task at it
    /// is; the app reads the going price first.
    function test_regression_F6_aNodeIsNeverGivenATaskBelowItsFloor() public {
        address node = nodes[0];
        bytes32 warmup = _create(0);
        _submit(warmup, _score(1));
        assertEq(tm.goingPrice(), 0, "a report alone moves nothing (M1)");
        vm.prank(app);
        tm.validateSingleTask(warmup);
        assertEq(tm.goingPrice(), FEE, "the going price follows the paid fees");
        vm.prank(node);
        registry.setPriceFloor(FEE);
        ITaskManager.CreateTaskParams memory cheap = _attested(_params(1), app);
        vm.prank(app);
        bytes32 underpriced = tm.createTask{value: FEE - 1}(cheap);
        _settle();
        assertEq(uint256(_state(underpriced)), uint256(ITaskManager.TaskState.Queued), "below the floor: queued");
        assertEq(registry.consecutiveTimeoutsOf(node), 0);
        bytes32 fair = _create(2);
        assertEq(_node(fair), node, "at the floor: drawn");
        // Nor is it dispatched from the queue at its next release.
        _submit(fair, _score(1));
        assertEq(uint256(_state(underpriced)), uint256(ITaskManager.TaskState.Queued));
        // The app withdraws the underpriced task at no cost to anyone.
        vm.prank(app);
        tm.abortTask(underpriced);
    }

    /// @dev Review M1: an app with invalid arguments and a huge fee got an accepted error report (full refund)
    /// and moved the going price by an eighth of its fee. Before the fix the price read FEE + (0.5 ether - FEE) / 8.
    function test_regression_M1_aRefundedTaskDoesNotMoveTheGoingPrice() public {
        bytes32 paid = _create(0);
        _submit(paid, _score(1));
        vm.prank(app);
        tm.validateSingleTask(paid);
        assertEq(tm.goingPrice(), FEE);
        uint256 huge = 0.5 ether;
        vm.deal(app, huge);
        ITaskManager.CreateTaskParams memory params = _attested(_params(1), app);
        vm.prank(app);
        bytes32 dragged = tm.createTask{value: huge}(params);
        _settle();
        _reportError(dragged);
        vm.prank(app);
        tm.validateSingleTask(dragged);
        assertEq(tm.owed(app), huge, "refunded");
        assertEq(tm.goingPrice(), FEE, "a refunded task does not move the going price");
    }

    /// @dev Review M1: a paid outlier counts as at most twice the average (an eighth of a step up).
    function test_M1_oneOutlierMovesTheGoingPriceByAnEighth() public {
        bytes32 paid = _create(0);
        _submit(paid, _score(1));
        vm.prank(app);
        tm.validateSingleTask(paid);
        ITaskManager.CreateTaskParams memory params = _attested(_params(1), app);
        vm.prank(app);
        bytes32 outlier = tm.createTask{value: 50 * FEE}(params);
        _settle();
        _submit(outlier, _score(1));
        vm.prank(app);
        tm.validateSingleTask(outlier);
        assertEq(tm.goingPrice(), FEE + FEE / 8, "clamped to 2x the average");
        params = _attested(_params(2), app);
        vm.prank(app);
        bytes32 cheap = tm.createTask{value: 1 gwei}(params);
        _settle();
        _submit(cheap, _score(1));
        vm.prank(app);
        tm.validateSingleTask(cheap);
        uint256 before = FEE + FEE / 8;
        assertEq(tm.goingPrice(), before - (before - before / 2) / 8, "clamped to half the average");
    }
}

/// @notice Finding 6's price floors cannot steer a draw: a floor set once the creation block's hash is known
/// reaches only later blocks' draws (setPriceFloor settles first, like pause).
contract ReleaseFloorSteeringTest is TaskManagerTestBase {
    function test_F6_aFloorSetAfterTheBlockDoesNotReachItsDraw() public {
        bytes32 key = _createPending(_params(0));
        _nextBlock();
        uint256 snapshot = vmx.snapshotState();
        tm.settleDraws();
        address fair = _node(key);
        vmx.revertToState(snapshot);
        // The drawn node would like to dodge the task: it raises its floor before anyone settles.
        vm.prank(fair);
        registry.setPriceFloor(FEE + 1);
        assertEq(_node(key), fair, "drawn over the floors of the creation block");
    }
}

/// @notice Finding 6 in groups: the verdict reaches a node that moved on to another task.
contract ReleaseGroupTest is TaskManagerTestBase {
    /// @dev Before the fix the slash was guarded by `currentTaskOf(node) == taskKey`; with nodes released at
    /// their report, that guard would let every cheater escape by taking another task.
    function test_regression_F6_M3_aCheaterThatMovedOnIsStillSlashedAndCannotReport() public {
        bytes32[3] memory keys = _createGroup();
        bytes[3] memory scores = [_score(1), _score(1), _score(9)];
        for (uint256 i = 0; i < 3; ++i) {
            _submit(keys[i], scores[i]);
        }
        address cheater = _node(keys[2]);
        // The honest nodes pause, so the next task goes to the cheater, which is free since its report.
        for (uint256 i = 0; i < 2; ++i) {
            vm.prank(_node(keys[i]));
            registry.pause();
        }
        bytes32 next = _create(10);
        assertEq(_node(next), cheater, "the cheater moved on");
        assertEq(registry.unsettledReportsOf(cheater), 1);
        _validateGroup(_group(keys, _ids(), scores));
        assertEq(uint256(_state(keys[2])), uint256(ITaskManager.TaskState.EndInvalidated));
        assertEq(uint256(registry.getNodeInfo(cheater).status), uint256(INodeRegistry.NodeStatus.Quit), "slashed");
        assertEq(address(pool).balance, MIN_STAKE);
        assertEq(registry.unsettledReportsOf(_node(keys[0])), 0);
        // Review M3: no stake backs a report on its new task any more; before the fix it reported and was paid.
        bytes memory score = _score(1);
        bytes memory statement = _resultStatement(next, score);
        vm.prank(cheater);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryNotRegistered.selector, cheater));
        tm.submitScore(next, score, statement);
        // Its new task still ends (it times out; the node is gone, nothing counts against anyone).
        vm.warp(block.timestamp + tm.timeout(0) + 1);
        tm.abortTask(next);
        assertEq(tm.owed(app), FEE + FEE + FEE, "two refunds in the group, one for the aborted task");
    }
}

/// @notice Finding 6 frees a node at its report, so with few nodes one node can run two members of a group.
contract ReleaseTwoNodesTest is TaskManagerTestBase {
    function _nodeCount() internal pure override returns (uint256) {
        return 2;
    }

    /// @dev Two nodes, three members: one node ran two of them, and its two (possibly wrong) reports would
    /// always agree and outvote the third. The group is refused; before the check it was judged.
    function test_regression_F6_aNodeThatRanTwoMembersCannotOutvoteTheThird() public {
        bytes32[3] memory keys;
        keys[0] = _create(0);
        _submit(keys[0], _score(1));
        keys[1] = _create(1);
        keys[2] = _create(2);
        bytes[3] memory scores = [_score(1), _score(1), _score(9)];
        _submit(keys[1], scores[1]);
        _submit(keys[2], scores[2]);
        uint256 twice = _node(keys[1]) == _node(keys[0]) ? 1 : 2;
        assertEq(_node(keys[twice]), _node(keys[0]), "one node ran the original and a member");
        ITaskManager.GroupValidation memory g = _group(keys, _ids(), scores);
        bytes memory expected = abi.encodeWithSelector(ITaskManager.DuplicateGroupNode.selector, twice, _node(keys[0]));
        vm.prank(app);
        vm.expectRevert(expected);
        tm.validateTaskGroup(g);
        assertEq(address(pool).balance, 0, "nobody slashed");
    }
}

