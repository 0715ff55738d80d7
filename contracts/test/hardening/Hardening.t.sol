// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {INodeRegistry} from "../../src/interfaces/INodeRegistry.sol";
import {ITaskManager} from "../../src/interfaces/ITaskManager.sol";
import {TaskManagerTestBase} from "../task/utils/TaskManagerTestBase.sol";
import {VmExt} from "../task/utils/VmExt.sol";

/// @notice Sends its whole balance to `target` by SELFDESTRUCT: no function of the target runs, so the
/// target cannot refuse the ether (finding 9).
contract ForceSender {
    constructor(address payable target) payable {
        selfdestruct(target);
    }
}

/// @notice The attacks of the adversarial review (issue 7, docs/protocol.md "Hardening"), each written as
/// the attacker would play it. Every test here failed on the code before the fix it names.
contract HardeningTest is TaskManagerTestBase {
    bytes32[3] internal keys;
    bytes[3] internal scores;

    function _expectGroupRevert(ITaskManager.GroupValidation memory g, bytes memory err) internal {
        vm.prank(app);
        vm.expectRevert(err);
        tm.validateTaskGroup(g);
    }

    // ------------------------------------------------------------------ F3: an original that never ran

    /// @dev The app queues its original, reads the seed of the creation block while it can still cancel,
    /// cancels it (full refund) and has two members judged against it.
    function test_regression_F3_cancelledQueuedOriginalStartsNoGroup() public {
        // Occupy every node so that the original queues.
        bytes32 a = _create(10);
        bytes32 b = _create(11);
        _create(12);
        keys[0] = _create(0);
        assertEq(uint256(_state(keys[0])), uint256(ITaskManager.TaskState.Queued));
        _nextBlock();
        // The seed the app would be judged on is readable while it can still cancel.
        vm.prank(app);
        tm.abortTask(keys[0]);
        assertEq(uint256(_state(keys[0])), uint256(ITaskManager.TaskState.EndAborted));
        // Two nodes come free; the members run on them.
        _submit(a, _score(1));
        _submit(b, _score(1));
        vm.startPrank(app);
        tm.validateSingleTask(a);
        tm.validateSingleTask(b);
        vm.stopPrank();
        _nextBlock();
        keys[1] = _create(1);
        keys[2] = _create(2);
        scores[1] = _score(1);
        scores[2] = _score(1);
        _submit(keys[1], scores[1]);
        _submit(keys[2], scores[2]);
        ITaskManager.GroupValidation memory g = _group(keys, _ids(), scores);
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.OriginalNotReported.selector, keys[0]));
    }

    /// @dev One original that timed out unanswered was used to judge any number of member pairs.
    function test_regression_F3_originalIsJudgedInAtMostOneGroup() public {
        keys[0] = _create(0);
        _nextBlock();
        keys[1] = _create(1);
        keys[2] = _create(2);
        _nextBlock();
        scores[0] = _score(1);
        scores[1] = _score(1);
        scores[2] = _score(1);
        for (uint256 i = 0; i < 3; ++i) {
            _submit(keys[i], scores[i]);
        }
        _nextBlock();
        ITaskManager.GroupValidation memory first = _group(keys, _ids(), scores);
        vm.prank(app);
        tm.validateTaskGroup(first);
        assertEq(uint256(_state(keys[0])), uint256(ITaskManager.TaskState.EndGroupSuccess));
        // A second pair of members against the same (now ended) original.
        bytes32[3] memory again = [keys[0], _create(3), _create(4)];
        _nextBlock();
        _submit(again[1], _score(1));
        _submit(again[2], _score(1));
        bytes[3] memory s = [bytes(""), _score(1), _score(1)];
        ITaskManager.GroupValidation memory g = _group(again, [uint256(0), 3, 4], s);
        g.seeds[0] = first.seeds[0];
        // The original left ScoreReady in the first group: it cannot be opened again.
        _expectGroupRevert(
            g, abi.encodeWithSelector(ITaskManager.GroupMemberState.selector, 0, ITaskManager.TaskState.EndGroupSuccess)
        );
    }

    /// @dev The timed-out original: before the fix, its two members were judged without it, as often as the
    /// app liked.
    function test_regression_F3_timedOutOriginalStartsNoGroup() public {
        keys[0] = _create(0);
        _nextBlock();
        keys[1] = _create(1);
        keys[2] = _create(2);
        _nextBlock();
        scores[1] = _score(1);
        scores[2] = _score(1);
        _submit(keys[1], scores[1]);
        _submit(keys[2], scores[2]);
        vm.warp(block.timestamp + tm.timeout(0));
        tm.abortTask(keys[0]);
        ITaskManager.GroupValidation memory g = _group(keys, _ids(), scores);
        _expectGroupRevert(g, abi.encodeWithSelector(ITaskManager.OriginalNotReported.selector, keys[0]));
    }

    // ------------------------------------------------------------------ F7: versions

    /// @dev A node on a newer minor version may serve an image task (compared within a threshold) but never
    /// an exact-match (LLM) task of another version: its result bits may differ from an honest node's on
    /// the requested version, and a group would slash one of them.
    function test_regression_F7_llmTasksRunOnExactlyTheRequestedVersion() public {
        // Occupy the three nodes on version 1.0.0, then let a node on 1.1.0 join.
        _create(10);
        _create(11);
        _create(12);
        VmExt.Wallet memory w = vmx.createWallet(uint256(keccak256("newer node")));
        vm.deal(w.addr, 10 ether);
        bytes32[] memory models = new bytes32[](1);
        models[0] = MODEL;
        vm.prank(w.addr);
        registry.join{value: MIN_STAKE}(
            GPU, 24, VERSION | (uint64(1) << 16), abi.encodePacked(w.publicKeyX, w.publicKeyY), address(0), models
        );
        bytes32 gpu = keccak256(bytes(GPU));
        bytes32 llm = _createWith(_paramsFor(0, ARGS_HASH, 1, gpu));
        assertEq(uint256(_state(llm)), uint256(ITaskManager.TaskState.Queued), "no node of exactly 1.0.0 free");
        vm.prank(w.addr);
        assertFalse(tm.dispatchQueued(w.addr) == llm, "not dispatched to 1.1.0 either");
        bytes32 image = _createWith(_paramsFor(1, ARGS_HASH, 0, bytes32(0)));
        assertEq(_node(image), w.addr, "an image task may run on the newer minor");
    }

    // ------------------------------------------------------------------ F2: thin buckets

    /// @dev Two Sybils claiming the GPU of a lone honest node made every group of tasks pinned to that GPU
    /// theirs. Image tasks run across GPU models, so they may not pin one at all.
    function test_regression_F2_imageTasksCannotPinAGpu() public {
        address lone = _joinLone("Rare GPU");
        bytes32 gpu = keccak256(bytes("Rare GPU"));
        ITaskManager.CreateTaskParams memory p = _attested(_paramsFor(0, ARGS_HASH, 0, gpu), app);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.GpuPinnedImageTask.selector, uint8(0)));
        tm.createTask{value: FEE}(p);
        p = _attested(_paramsFor(1, ARGS_HASH, 2, gpu), app);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.GpuPinnedImageTask.selector, uint8(2)));
        tm.createTask{value: FEE}(p);
        lone;
    }

    /// @dev Exact-match tasks must pin their GPU, so their groups come from one bucket: a bucket thinner than
    /// `minExactBucket` registered nodes is refused, and Sybils joining it count like anyone.
    function test_regression_F2_exactMatchTaskInAThinBucketIsRefused() public {
        registry.setMinExactBucket(4);
        bytes32 gpu = keccak256(bytes("Rare GPU"));
        _joinLone("Rare GPU");
        // Two Sybils claim the same GPU.
        address sybil1 = _joinNode(uint256(keccak256("sybil 1")), "Rare GPU");
        _joinNode(uint256(keccak256("sybil 2")), "Rare GPU");
        assertEq(registry.exactBucketPopulation(gpu, VERSION, 8), 3);
        ITaskManager.CreateTaskParams memory p = _attested(_paramsFor(0, ARGS_HASH, 1, gpu), app);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(INodeRegistry.NodeRegistryBucketTooSmall.selector, 3, 4));
        tm.createTask{value: FEE}(p);
        // VRAM counts: no node of the bucket has 40 GiB.
        assertEq(registry.exactBucketPopulation(gpu, VERSION, 40), 0);
        // Another version is another bucket.
        assertEq(registry.exactBucketPopulation(gpu, VERSION + 1, 8), 0);
        _joinNode(uint256(keccak256("honest 2")), "Rare GPU");
        bytes32 key = _createWith(_paramsFor(1, ARGS_HASH, 1, gpu));
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.Started));
        // A node that leaves leaves the count.
        vm.prank(sybil1);
        registry.quit();
        assertEq(registry.exactBucketPopulation(gpu, VERSION, 8), 3);
    }

    // ------------------------------------------------------------------ F5: data availability

    function _joinLone(string memory gpu) internal returns (address node) {
        VmExt.Wallet memory w = vmx.createWallet(uint256(keccak256(bytes(gpu))));
        node = w.addr;
        vm.deal(node, 10 ether);
        bytes32[] memory models = new bytes32[](1);
        models[0] = MODEL;
        vm.prank(node);
        registry.join{value: MIN_STAKE}(
            gpu, 24, VERSION, abi.encodePacked(w.publicKeyX, w.publicKeyY), address(0), models
        );
    }

    function _signArgs(uint256 key, address creator, bytes32 argsCommitment, uint64 expiry)
        internal
        view
        returns (bytes memory)
    {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, tm.argsAvailableDigest(creator, argsCommitment, expiry));
        return abi.encodePacked(r, s, v);
    }

    /// @dev The app pins the lone node's GPU, never uploads the arguments and lets the task time out, three
    /// times: before the fix the honest node was kicked out for free. Without a relay statement that the
    /// arguments were available, a timeout no longer counts against the node.
    function test_regression_F5_unattestedTimeoutsNeverKickANode() public {
        tm.setRelaySigner(address(0));
        address victim = _joinLone("Rare GPU");
        bytes32 gpu = keccak256(bytes("Rare GPU"));
        for (uint256 i = 0; i < 3; ++i) {
            bytes32 key = _createWith(_paramsFor(20 + i, ARGS_HASH, 1, gpu));
            assertEq(_node(key), victim);
            vm.warp(block.timestamp + tm.timeout(1));
            tm.abortTask(key);
        }
        assertEq(uint256(registry.getNodeInfo(victim).status), uint256(INodeRegistry.NodeStatus.Available));
        assertEq(registry.consecutiveTimeoutsOf(victim), 0, "no timeout counted");
    }

    /// @dev With a relay signer, every task carries the relay's statement that it holds the arguments, and
    /// only then does a timeout count against the node.
    function test_regression_F5_createTaskRequiresTheRelaysArgsAvailableStatement() public {
        ITaskManager.CreateTaskParams memory p = _params(0);
        uint64 expiry = uint64(block.timestamp + 600);
        p.relayExpiry = expiry;
        vm.prank(app);
        vm.expectRevert(ITaskManager.InvalidRelaySignature.selector);
        tm.createTask{value: FEE}(p);
        // Signed by someone else.
        p.relaySignature = _signArgs(uint256(keccak256("not the relay")), app, p.argsCommitment, expiry);
        vm.prank(app);
        vm.expectRevert(ITaskManager.InvalidRelaySignature.selector);
        tm.createTask{value: FEE}(p);
        // Another creator's upload (a stolen statement).
        p.relaySignature = _signArgs(RELAY_KEY, address(0xBEEF), p.argsCommitment, expiry);
        vm.prank(app);
        vm.expectRevert(ITaskManager.InvalidRelaySignature.selector);
        tm.createTask{value: FEE}(p);
        // Another task's arguments.
        p.relaySignature = _signArgs(RELAY_KEY, app, keccak256("other"), expiry);
        vm.prank(app);
        vm.expectRevert(ITaskManager.InvalidRelaySignature.selector);
        tm.createTask{value: FEE}(p);
        // Expired.
        p.relaySignature = _signArgs(RELAY_KEY, app, p.argsCommitment, expiry);
        vm.warp(expiry + 1);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.RelayStatementExpired.selector, expiry, expiry + 1));
        tm.createTask{value: FEE}(p);
        vm.warp(expiry);
        bytes32 key = _createWith(p);
        address node = _node(key);
        assertTrue(node != address(0));
        // The arguments were available: the node's timeout counts.
        vm.warp(block.timestamp + tm.timeout(0));
        tm.abortTask(key);
        assertEq(registry.consecutiveTimeoutsOf(node), 1);
    }

    // ------------------------------------------------------------------ F8: browser wallets

    function _groupWithKey(VmExt.Wallet memory key) internal returns (ITaskManager.GroupValidation memory g) {
        keys[0] = _create(0);
        _nextBlock();
        keys[1] = _create(1);
        keys[2] = _create(2);
        _nextBlock();
        for (uint256 i = 0; i < 3; ++i) {
            scores[i] = _score(1);
            _submit(keys[i], scores[i]);
        }
        g = _group(keys, _ids(), scores);
        g.publicKey = abi.encodePacked(key.publicKeyX, key.publicKeyY);
        g.vrfProof = _proofFor(g.publicKey, g.seeds[0]);
        (g.uPoint, g.vComponents) = vrf.helpers(g.vrfProof);
    }

    function _proofFor(bytes memory publicKey, bytes32 seed) internal view returns (bytes memory proof) {
        bytes32 binding = keccak256(abi.encodePacked(publicKey, abi.encodePacked(seed)));
        for (uint256 tail = 0;; ++tail) {
            proof = abi.encodePacked(bytes1(0x02), binding, bytes16(0), bytes32(tail));
            if (uint256(vrf.proofToHash(proof)) % tm.samplingDenominator() == 0) return proof;
        }
    }

    /// @dev A DApp behind a browser wallet samples with a key it generated and bound on chain; before the fix
    /// only the account key was accepted, which such an app never sees.
    function test_regression_F8_appSamplesWithABoundKey() public {
        VmExt.Wallet memory browserKey = vmx.createWallet(uint256(keccak256("dapp vrf key")));
        vm.prank(app);
        tm.bindVrfKey(abi.encodePacked(browserKey.publicKeyX, browserKey.publicKeyY));
        _nextBlock();
        ITaskManager.GroupValidation memory g = _groupWithKey(browserKey);
        assertEq(tm.vrfKeyOf(app, tm.getTask(keys[0]).seedBlock), browserKey.addr);
        vm.prank(app);
        tm.validateTaskGroup(g);
        assertEq(uint256(_state(keys[0])), uint256(ITaskManager.TaskState.EndGroupSuccess));
    }

    /// @dev Once a key is bound, the account key no longer counts for later originals (two keys would be two
    /// chances of being sampled), and a key bound after the seed was known does not apply to it.
    function test_regression_F8_aKeyBoundAfterTheSeedDoesNotApply() public {
        VmExt.Wallet memory first = vmx.createWallet(uint256(keccak256("first key")));
        VmExt.Wallet memory second = vmx.createWallet(uint256(keccak256("second key")));
        vm.prank(app);
        tm.bindVrfKey(abi.encodePacked(first.publicKeyX, first.publicKeyY));
        _nextBlock();
        ITaskManager.GroupValidation memory g = _groupWithKey(second);
        // The app learns its seed and binds another key, hoping for another draw.
        vm.prank(app);
        tm.bindVrfKey(abi.encodePacked(second.publicKeyX, second.publicKeyY));
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.PublicKeyNotCaller.selector, second.addr, first.addr));
        tm.validateTaskGroup(g);
        // Nor does the account key.
        g.publicKey = appPublicKey;
        g.vrfProof = _proofFor(appPublicKey, g.seeds[0]);
        (g.uPoint, g.vComponents) = vrf.helpers(g.vrfProof);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.PublicKeyNotCaller.selector, app, first.addr));
        tm.validateTaskGroup(g);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.VrfKeyBoundThisBlock.selector, block.number));
        tm.bindVrfKey(abi.encodePacked(first.publicKeyX, first.publicKeyY));
    }

    // ------------------------------------------------------------------ mutation survivors

    /// @dev Kills the mutant "the creator may abort a running task at any time": an app that could abort a
    /// Started task at will would take its fee back from a node that is computing (and, with a relay signer,
    /// charge the node a timeout). Only a queued task may be cancelled early.
    function test_creatorCannotAbortARunningTaskBeforeItsTimeout() public {
        bytes32 key = _create(0);
        address node = _node(key);
        uint256 deadline = block.timestamp + tm.timeout(0);
        vm.warp(deadline - 1);
        vm.prank(app);
        vm.expectRevert(abi.encodeWithSelector(ITaskManager.DeadlineNotReached.selector, key, deadline));
        tm.abortTask(key);
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.Started));
        assertEq(registry.consecutiveTimeoutsOf(node), 0);
        // After its report, not even at the timeout.
        _submit(key, _score(1));
        vm.warp(deadline + 1);
        vm.prank(app);
        vm.expectRevert(
            abi.encodeWithSelector(ITaskManager.InvalidState.selector, key, ITaskManager.TaskState.ScoreReady)
        );
        tm.abortTask(key);
    }

    // ------------------------------------------------------------------ F9: forced ether

    /// @dev Ether forced into both contracts changes none of their books: every party still gets exactly
    /// what it is owed, and the balances stay at least what is owed.
    function test_regression_F9_forcedEtherBreaksNoAccounting() public {
        bytes32 key = _create(0);
        address node = _node(key);
        new ForceSender{value: 1 ether}(payable(address(tm)));
        new ForceSender{value: 2 ether}(payable(address(registry)));
        assertEq(address(tm).balance, FEE + 1 ether);
        _submit(key, _score(1));
        vm.prank(app);
        tm.validateSingleTask(key);
        assertEq(tm.owed(node), FEE, "owed is the fee, not the balance");
        uint256 before = node.balance;
        vm.prank(node);
        tm.withdraw();
        assertEq(node.balance - before, FEE);
        vm.prank(node);
        registry.quit();
        vm.prank(node);
        registry.withdraw();
        assertEq(node.balance - before, FEE + MIN_STAKE, "stake back, forced ether untouched");
        assertGe(address(tm).balance, 0 + 1 ether);
        assertGe(address(registry).balance, registry.totalStaked() + registry.totalPendingWithdrawals());
    }

    // ------------------------------------------------------------------ relay review, finding 3

    /// @dev The node never uploads its result (or uploads files whose score differs from the one it commits)
    /// and reports a score anyway: the app cannot download, and if it stays silent the node is paid at
    /// finalization. A score now needs the relay's ResultAvailable(taskKey, keccak256(score)) statement.
    function test_regression_R3_scoreWithoutTheRelaysResultStatementIsRefused() public {
        bytes32 key = _create(0);
        _nextBlock();
        address node = _node(key);
        bytes memory score = _score(1);
        // No statement: the relay never received the files.
        vm.prank(node);
        vm.expectRevert(ITaskManager.InvalidRelaySignature.selector);
        tm.submitScore(key, score, "");
        // The relay holds files whose recomputed score is one bit off the committed one.
        bytes memory relays = _nearScore(1, 1);
        vm.prank(node);
        vm.expectRevert(ITaskManager.InvalidRelaySignature.selector);
        tm.submitScore(key, score, _resultStatement(key, relays));
        // A statement for another task with the same score.
        vm.prank(node);
        vm.expectRevert(ITaskManager.InvalidRelaySignature.selector);
        tm.submitScore(key, score, _resultStatement(keccak256("another task"), score));
        // Signed by someone other than the relay (the node itself).
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(uint256(keccak256("not the relay")), tm.resultAvailableDigest(key, keccak256(score)));
        bytes memory forged = abi.encodePacked(r, s, v);
        vm.prank(node);
        vm.expectRevert(ITaskManager.InvalidRelaySignature.selector);
        tm.submitScore(key, score, forged);
        // So the node is not paid: the task times out, the fee goes back to the app and the timeout counts.
        vm.warp(block.timestamp + tm.timeout(0));
        tm.abortTask(key);
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.EndAborted));
        assertEq(tm.owed(app), FEE);
        assertEq(registry.consecutiveTimeoutsOf(node), 1);
    }

    /// @dev The statement the relay signs after recomputing the same score lets the node report and be paid.
    function test_R3_scoreWithTheRelaysStatementIsPaid() public {
        bytes32 key = _create(0);
        address node = _node(key);
        _submit(key, _score(1));
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.ScoreReady));
        vm.prank(app);
        tm.validateSingleTask(key);
        assertEq(tm.owed(node), FEE);
    }

    /// @dev Without a relay signer (a development network) no statement is asked for.
    function test_R3_noRelaySignerNoResultStatement() public {
        tm.setRelaySigner(address(0));
        ITaskManager.CreateTaskParams memory p = _params(0);
        vm.prank(app);
        bytes32 key = tm.createTask{value: FEE}(p);
        _settle();
        _nextBlock();
        vm.prank(_node(key));
        tm.submitScore(key, _score(1), "");
        assertEq(uint256(_state(key)), uint256(ITaskManager.TaskState.ScoreReady));
    }

    /// @dev The digest is EIP-712 over the relay's domain, as the relay (viem signTypedData) computes it.
    function test_R3_resultAvailableDigestIsEip712() public view {
        bytes32 key = keccak256("k");
        bytes32 resultHash = keccak256("r");
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Verinet Relay"),
                keccak256("1"),
                block.chainid,
                address(tm)
            )
        );
        bytes32 structHash =
            keccak256(abi.encode(keccak256("ResultAvailable(bytes32 taskKey,bytes32 resultHash)"), key, resultHash));
        assertEq(tm.resultAvailableDigest(key, resultHash), keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
        assertEq(tm.RESULT_AVAILABLE_TYPEHASH(), keccak256("ResultAvailable(bytes32 taskKey,bytes32 resultHash)"));
    }
}
