// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IIncentivePool} from "../../src/interfaces/IIncentivePool.sol";
import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {AvailableSets} from "../../src/node/AvailableSets.sol";
import {NodeRegistry} from "../../src/node/NodeRegistry.sol";
import {QoS} from "../../src/node/QoS.sol";
import {NodeRegistryTestBase} from "./NodeRegistryTestBase.sol";

/// @dev Cheatcodes used only here (forge's own signatures).
interface VmStorage {
    function load(address target, bytes32 slot) external view returns (bytes32 data);
    function store(address target, bytes32 slot, bytes32 value) external;
}

contract NodeRegistryTest is NodeRegistryTestBase {
    VmStorage private constant vmStorage = VmStorage(address(uint160(uint256(keccak256("hevm cheat code")))));
    /// @dev Storage slot of `_available.sizes` (Ownable 0, Ownable2Step 1, then the registry's variables);
    /// test_availableSets_revertWhenASetIsFull checks it against `availableSizes` before using it.
    uint256 private constant SIZES_SLOT = 11;

    INodeRegistry.NodeStatus internal constant QUIT = INodeRegistry.NodeStatus.Quit;
    INodeRegistry.NodeStatus internal constant AVAILABLE = INodeRegistry.NodeStatus.Available;
    INodeRegistry.NodeStatus internal constant BUSY = INodeRegistry.NodeStatus.Busy;
    INodeRegistry.NodeStatus internal constant PAUSED = INodeRegistry.NodeStatus.Paused;
    INodeRegistry.NodeStatus internal constant PENDING_PAUSE = INodeRegistry.NodeStatus.PendingPause;
    INodeRegistry.NodeStatus internal constant PENDING_QUIT = INodeRegistry.NodeStatus.PendingQuit;

    // ------------------------------------------------------------------ join

    function test_join_registersAvailableNode() public {
        (bytes memory publicKey, address node) = newKey();
        address payee = makeAddr("payee");
        bytes32[] memory ids = new bytes32[](2);
        ids[0] = MODEL_A;
        ids[1] = MODEL_B;
        vm.deal(node, 3 ether);
        vm.prank(node);
        registry.join{value: 3 ether}(GPU_4090, 24, v1_2_3, publicKey, payee, ids);

        INodeRegistry.NodeInfo memory info = registry.getNodeInfo(node);
        assertEq(uint256(info.status), uint256(AVAILABLE));
        assertEq(info.stake, 3 ether);
        assertEq(info.gpuId, keccak256(bytes(GPU_4090)));
        assertEq(info.vram, 24);
        assertEq(info.version, v1_2_3);
        assertEq(info.beneficiary, payee);
        assertEq(info.currentTask, bytes32(0));
        assertEq(registry.beneficiaryOf(node), payee);
        assertEq(registry.publicKeyOf(node), publicKey);
        assertEq(registry.modelsOf(node).length, 2);
        assertEq(registry.modelHolderCount(MODEL_A), 1);
        assertEq(registry.modelHolderCount(MODEL_B), 1);
        assertEq(registry.qosScoreOf(node), QoS.defaults().initialScore);
        assertEq(registry.totalStaked(), 3 ether);
        assertEq(address(registry).balance, 3 ether);
        assertEq(availableTotal(1), 1);
    }

    function test_join_emitsEvents() public {
        (bytes memory publicKey, address node) = newKey();
        vm.deal(node, MIN_STAKE);
        vm.expectEmit(address(registry));
        emit INodeRegistry.NodeJoined(
            node, keccak256(bytes(GPU_4090)), GPU_4090, 24, v1_2_3, MIN_STAKE, address(0), publicKey
        );
        vm.expectEmit(address(registry));
        emit INodeRegistry.ModelsUpdated(node, models(MODEL_A));
        vm.expectEmit(address(registry));
        emit INodeRegistry.NodeStatusChanged(node, QUIT, AVAILABLE);
        vm.prank(node);
        registry.join{value: MIN_STAKE}(GPU_4090, 24, v1_2_3, publicKey, address(0), models(MODEL_A));
    }

    function test_join_revertsWhenStakeBelowMinimum() public {
        (bytes memory publicKey, address node) = newKey();
        vm.deal(node, MIN_STAKE);
        vm.prank(node);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.NodeRegistryInsufficientStake.selector, MIN_STAKE - 1, MIN_STAKE)
        );
        registry.join{value: MIN_STAKE - 1}(GPU_4090, 24, v1_2_3, publicKey, address(0), noModels());
    }

    function test_join_revertsWhenStakeAbove96Bits() public {
        (bytes memory publicKey, address node) = newKey();
        uint256 huge = uint256(type(uint96).max) + 1;
        vm.deal(node, huge);
        vm.prank(node);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.NodeRegistryStakeTooLarge.selector, huge, type(uint96).max)
        );
        registry.join{value: huge}(GPU_4090, 24, v1_2_3, publicKey, address(0), noModels());
    }

    function test_join_revertsWhenPublicKeyIsNot64Bytes() public {
        (bytes memory publicKey, address node) = newKey();
        bytes memory shortKey = new bytes(63);
        for (uint256 i; i < 63; ++i) {
            shortKey[i] = publicKey[i];
        }
        vm.deal(node, MIN_STAKE);
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryInvalidPublicKeyLength.selector, 63));
        registry.join{value: MIN_STAKE}(GPU_4090, 24, v1_2_3, shortKey, address(0), noModels());
    }

    function test_join_revertsWhenPublicKeyIsAnotherAddress() public {
        (bytes memory publicKey, address owner_) = newKey();
        address impostor = makeAddr("impostor");
        vm.deal(impostor, MIN_STAKE);
        vm.prank(impostor);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryPublicKeyMismatch.selector, impostor, owner_));
        registry.join{value: MIN_STAKE}(GPU_4090, 24, v1_2_3, publicKey, address(0), noModels());
    }

    function test_join_acceptsARealSecp256k1PublicKey() public {
        // Private key 1: its public key is the generator point G.
        bytes memory g = abi.encodePacked(
            uint256(0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798),
            uint256(0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)
        );
        address node = vm.addr(1);
        vm.deal(node, MIN_STAKE);
        vm.prank(node);
        registry.join{value: MIN_STAKE}(GPU_4090, 24, v1_2_3, g, address(0), noModels());
        assertStatus(node, AVAILABLE);
    }

    function test_join_revertsWhenTooManyModels() public {
        (bytes memory publicKey, address node) = newKey();
        bytes32[] memory ids = new bytes32[](9);
        for (uint256 i; i < 9; ++i) {
            ids[i] = bytes32(i + 1);
        }
        vm.deal(node, MIN_STAKE);
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryTooManyModels.selector, 9, 8));
        registry.join{value: MIN_STAKE}(GPU_4090, 24, v1_2_3, publicKey, address(0), ids);
    }

    function test_join_acceptsEightModels() public {
        bytes32[] memory ids = new bytes32[](8);
        for (uint256 i; i < 8; ++i) {
            ids[i] = bytes32(i + 1);
        }
        address node = joinNode(GPU_4090, 24, v1_2_3, MIN_STAKE, ids);
        assertEq(registry.modelsOf(node).length, 8);
    }

    function test_join_revertsWhenModelIsZeroOrDuplicate() public {
        (bytes memory publicKey, address node) = newKey();
        bytes32[] memory ids = new bytes32[](3);
        ids[0] = MODEL_A;
        ids[1] = MODEL_B;
        ids[2] = MODEL_A;
        vm.deal(node, MIN_STAKE);
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryInvalidModel.selector, 2, MODEL_A));
        registry.join{value: MIN_STAKE}(GPU_4090, 24, v1_2_3, publicKey, address(0), ids);

        ids[2] = bytes32(0);
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryInvalidModel.selector, 2, bytes32(0)));
        registry.join{value: MIN_STAKE}(GPU_4090, 24, v1_2_3, publicKey, address(0), ids);
    }

    function test_join_revertsWhenGpuNameIsEmptyOrTooLong() public {
        (bytes memory publicKey, address node) = newKey();
        vm.deal(node, MIN_STAKE);
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryInvalidGpuName.selector, 0));
        registry.join{value: MIN_STAKE}("", 24, v1_2_3, publicKey, address(0), noModels());

        string memory long = string(new bytes(65));
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryInvalidGpuName.selector, 65));
        registry.join{value: MIN_STAKE}(long, 24, v1_2_3, publicKey, address(0), noModels());
    }

    function test_join_revertsWhenVramIsZeroOrTooLarge() public {
        (bytes memory publicKey, address node) = newKey();
        vm.deal(node, MIN_STAKE);
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryInvalidVram.selector, 0));
        registry.join{value: MIN_STAKE}(GPU_4090, 0, v1_2_3, publicKey, address(0), noModels());
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryInvalidVram.selector, 65_536));
        registry.join{value: MIN_STAKE}(GPU_4090, 65_536, v1_2_3, publicKey, address(0), noModels());
    }

    function test_join_revertsWhenAlreadyRegistered() public {
        (bytes memory publicKey, address node) = newKey();
        vm.deal(node, 2 * MIN_STAKE);
        vm.startPrank(node);
        registry.join{value: MIN_STAKE}(GPU_4090, 24, v1_2_3, publicKey, address(0), noModels());
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryAlreadyRegistered.selector, node, AVAILABLE));
        registry.join{value: MIN_STAKE}(GPU_4090, 24, v1_2_3, publicKey, address(0), noModels());
        vm.stopPrank();
    }

    function test_join_againAfterQuit() public {
        (bytes memory publicKey, address node) = newKey();
        vm.deal(node, 2 * MIN_STAKE);
        vm.startPrank(node);
        registry.join{value: MIN_STAKE}(GPU_4090, 24, v1_2_3, publicKey, address(0), models(MODEL_A));
        registry.quit();
        registry.join{value: MIN_STAKE}(GPU_A100, 80, v1_2_3, publicKey, address(0), models(MODEL_B));
        vm.stopPrank();
        assertStatus(node, AVAILABLE);
        assertEq(registry.getNodeInfo(node).vram, 80);
        assertEq(registry.modelHolderCount(MODEL_A), 0);
        assertEq(registry.modelHolderCount(MODEL_B), 1);
        assertEq(registry.pendingWithdrawal(node), MIN_STAKE);
        assertEq(availableTotal(1), 1);
    }

    // ------------------------------------------------------------------ pause / resume

    function test_pause_availableBecomesPaused() public {
        address node = joinDefault();
        vm.expectEmit(address(registry));
        emit INodeRegistry.NodeStatusChanged(node, AVAILABLE, PAUSED);
        vm.prank(node);
        registry.pause();
        assertStatus(node, PAUSED);
        assertEq(availableTotal(1), 0);
        assertEq(registry.selectNode(anyRequest(), 1, TASK_1), address(0));
    }

    function test_pause_busyBecomesPendingPause() public {
        address node = joinDefault();
        registry.occupyNode(node, TASK_1);
        vm.prank(node);
        registry.pause();
        assertStatus(node, PENDING_PAUSE);
        assertEq(registry.currentTaskOf(node), TASK_1);
    }

    function test_pause_revertsWhenPausedOrNotRegistered() public {
        address node = joinDefault();
        vm.startPrank(node);
        registry.pause();
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryInvalidStatus.selector, node, PAUSED));
        registry.pause();
        vm.stopPrank();
        address stranger = makeAddr("stranger");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryNotRegistered.selector, stranger));
        registry.pause();
    }

    function test_resume_pausedBecomesAvailable() public {
        address node = joinDefault();
        vm.startPrank(node);
        registry.pause();
        registry.resume();
        vm.stopPrank();
        assertStatus(node, AVAILABLE);
        assertEq(availableTotal(1), 1);
        assertEq(registry.selectNode(anyRequest(), 1, TASK_1), node);
    }

    function test_resume_pendingPauseBecomesBusy() public {
        address node = joinDefault();
        registry.occupyNode(node, TASK_1);
        vm.startPrank(node);
        registry.pause();
        registry.resume();
        vm.stopPrank();
        assertStatus(node, BUSY);
        assertTrue(registry.releaseNode(node, TASK_1));
        assertStatus(node, AVAILABLE);
    }

    function test_resume_revertsWhenAvailableBusyOrPendingQuit() public {
        address node = joinDefault();
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryInvalidStatus.selector, node, AVAILABLE));
        registry.resume();
        registry.occupyNode(node, TASK_1);
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryInvalidStatus.selector, node, BUSY));
        registry.resume();
        vm.prank(node);
        registry.quit();
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryInvalidStatus.selector, node, PENDING_QUIT));
        registry.resume();
    }

    // ------------------------------------------------------------------ quit / withdraw

    function test_quit_availableReturnsStake() public {
        address node = joinNode(GPU_4090, 24, v1_2_3, 2 ether, models(MODEL_A));
        vm.expectEmit(address(registry));
        emit INodeRegistry.NodeStatusChanged(node, AVAILABLE, QUIT);
        vm.expectEmit(address(registry));
        emit INodeRegistry.StakeReturned(node, 2 ether);
        vm.prank(node);
        registry.quit();
        assertStatus(node, QUIT);
        assertEq(registry.pendingWithdrawal(node), 2 ether);
        assertEq(registry.totalStaked(), 0);
        assertEq(registry.totalPendingWithdrawals(), 2 ether);
        assertEq(registry.modelHolderCount(MODEL_A), 0);
        assertEq(availableTotal(1), 0);
        assertEq(registry.publicKeyOf(node).length, 0);
    }

    function test_quit_pausedReturnsStake() public {
        address node = joinDefault();
        vm.startPrank(node);
        registry.pause();
        registry.quit();
        vm.stopPrank();
        assertStatus(node, QUIT);
        assertEq(registry.pendingWithdrawal(node), MIN_STAKE);
    }

    function test_quit_busyBecomesPendingQuit() public {
        address node = joinDefault();
        registry.occupyNode(node, TASK_1);
        vm.prank(node);
        registry.quit();
        assertStatus(node, PENDING_QUIT);
        assertEq(registry.pendingWithdrawal(node), 0);
        assertEq(registry.totalStaked(), MIN_STAKE);
    }

    function test_quit_pendingPauseBecomesPendingQuit() public {
        address node = joinDefault();
        registry.occupyNode(node, TASK_1);
        vm.startPrank(node);
        registry.pause();
        registry.quit();
        vm.stopPrank();
        assertStatus(node, PENDING_QUIT);
    }

    function test_quit_revertsWhenPendingQuitOrNotRegistered() public {
        address node = joinDefault();
        registry.occupyNode(node, TASK_1);
        vm.startPrank(node);
        registry.quit();
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryInvalidStatus.selector, node, PENDING_QUIT));
        registry.quit();
        vm.stopPrank();
        address stranger = makeAddr("stranger");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryNotRegistered.selector, stranger));
        registry.quit();
    }

    function test_withdraw_paysReturnedStakeOnce() public {
        address node = joinNode(GPU_4090, 24, v1_2_3, 2 ether, noModels());
        vm.prank(node);
        registry.quit();
        vm.expectEmit(address(registry));
        emit INodeRegistry.StakeWithdrawn(node, 2 ether);
        vm.prank(node);
        registry.withdraw();
        assertEq(node.balance, 2 ether);
        assertEq(address(registry).balance, 0);
        assertEq(registry.totalPendingWithdrawals(), 0);
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryNothingToWithdraw.selector, node));
        registry.withdraw();
    }

    function test_withdraw_revertsWhenTransferFails() public {
        address node = joinDefault();
        vm.prank(node);
        registry.quit();
        vm.etch(node, hex"fe"); // a receiver that always reverts
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryTransferFailed.selector, node, MIN_STAKE));
        registry.withdraw();
        assertEq(registry.pendingWithdrawal(node), MIN_STAKE);
    }

    // ------------------------------------------------------------------ models and beneficiary

    function test_updateModels_replacesHolderSets() public {
        address node = joinNode(GPU_4090, 24, v1_2_3, MIN_STAKE, models(MODEL_A));
        vm.expectEmit(address(registry));
        emit INodeRegistry.ModelsUpdated(node, models(MODEL_B));
        vm.prank(node);
        registry.updateModels(models(MODEL_B));
        assertEq(registry.modelHolderCount(MODEL_A), 0);
        assertEq(registry.modelHolderCount(MODEL_B), 1);
        assertEq(registry.modelsOf(node)[0], MODEL_B);
    }

    function test_updateModels_revertsWhenNotRegisteredOrInvalid() public {
        address stranger = makeAddr("stranger");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryNotRegistered.selector, stranger));
        registry.updateModels(models(MODEL_A));
        address node = joinDefault();
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryInvalidModel.selector, 0, bytes32(0)));
        registry.updateModels(models(bytes32(0)));
    }

    function test_setBeneficiary_redirectsPayoutsAndSurvivesQuit() public {
        address node = joinDefault();
        assertEq(registry.beneficiaryOf(node), node);
        address payee = makeAddr("payee");
        vm.expectEmit(address(registry));
        emit INodeRegistry.BeneficiaryChanged(node, payee);
        vm.prank(node);
        registry.setBeneficiary(payee);
        assertEq(registry.beneficiaryOf(node), payee);
        vm.prank(node);
        registry.quit();
        // Payouts of tasks still being settled keep going to the beneficiary.
        assertEq(registry.beneficiaryOf(node), payee);
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryNotRegistered.selector, node));
        registry.setBeneficiary(node);
    }

    // ------------------------------------------------------------------ occupy / release

    function test_occupyNode_marksBusy() public {
        address node = joinDefault();
        vm.expectEmit(address(registry));
        emit INodeRegistry.NodeStatusChanged(node, AVAILABLE, BUSY);
        registry.occupyNode(node, TASK_1);
        assertStatus(node, BUSY);
        assertEq(registry.getNodeInfo(node).currentTask, TASK_1);
        // A busy node stays listed in its draw sets (no set update per task); draws reject it.
        assertEq(availableTotal(1), 1);
        for (uint256 r = 0; r < 20; ++r) {
            assertEq(registry.selectNode(anyRequest(), r, TASK_2), address(0), "a busy node is never drawn");
        }
    }

    /// @dev Only Available and Busy nodes are listed: a pause or quit while busy takes the node out at once (a
    /// draw must not keep spending tries on a node that will not come back), a resume puts it back.
    function test_busyNode_leavesTheSetsWhenPausedOrQuitAndComesBackOnResume() public {
        address node = joinDefault();
        address other = joinDefault();
        registry.occupyNode(node, TASK_1);
        assertEq(availableTotal(1), 2);
        vm.prank(node);
        registry.pause();
        assertEq(availableTotal(1), 1, "PendingPause is not listed");
        vm.prank(node);
        registry.resume();
        assertEq(availableTotal(1), 2, "back to Busy: listed again");
        assertTrue(registry.releaseNode(node, TASK_1));
        assertEq(availableTotal(1), 2, "the release changes no set");
        registry.occupyNode(other, TASK_2);
        vm.prank(other);
        registry.quit();
        assertEq(availableTotal(1), 1, "PendingQuit is not listed");
        assertEq(registry.selectNode(anyRequest(), 3, TASK_1), node);
    }

    function test_occupyNode_revertsWhenNotAvailableOrZeroKey() public {
        address node = joinDefault();
        vm.expectRevert(INodeRegistry.NodeRegistryZeroTaskKey.selector);
        registry.occupyNode(node, bytes32(0));
        registry.occupyNode(node, TASK_1);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryNodeNotAvailable.selector, node, BUSY));
        registry.occupyNode(node, TASK_2);
        address stranger = makeAddr("stranger");
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryNodeNotAvailable.selector, stranger, QUIT));
        registry.occupyNode(stranger, TASK_2);
    }

    function test_releaseNode_busyBecomesAvailable() public {
        address node = joinDefault();
        registry.occupyNode(node, TASK_1);
        assertTrue(registry.releaseNode(node, TASK_1));
        assertStatus(node, AVAILABLE);
        assertEq(registry.getNodeInfo(node).currentTask, bytes32(0));
        assertEq(registry.currentTaskOf(node), bytes32(0));
        assertEq(availableTotal(1), 1);
    }

    function test_releaseNode_appliesPendingPause() public {
        address node = joinDefault();
        registry.occupyNode(node, TASK_1);
        vm.prank(node);
        registry.pause();
        assertFalse(registry.releaseNode(node, TASK_1));
        assertStatus(node, PAUSED);
        assertEq(availableTotal(1), 0);
    }

    function test_releaseNode_appliesPendingQuit() public {
        address node = joinDefault();
        registry.occupyNode(node, TASK_1);
        vm.prank(node);
        registry.quit();
        vm.expectEmit(address(registry));
        emit INodeRegistry.StakeReturned(node, MIN_STAKE);
        assertFalse(registry.releaseNode(node, TASK_1));
        assertStatus(node, QUIT);
        assertEq(registry.pendingWithdrawal(node), MIN_STAKE);
        assertEq(registry.totalStaked(), 0);
        assertEq(availableTotal(1), 0);
    }

    function test_releaseNode_noOpForAnotherTaskOrIdleNode() public {
        address node = joinDefault();
        assertFalse(registry.releaseNode(node, TASK_1));
        assertStatus(node, AVAILABLE);
        registry.occupyNode(node, TASK_1);
        assertFalse(registry.releaseNode(node, TASK_2));
        assertStatus(node, BUSY);
        assertFalse(registry.releaseNode(makeAddr("stranger"), TASK_1));
    }

    function test_settleReport_creditsCountsAndNamesThePayee() public {
        address node = joinDefault();
        address payee = makeAddr("payee");
        vm.prank(node);
        registry.setBeneficiary(payee);
        registry.occupyNode(node, TASK_1);
        uint16 before = registry.qosScoreOf(node);
        assertTrue(registry.releaseAtReport(node, TASK_1, 1 gwei), "free at its report");
        assertStatus(node, AVAILABLE);
        assertEq(registry.unsettledReportsOf(node), 1);
        assertEq(registry.settleReport(node, 0, 1, false, 1 gwei), payee);
        assertEq(registry.unsettledReportsOf(node), 0);
        assertGt(registry.qosScoreOf(node), before);
        assertEq(registry.consecutiveTimeoutsOf(node), 0);
    }

    /// @dev Review M3: one stake backed any number of unsettled reports, so a node could collect more open fees
    /// than a slash takes (before the fix the second 0.3 ether task fitted). Now a node is drawn or dispatched
    /// only while its open fees, with the new task's, stay at most half its stake.
    function test_regression_M3_openFeesStayWithinHalfTheStake() public {
        address node = joinDefault();
        INodeRegistry.SelectionRequest memory req = anyRequest();
        req.fee = 0.3 ether;
        assertTrue(registry.fits(node, req));
        registry.occupyNode(node, TASK_1);
        assertTrue(registry.releaseAtReport(node, TASK_1, 0.3 ether), "free at its report");
        assertEq(registry.openFeesOf(node), 0.3 ether);
        assertFalse(registry.fits(node, req), "0.3 + 0.3 ether > half the 1 ether stake: not dispatched");
        assertEq(registry.selectNode(req, 1, TASK_2), address(0), "nor drawn");
        req.fee = 0.2 ether;
        assertTrue(registry.fits(node, req), "up to half the stake");
        req.fee = 0.2 ether + 1;
        assertFalse(registry.fits(node, req), "counted in whole gwei, rounded up");
        registry.settleReport(node, 0, 1, false, 0.3 ether);
        assertEq(registry.openFeesOf(node), 0);
        req.fee = 0.5 ether;
        assertEq(registry.selectNode(req, 1, TASK_2), node, "drawn again once settled");
    }

    /// @dev Review M3: a node slashed while it ran a task reported it anyway (and was paid for it); no stake
    /// backs that report. Refused now; a node that quit while busy (PendingQuit, stake held) still reports.
    function test_regression_M3_aSlashedNodeCannotReport() public {
        address node = joinDefault();
        registry.occupyNode(node, TASK_1);
        registry.releaseAtReport(node, TASK_1, 1 gwei);
        registry.occupyNode(node, TASK_2);
        registry.settleReport(node, 0, 0, true, 1 gwei);
        assertStatus(node, QUIT);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryNotRegistered.selector, node));
        registry.releaseAtReport(node, TASK_2, 1 gwei);
        address other = joinDefault();
        registry.occupyNode(other, TASK_1);
        vm.prank(other);
        registry.quit();
        assertStatus(other, PENDING_QUIT);
        assertFalse(registry.releaseAtReport(other, TASK_1, 1 gwei), "reports, then waits for its settlement");
        assertEq(registry.unsettledReportsOf(other), 1);
    }

    /// @dev Finding 6: a node that quits with a report unsettled keeps its stake in the registry (slashable)
    /// until the settlement; then it leaves with it.
    function test_regression_F6_quitWaitsForTheSettlementOfEveryReport() public {
        address node = joinDefault();
        registry.occupyNode(node, TASK_1);
        registry.releaseAtReport(node, TASK_1, 1 gwei);
        registry.occupyNode(node, TASK_2);
        registry.releaseAtReport(node, TASK_2, 1 gwei);
        vm.prank(node);
        registry.quit();
        assertStatus(node, PENDING_QUIT);
        assertEq(registry.currentTaskOf(node), bytes32(0), "waiting, on no task");
        assertEq(registry.pendingWithdrawal(node), 0, "stake held");
        registry.settleReport(node, 0, 1, false, 1 gwei);
        assertStatus(node, PENDING_QUIT);
        vm.expectEmit(address(registry));
        emit INodeRegistry.StakeReturned(node, MIN_STAKE);
        assertEq(registry.settleReport(node, 0, 1, false, 1 gwei), node);
        assertStatus(node, QUIT);
        assertEq(registry.pendingWithdrawal(node), MIN_STAKE);
    }

    /// @dev Finding 6: a kick-out (timeouts in a row) holds the stake while a report is unsettled, and a
    /// verdict that slashes still takes it.
    function test_regression_F6_kickOutHoldsTheStakeWhileReportsAreUnsettled() public {
        address node = joinDefault();
        registry.occupyNode(node, TASK_1);
        registry.releaseAtReport(node, TASK_1, 1 gwei);
        for (uint256 i = 0; i < registry.maxTimeoutsBeforeKick(); ++i) {
            bytes32 key = bytes32(100 + i);
            registry.occupyNode(node, key);
            registry.recordTimeout(node);
            registry.releaseNode(node, key);
        }
        assertStatus(node, PENDING_QUIT);
        assertEq(registry.pendingWithdrawal(node), 0, "stake held after the kick-out");
        registry.settleReport(node, 0, 0, true, 1 gwei);
        assertStatus(node, QUIT);
        assertEq(registry.pendingWithdrawal(node), 0, "slashed, not returned");
        assertEq(address(pool).balance, MIN_STAKE);
    }

    /// @dev Finding 6: a node is never drawn nor dispatched for a task below its price floor.
    function test_regression_F6_priceFloorKeepsUnderpricedTasksAway() public {
        address node = joinDefault();
        vm.prank(node);
        vm.expectEmit(address(registry));
        emit INodeRegistry.PriceFloorSet(node, 2 gwei);
        registry.setPriceFloor(2 gwei);
        assertEq(registry.priceFloorOf(node), 2 gwei);
        INodeRegistry.SelectionRequest memory req = anyRequest();
        assertFalse(registry.fits(node, req), "1 gwei < floor");
        for (uint256 r = 0; r < 20; ++r) {
            assertEq(registry.selectNode(req, r, TASK_1), address(0));
        }
        req.fee = 2 gwei;
        assertTrue(registry.fits(node, req));
        assertEq(registry.selectNode(req, 1, TASK_1), node);
        vm.prank(node);
        vm.expectRevert();
        registry.setPriceFloor(uint256(type(uint64).max) + 1);
    }

    /// @dev A group whose every node paused keeps a non-zero sizes word (cheap to refill), yet reads 0.
    function test_availableSets_emptyGroupReadsZero() public {
        address node = joinDefault();
        bytes32 group = registry.groupKey(bytes32(0), 1);
        vm.prank(node);
        registry.pause();
        assertEq(registry.availableSizes(group), 0);
        assertEq(availableTotal(1), 0);
        bytes32 slot = keccak256(abi.encode(group, SIZES_SLOT));
        assertEq(uint256(vmStorage.load(address(registry), slot)), AvailableSets.OCCUPIED);
        vm.prank(node);
        registry.resume();
        assertEq(availableTotal(1), 1);
        assertEq(registry.availableAt(group, 4, 0), node);
    }

    // ------------------------------------------------------------------ slash

    function test_slash_sendsWholeStakeToIncentivePool() public {
        address node = joinNode(GPU_4090, 24, v1_2_3, 3 ether, models(MODEL_A));
        registry.occupyNode(node, TASK_1);
        uint256 ownerBalance = owner.balance;
        vm.expectEmit(address(registry));
        emit INodeRegistry.NodeSlashed(node, 3 ether);
        vm.expectEmit(address(pool));
        emit IIncentivePool.SlashedStakeReceived(address(registry), node, 3 ether);
        registry.slash(node);
        assertEq(address(pool).balance, 3 ether);
        assertEq(owner.balance, ownerBalance, "never to the deployer");
        assertEq(address(registry).balance, 0);
        assertEq(registry.totalStaked(), 0);
        assertEq(registry.pendingWithdrawal(node), 0);
        assertStatus(node, QUIT);
        assertEq(registry.modelHolderCount(MODEL_A), 0);
        // The TaskManager's later release is a no-op.
        assertFalse(registry.releaseNode(node, TASK_1));
    }

    function test_slash_availableNodeLeavesTheSets() public {
        address node = joinDefault();
        address other = joinDefault();
        registry.slash(node);
        assertEq(availableTotal(1), 1);
        assertEq(registry.selectNode(anyRequest(), 7, TASK_1), other);
    }

    function test_slash_noOpWhenNotRegistered() public {
        address node = joinDefault();
        vm.prank(node);
        registry.quit();
        registry.slash(node);
        assertEq(address(pool).balance, 0);
        assertEq(registry.pendingWithdrawal(node), MIN_STAKE);
    }

    // ------------------------------------------------------------------ QoS and timeouts

    function test_recordSubmission_movesScoreTowardPositionPoints() public {
        address node = joinDefault();
        // 5,000 toward 10,000 by 1/8 (rounded up): 5,625.
        vm.expectEmit(address(registry));
        emit INodeRegistry.QoSScoreChanged(node, 5_000, 5_625);
        registry.recordSubmission(node, 0, 1);
        assertEq(registry.qosScoreOf(node), 5_625);
        // Third of three: toward 4,000: 5,625 - ceil(1,625 / 8) = 5,421.
        registry.recordSubmission(node, 2, 3);
        assertEq(registry.qosScoreOf(node), 5_421);
    }

    function test_recordSubmission_revertsOnInvalidPosition() public {
        address node = joinDefault();
        vm.expectRevert(abi.encodeWithSelector(QoS.QoSInvalidPosition.selector, 1, 1));
        registry.recordSubmission(node, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(QoS.QoSInvalidPosition.selector, 0, 4));
        registry.recordSubmission(node, 0, 4);
    }

    function test_recordSubmission_noOpWhenNotRegistered() public {
        address stranger = makeAddr("stranger");
        registry.recordSubmission(stranger, 0, 1);
        assertEq(registry.qosScoreOf(stranger), 0);
    }

    function test_recordTimeout_penalizesQoS() public {
        address node = joinDefault();
        registry.recordTimeout(node);
        assertEq(registry.qosScoreOf(node), 2_500);
        assertEq(registry.consecutiveTimeoutsOf(node), 1);
        registry.recordTimeout(node);
        assertEq(registry.qosScoreOf(node), 0);
        assertStatus(node, AVAILABLE);
    }

    function test_recordTimeout_kicksOutAfterThreeInARowWithStakeReturned() public {
        address node = joinNode(GPU_4090, 24, v1_2_3, 2 ether, noModels());
        registry.occupyNode(node, TASK_1);
        registry.recordTimeout(node);
        registry.recordTimeout(node);
        vm.expectEmit(address(registry));
        emit INodeRegistry.NodeKickedOut(node, 3);
        vm.expectEmit(address(registry));
        emit INodeRegistry.StakeReturned(node, 2 ether);
        registry.recordTimeout(node);
        assertStatus(node, QUIT);
        assertEq(registry.pendingWithdrawal(node), 2 ether, "returned, not slashed");
        assertEq(address(pool).balance, 0);
        assertFalse(registry.releaseNode(node, TASK_1));
        // Further reports about the departed node are ignored.
        registry.recordTimeout(node);
        assertEq(registry.pendingWithdrawal(node), 2 ether);
    }

    function test_recordTimeout_submissionResetsTheCount() public {
        address node = joinDefault();
        registry.recordTimeout(node);
        registry.recordTimeout(node);
        registry.recordSubmission(node, 0, 1);
        assertEq(registry.consecutiveTimeoutsOf(node), 0);
        registry.recordTimeout(node);
        registry.recordTimeout(node);
        assertStatus(node, AVAILABLE);
    }

    function test_recordTimeout_followsTheParameter() public {
        vm.prank(owner);
        registry.setMaxTimeoutsBeforeKick(1);
        address node = joinDefault();
        registry.recordTimeout(node);
        assertStatus(node, QUIT);
    }

    // ------------------------------------------------------------------ authorization

    function test_taskFunctions_revertForOtherCallers() public {
        address node = joinDefault();
        address stranger = makeAddr("stranger");
        bytes memory err = abi.encodeWithSelector(INodeRegistry.NodeRegistryUnauthorizedCaller.selector, stranger);
        vm.startPrank(stranger);
        vm.expectRevert(err);
        registry.selectNode(anyRequest(), 1, TASK_1);
        vm.expectRevert(err);
        registry.occupyNode(node, TASK_1);
        vm.expectRevert(err);
        registry.releaseNode(node, TASK_1);
        vm.expectRevert(err);
        registry.recordSubmission(node, 0, 1);
        vm.expectRevert(err);
        registry.releaseAtReport(node, TASK_1, 1 gwei);
        vm.expectRevert(err);
        registry.settleReport(node, 0, 1, false, 1 gwei);
        vm.expectRevert(err);
        registry.recordTimeout(node);
        vm.expectRevert(err);
        registry.slash(node);
        vm.stopPrank();
        // Not even the owner.
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryUnauthorizedCaller.selector, owner));
        registry.slash(node);
    }

    function test_ownerFunctions_revertForOtherCallers() public {
        address stranger = makeAddr("stranger");
        bytes memory err = abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", stranger);
        vm.startPrank(stranger);
        vm.expectRevert(err);
        registry.setMinStake(2 ether);
        vm.expectRevert(err);
        registry.setStakeWeightCap(3);
        vm.expectRevert(err);
        registry.setMaxTimeoutsBeforeKick(5);
        vm.expectRevert(err);
        registry.setQoSParams(QoS.defaults());
        vm.stopPrank();
    }

    /// @dev Session 8: the TaskManager is immutable, given at construction (its precomputed address), never 0.
    function test_constructor_setsTheTaskManagerOnceAndNotZero() public {
        vm.expectRevert(INodeRegistry.NodeRegistryZeroAddress.selector);
        new NodeRegistry(owner, IIncentivePool(address(pool)), address(0), MIN_STAKE);
        address tm = makeAddr("taskManager");
        vm.expectEmit();
        emit INodeRegistry.TaskManagerSet(tm);
        NodeRegistry fresh = new NodeRegistry(owner, IIncentivePool(address(pool)), tm, MIN_STAKE);
        assertEq(fresh.taskManager(), tm);
    }

    function test_constructor_revertsOnZeroPoolOrBadMinStake() public {
        vm.expectRevert(INodeRegistry.NodeRegistryZeroAddress.selector);
        new NodeRegistry(owner, IIncentivePool(address(0)), address(this), MIN_STAKE);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.NodeRegistryParameterOutOfBounds.selector, "minStake", 0, 1, 1e27)
        );
        new NodeRegistry(owner, IIncentivePool(address(pool)), address(this), 0);
    }

    // ------------------------------------------------------------------ parameters

    function test_setMinStake_boundedAndEvented() public {
        vm.startPrank(owner);
        vm.expectEmit(address(registry));
        emit INodeRegistry.MinStakeChanged(MIN_STAKE, 5 ether);
        registry.setMinStake(5 ether);
        assertEq(registry.minStake(), 5 ether);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.NodeRegistryParameterOutOfBounds.selector, "minStake", 0, 1, 1e27)
        );
        registry.setMinStake(0);
        vm.expectRevert(
            abi.encodeWithSelector(
                INodeRegistry.NodeRegistryParameterOutOfBounds.selector, "minStake", 1e27 + 1, 1, 1e27
            )
        );
        registry.setMinStake(1e27 + 1);
        vm.stopPrank();
        // New joins need the new minimum.
        (bytes memory publicKey, address node) = newKey();
        vm.deal(node, 4 ether);
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryInsufficientStake.selector, 4 ether, 5 ether));
        registry.join{value: 4 ether}(GPU_4090, 24, v1_2_3, publicKey, address(0), noModels());
    }

    function test_setStakeWeightCap_boundedAndEvented() public {
        vm.startPrank(owner);
        vm.expectEmit(address(registry));
        emit INodeRegistry.StakeWeightCapChanged(2, 16);
        registry.setStakeWeightCap(16);
        assertEq(registry.stakeWeightCap(), 16);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.NodeRegistryParameterOutOfBounds.selector, "stakeWeightCap", 0, 1, 16)
        );
        registry.setStakeWeightCap(0);
        vm.expectRevert(
            abi.encodeWithSelector(INodeRegistry.NodeRegistryParameterOutOfBounds.selector, "stakeWeightCap", 17, 1, 16)
        );
        registry.setStakeWeightCap(17);
        vm.stopPrank();
    }

    function test_setMaxTimeoutsBeforeKick_boundedAndEvented() public {
        vm.startPrank(owner);
        vm.expectEmit(address(registry));
        emit INodeRegistry.MaxTimeoutsBeforeKickChanged(3, 20);
        registry.setMaxTimeoutsBeforeKick(20);
        assertEq(registry.maxTimeoutsBeforeKick(), 20);
        vm.expectRevert(
            abi.encodeWithSelector(
                INodeRegistry.NodeRegistryParameterOutOfBounds.selector, "maxTimeoutsBeforeKick", 21, 1, 20
            )
        );
        registry.setMaxTimeoutsBeforeKick(21);
        vm.expectRevert(
            abi.encodeWithSelector(
                INodeRegistry.NodeRegistryParameterOutOfBounds.selector, "maxTimeoutsBeforeKick", 0, 1, 20
            )
        );
        registry.setMaxTimeoutsBeforeKick(0);
        vm.stopPrank();
    }

    function test_setQoSParams_validatedAndEvented() public {
        QoS.Params memory p = QoS.defaults();
        p.timeoutPenalty = 1_000;
        vm.startPrank(owner);
        vm.expectEmit(address(registry));
        emit INodeRegistry.QoSParamsChanged(10_000, 7_000, 4_000, 1_000, 5_000, 1_000, 3);
        registry.setQoSParams(p);
        assertEq(registry.qosParams().timeoutPenalty, 1_000);
        p.secondPoints = p.firstPoints;
        vm.expectRevert(abi.encodeWithSelector(QoS.QoSParamOutOfBounds.selector, "secondPoints", 10_000, 1, 9_999));
        registry.setQoSParams(p);
        vm.stopPrank();
    }

    function test_views_maskStaleCurrentTask() public {
        address node = joinDefault();
        registry.occupyNode(node, TASK_1);
        registry.releaseNode(node, TASK_1);
        vm.prank(node);
        registry.pause();
        assertEq(registry.getNodeInfo(node).currentTask, bytes32(0));
        assertEq(registry.currentTaskOf(node), bytes32(0));
    }

    function test_availableSets_revertWhenASetIsFull() public {
        joinDefault();
        bytes32 group = registry.groupKey(bytes32(0), 1);
        bytes32 slot = keccak256(abi.encode(group, SIZES_SLOT));
        uint256 raw = uint256(vmStorage.load(address(registry), slot));
        assertEq(raw & ~AvailableSets.OCCUPIED, registry.availableSizes(group), "slot");
        // Tier 4 (24 GiB) of the any-GPU group at its maximum size.
        uint256 full = raw | (AvailableSets.MAX_SIZE << (4 * 32));
        vmStorage.store(address(registry), slot, bytes32(full));
        (bytes memory publicKey, address node) = newKey();
        vm.deal(node, MIN_STAKE);
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(AvailableSets.AvailableSetsFull.selector, group, 4));
        registry.join{value: MIN_STAKE}(GPU_4090, 24, v1_2_3, publicKey, address(0), noModels());
    }
}
