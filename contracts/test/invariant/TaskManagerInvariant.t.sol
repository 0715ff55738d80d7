// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IIncentivePool} from "../../src/interfaces/IIncentivePool.sol";
import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {IVRFVerifier} from "../../src/interfaces/IVRFVerifier.sol";
import {NodeRegistry} from "../../src/node/NodeRegistry.sol";
import {IncentivePool} from "../../src/pool/IncentivePool.sol";
import {TaskManager} from "../../src/task/TaskManager.sol";
import {MockVRFVerifier} from "../task/utils/MockVRFVerifier.sol";
import {VmExt} from "../task/utils/VmExt.sol";
import {Test} from "../utils/Test.sol";
import {TaskManagerHandler} from "./TaskManagerHandler.sol";

/// @notice Value conservation, single payment, final terminal states, honest majorities never slashed and
/// liveness (every task can end once its timeouts pass), over random sequences of handler actions.
contract TaskManagerInvariantTest is Test {
    VmExt internal constant vmx = VmExt(address(uint160(uint256(keccak256("hevm cheat code")))));

    TaskManager internal tm;
    NodeRegistry internal registry;
    IncentivePool internal pool;
    TaskManagerHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        vm.roll(1000);
        pool = new IncentivePool(address(this));
        registry = new NodeRegistry(address(this), IIncentivePool(address(pool)), nextCreateAddress(2), 1 ether);
        MockVRFVerifier vrf = new MockVRFVerifier();
        tm = new TaskManager(INodeRegistry(address(registry)), IVRFVerifier(address(vrf)), address(this));
        assertEq(registry.taskManager(), address(tm), "precomputed TaskManager address");
        handler = new TaskManagerHandler(tm, registry, pool, vrf);
        tm.setRelaySigner(vm.addr(handler.RELAY_KEY()));
        targetContract(address(handler));
    }

    function _sumOwed() internal view returns (uint256 sum) {
        sum = tm.owed(handler.app());
        for (uint256 i = 0; i < handler.nodeCount(); ++i) {
            sum += tm.owed(handler.nodes(i));
        }
    }

    /// @dev One campaign for all value properties (each campaign replays thousands of calls).
    /// forge-config: default.invariant.runs = 32
    function invariant_valueConserved() public view {
        _checkTaskManagerValue();
        _checkFeesCreditedOnce();
        _checkRegistryValue();
    }

    /// @dev After every run: no handler met a revert its preconditions did not allow, and the run got somewhere
    /// (tasks were created, drawn, reported and ended), so the invariants were checked on a moving network.
    function afterInvariant() public view {
        assertEq(handler.ghostUnexpectedRevert(), bytes4(0), handler.ghostUnexpectedAction());
        uint256 drawn;
        uint256 ended;
        for (uint256 i = 0; i < handler.taskCount(); ++i) {
            ITaskManager.TaskState state = tm.getTask(handler.taskKey(i)).state;
            if (state != ITaskManager.TaskState.Pending) ++drawn;
            if (handler.ghostEnded(handler.taskKey(i))) ++ended;
        }
        // Half the creations settle at once and any later createTask, validation or settle() draws the rest, so
        // a run that created several tasks drew most of them.
        // A draw that found no node queues its task, and a redraw (M2) makes it Pending again while it keeps its
        // queue place: a non-empty queue also proves a draw.
        if (handler.taskCount() >= 4) {
            assertTrue(drawn > 0 || tm.queueHead() != bytes32(0), "no task was ever drawn");
        }
        if (handler.ghostReports() >= 6) assertGt(ended, 0, "tasks were reported but none ever ended");
        // Finding 6: nodes free at their report take new tasks while earlier reports wait for the app.
        if (handler.ghostReports() >= 16) {
            assertGt(handler.ghostReportsWhileUnsettled(), 0, "no node ever reported with an earlier report open");
        }
        // Review M2: queued tasks are drawn again when a node that fits them is free, and get their node that way.
        if (handler.ghostQueuedSeen() >= 8 && handler.ghostReports() >= 8) {
            assertGt(handler.ghostQueuedThenStarted(), 0, "no queued task ever got a node through a redraw");
        }
    }

    /// @dev A sequence the campaign found: members drawn 101 blocks late keep a stored seed, and the report and
    /// `samplingSeed` must agree on it (they now read in the same order), or the group opening fails.
    function test_replay_lateDrawnMembersOpenTheirGroup() public {
        handler.createGroup(18599187826548951813283580109160831785750248323804653488350723333794194151933);
        handler.gap(1e24);
        handler.validateGroup(1686, 921161036463404303612346846315085);
        assertEq(handler.ghostUnexpectedRevert(), bytes4(0), handler.ghostUnexpectedAction());
    }

    /// @dev One campaign for the safety properties.
    /// forge-config: default.invariant.runs = 32
    function invariant_safety() public view {
        assertFalse(handler.ghostTerminalChanged(), "a terminal state changed");
        assertFalse(handler.ghostHonestSlashed(), "an honest node was slashed");
        assertFalse(handler.ghostUnderpricedStart(), "a node was given a task below its price floor");
        assertFalse(handler.ghostStakeReturnedUnsettled(), "a stake came back with reports unsettled");
        assertFalse(handler.ghostStarved(), "a queued task that fits an idle node was left behind a deep dispatch");
        assertFalse(handler.ghostGoneNodeReported(), "a slashed node reported a task (M3)");
        assertFalse(handler.ghostNodeWithoutDraw(), "a task got a node without a draw from a later block (M2)");
        _checkUnsettledReports();
    }

    /// @dev Finding 6: each node's count of unsettled reports is exactly its tasks waiting in ScoreReady or
    /// ErrorReported (nodes are released at the report, their stake answers until the settlement).
    function _checkUnsettledReports() internal view {
        for (uint256 n = 0; n < handler.nodeCount(); ++n) {
            address node = handler.nodes(n);
            uint256 open;
            uint256 openGwei;
            for (uint256 i = 0; i < handler.taskCount(); ++i) {
                ITaskManager.TaskInfo memory info = tm.getTask(handler.taskKey(i));
                bool reported = info.state == ITaskManager.TaskState.ScoreReady
                    || info.state == ITaskManager.TaskState.ErrorReported;
                if (reported && info.node == node) {
                    ++open;
                    // An error report opens no fee (review OpenFeesFreeze): it is never paid to its node.
                    if (info.state == ITaskManager.TaskState.ScoreReady) {
                        openGwei += (uint256(info.fee) + 1 gwei - 1) / 1 gwei;
                    }
                }
            }
            assertEq(registry.unsettledReportsOf(node), open, "unsettled reports = reported tasks not settled");
            // Review M3: the open fees are exactly the scored tasks' fees, and never more than half a registered stake.
            assertEq(registry.openFeesOf(node), openGwei * 1 gwei, "open fees = fees of reported tasks not settled");
            INodeRegistry.NodeInfo memory nodeInfo = registry.getNodeInfo(node);
            if (nodeInfo.status != INodeRegistry.NodeStatus.Quit) {
                assertTrue(openGwei * 1 gwei * 2 <= nodeInfo.stake, "open fees within half the stake");
            }
        }
    }

    /// @dev TaskManager balance == fees of tasks still running + balances owed and not yet withdrawn.
    function _checkTaskManagerValue() internal view {
        uint256 escrowed;
        for (uint256 i = 0; i < handler.taskCount(); ++i) {
            ITaskManager.TaskInfo memory info = tm.getTask(handler.taskKey(i));
            if (
                uint8(info.state) < uint8(ITaskManager.TaskState.EndSuccess)
                    || info.state == ITaskManager.TaskState.Pending
            ) {
                assertEq(info.fee, handler.taskFee(i), "escrowed fee intact");
                escrowed += info.fee;
            }
        }
        // Outsiders can force ether in (SELFDESTRUCT), so the balance only bounds the books from above
        // (finding 9); with the forced ether the handler tracked, the books are exact.
        assertGe(address(tm).balance, escrowed + _sumOwed(), "balance >= escrow + owed");
        assertEq(address(tm).balance - handler.ghostForcedTm(), escrowed + _sumOwed(), "books exact");
    }

    /// @dev Every ended task's fee was credited exactly once (paid or refunded), never twice, never lost.
    function _checkFeesCreditedOnce() internal view {
        uint256 ended;
        for (uint256 i = 0; i < handler.taskCount(); ++i) {
            if (handler.ghostEnded(handler.taskKey(i))) ended += handler.taskFee(i);
        }
        assertEq(
            _sumOwed() + handler.ghostWithdrawn() + handler.ghostForfeited(),
            ended,
            "credited or forfeited = fees of ended tasks"
        );
    }

    /// @dev NodeRegistry balance == active stakes + stakes waiting to be withdrawn; slashes went to the pool.
    function _checkRegistryValue() internal view {
        uint256 pending;
        for (uint256 i = 0; i < handler.nodeCount(); ++i) {
            pending += registry.pendingWithdrawal(handler.nodes(i));
        }
        assertGe(address(registry).balance, registry.totalStaked() + pending, "registry balance >= stakes");
        assertEq(
            address(registry).balance - handler.ghostForcedRegistry(), registry.totalStaked() + pending, "stakes exact"
        );
        assertEq(pending, registry.totalPendingWithdrawals(), "pending withdrawals");
        assertEq(
            address(pool).balance,
            handler.ghostSlashedStake() + handler.ghostForfeited(),
            "pool holds the slashed stakes and the forfeited fees"
        );
    }

    /// @dev Once every timeout and window has passed, anyone can end every task.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 32
    function invariant_everyTaskCanEnd() public {
        uint256 snapshot = vmx.snapshotState();
        uint256 window = tm.validationWindow();
        for (uint256 round = 0; round < 8; ++round) {
            vm.warp(block.timestamp + window + 1);
            // Pending tasks are drawn by the first transaction of a later block.
            vm.roll(block.number + 1);
            tm.settleDraws();
            for (uint256 i = 0; i < handler.taskCount(); ++i) {
                bytes32 key = handler.taskKey(i);
                ITaskManager.TaskInfo memory info = tm.getTask(key);
                ITaskManager.TaskState state = info.state;
                // A task dispatched from the queue earlier in this round starts its own timeout now.
                if (info.stateTime + window >= block.timestamp) continue;
                if (state == ITaskManager.TaskState.Queued || state == ITaskManager.TaskState.Started) {
                    tm.abortTask(key);
                } else if (state == ITaskManager.TaskState.ScoreReady || state == ITaskManager.TaskState.ErrorReported)
                {
                    tm.finalizeTask(key);
                }
            }
        }
        for (uint256 i = 0; i < handler.taskCount(); ++i) {
            uint8 state = uint8(tm.getTask(handler.taskKey(i)).state);
            assertGe(state, uint8(ITaskManager.TaskState.EndSuccess));
            assertLe(state, uint8(ITaskManager.TaskState.EndAborted), "terminal (Pending is not)");
        }
        vmx.revertToState(snapshot);
    }
}
