// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {TaskManagerTestBase} from "../task/utils/TaskManagerTestBase.sol";

/// @notice Adversarial review (s5) OpenFeesFreeze: an error report used to add the task's fee to the node's open
/// fees (M3) although an error report never pays the node. An app sent a task with a fee of the node's whole
/// room and arguments the node must refuse, never validated, and froze the node for the validation window (4 h)
/// for gas only (finalizeTask refunds it in full). An error report now opens no fee.
contract OpenFeesErrorReportTest is TaskManagerTestBase {
    function _nodeCount() internal pure override returns (uint256) {
        return 1;
    }

    function test_regression_anErrorReportOpensNoFeeAndFreezesNoNode() public {
        uint256 room = MIN_STAKE / registry.OPEN_FEES_STAKE_DIVISOR();
        uint256 appBefore = app.balance;
        ITaskManager.CreateTaskParams memory p = _attested(_params(0), app);
        vm.prank(app);
        bytes32 bait = tm.createTask{value: room}(p);
        _settle();
        assertEq(_node(bait), nodes[0]);
        _reportError(bait); // e.g. a prompt longer than the model's context: the node must refuse it
        assertEq(registry.openFeesOf(nodes[0]), 0, "an error report opens no fee");
        assertEq(registry.unsettledReportsOf(nodes[0]), 1, "but it is counted until settled");
        // An honest app's ordinary task starts at once.
        bytes32 honest = _create(1);
        assertEq(uint8(_state(honest)), uint8(ITaskManager.TaskState.Started), "the node is not frozen");
        vm.warp(block.timestamp + tm.validationWindow());
        tm.finalizeTask(bait);
        assertEq(tm.owed(app), room, "the bait fee is refunded in full");
        assertEq(app.balance + tm.owed(app) + FEE, appBefore);
        assertEq(registry.openFeesOf(nodes[0]), 0, "settled with the same 0: no underflow, no leak");
        assertEq(registry.unsettledReportsOf(nodes[0]), 0);
    }
}
