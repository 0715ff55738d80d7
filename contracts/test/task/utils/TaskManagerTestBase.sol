// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IIncentivePool} from "../../../src/interfaces/IIncentivePool.sol";
import {INodeRegistry} from "../../../src/interfaces/INodeRegistry.sol";
import {ITaskManager} from "../../../src/interfaces/ITaskManager.sol";
import {IVRFVerifier} from "../../../src/interfaces/IVRFVerifier.sol";
import {NodeRegistry} from "../../../src/node/NodeRegistry.sol";
import {IncentivePool} from "../../../src/pool/IncentivePool.sol";
import {TaskManager} from "../../../src/task/TaskManager.sol";
import {Test} from "../../utils/Test.sol";
import {MockVRFVerifier} from "./MockVRFVerifier.sol";
import {VmExt} from "./VmExt.sol";

/// @notice Real NodeRegistry and IncentivePool, a stand-in VRF, one app and a few nodes, plus helpers that
/// play the app's and the nodes' parts of the protocol.
abstract contract TaskManagerTestBase is Test {
    VmExt internal constant vmx = VmExt(address(uint160(uint256(keccak256("hevm cheat code")))));

    uint256 internal constant MIN_STAKE = 1 ether;
    uint256 internal constant FEE = 0.01 ether;
    bytes32 internal constant MODEL = keccak256("stable-diffusion-1.5");
    string internal constant GPU = "NVIDIA GeForce RTX 4090";
    uint64 internal constant VERSION = uint64(1) << 32;
    bytes32 internal constant GUID = keccak256("guid");
    bytes32 internal constant ARGS_HASH = keccak256("canonical args");
    /// @dev The relay's signing key: every task the helpers create carries its ArgsAvailable statement.
    uint256 internal constant RELAY_KEY = uint256(keccak256("test relay"));

    address internal owner = address(this);
    IncentivePool internal pool;
    NodeRegistry internal registry;
    MockVRFVerifier internal vrf;
    TaskManager internal tm;

    address internal app;
    bytes internal appPublicKey;
    address[] internal nodes;
    bytes32 internal blockhashSalt = keccak256("blocks");
    /// @dev The seed each task's node folded into its commitment (as the event reports it).
    mapping(bytes32 => bytes32) internal seedOf;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        vm.roll(1000);
        pool = new IncentivePool(owner);
        registry = new NodeRegistry(owner, IIncentivePool(address(pool)), nextCreateAddress(2), MIN_STAKE);
        vrf = new MockVRFVerifier();
        tm = new TaskManager(INodeRegistry(address(registry)), IVRFVerifier(address(vrf)), owner);
        assertEq(registry.taskManager(), address(tm), "precomputed TaskManager address");
        tm.setRelaySigner(vm.addr(RELAY_KEY));
        // Three nodes and LLM tasks pinned to GPUs nobody has (to queue them): no bucket floor here; the
        // floor has its own tests (test/hardening).
        registry.setMinExactBucket(0);

        VmExt.Wallet memory wallet = vmx.createWallet(uint256(keccak256("app")));
        app = wallet.addr;
        appPublicKey = abi.encodePacked(wallet.publicKeyX, wallet.publicKeyY);
        vm.deal(app, 1000 ether);
        for (uint256 i = 0; i < _nodeCount(); ++i) {
            _joinNode(uint256(keccak256(abi.encode("node", i))), GPU);
        }
    }

    function _nodeCount() internal pure virtual returns (uint256) {
        return 3;
    }

    function _joinNode(uint256 key, string memory gpu) internal returns (address node) {
        VmExt.Wallet memory wallet = vmx.createWallet(key);
        node = wallet.addr;
        vm.deal(node, 10 ether);
        bytes32[] memory models = new bytes32[](1);
        models[0] = MODEL;
        vm.prank(node);
        registry.join{value: MIN_STAKE}(
            gpu, 24, VERSION, abi.encodePacked(wallet.publicKeyX, wallet.publicKeyY), address(0), models
        );
        nodes.push(node);
    }

    // ------------------------------------------------------------------ app side

    function _nonce(uint256 i) internal pure returns (bytes32) {
        return keccak256(abi.encode("nonce", i));
    }

    function _salt(uint256 i) internal pure returns (bytes32) {
        return keccak256(abi.encode("salt", i));
    }

    function _key(uint256 i) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(GUID, _nonce(i)));
    }

    function _params(uint256 i) internal pure returns (ITaskManager.CreateTaskParams memory p) {
        return _paramsFor(i, ARGS_HASH, 0, bytes32(0));
    }

    function _paramsFor(uint256 i, bytes32 argsHash, uint8 taskType, bytes32 gpu)
        internal
        pure
        returns (ITaskManager.CreateTaskParams memory p)
    {
        bytes32[] memory models = new bytes32[](1);
        models[0] = MODEL;
        p = ITaskManager.CreateTaskParams({
            taskType: taskType,
            modelIds: models,
            minVram: 8,
            requiredGpu: gpu,
            version: VERSION,
            taskSize: 1,
            taskIdCommitment: keccak256(abi.encodePacked(GUID, _nonce(i))),
            argsCommitment: keccak256(abi.encodePacked(argsHash, _salt(i))),
            relayExpiry: 0,
            relaySignature: ""
        });
    }

    function _create(uint256 i) internal returns (bytes32 key) {
        return _createWith(_params(i));
    }

    /// @dev Creates the task and settles its draw in the next block (finding 1: the node is drawn from the
    /// creation block's hash by a later transaction), as the first transaction of that block would.
    function _createWith(ITaskManager.CreateTaskParams memory p) internal returns (bytes32 key) {
        key = _createPending(p);
        _settle();
    }

    /// @dev Creates the task and leaves it Pending (its draw waits for a later block).
    function _createPending(ITaskManager.CreateTaskParams memory p) internal returns (bytes32 key) {
        p = _attested(p, app);
        vm.prank(app);
        key = tm.createTask{value: FEE}(p);
    }

    /// @dev Moves to the next block and settles the pending draws.
    function _settle() internal {
        _nextBlock();
        tm.settleDraws();
    }

    /// @dev `p` with the relay's statement that `creator` uploaded its arguments (valid for 10 minutes).
    function _attested(ITaskManager.CreateTaskParams memory p, address creator)
        internal
        view
        returns (ITaskManager.CreateTaskParams memory)
    {
        if (p.relaySignature.length != 0) return p;
        p.relayExpiry = uint64(block.timestamp + 10 minutes);
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(RELAY_KEY, tm.argsAvailableDigest(creator, p.argsCommitment, p.relayExpiry));
        p.relaySignature = abi.encodePacked(r, s, v);
        return p;
    }

    /// @dev Moves to the next block and gives the block just left a hash (forge's own may be zero).
    function _nextBlock() internal {
        vmx.setBlockhash(block.number, keccak256(abi.encode(blockhashSalt, block.number)));
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + 12);
    }

    function _state(bytes32 key) internal view returns (ITaskManager.TaskState) {
        return tm.getTask(key).state;
    }

    function _node(bytes32 key) internal view returns (address) {
        return tm.getTask(key).node;
    }

    // ------------------------------------------------------------------ node side

    function _score(uint256 variant) internal pure returns (bytes memory) {
        // Two images: two 64-bit pHash blocks.
        return abi.encodePacked(bytes8(keccak256(abi.encode(variant))), bytes8(keccak256(abi.encode(variant, 1))));
    }

    /// @dev A score within the Hamming threshold of `_score(variant)`: flips `bits` bits of the first block.
    function _nearScore(uint256 variant, uint256 bits) internal pure returns (bytes memory score) {
        score = _score(variant);
        for (uint256 b = 0; b < bits; ++b) {
            score[b / 8] = score[b / 8] ^ bytes1(uint8(1) << uint8(b % 8));
        }
    }

    /// @dev A node never answers in its start block (its seed is not fixed yet): time passes first.
    function _submit(bytes32 key, bytes memory score) internal {
        if (tm.getTask(key).seedBlock >= block.number) _nextBlock();
        seedOf[key] = tm.samplingSeed(key);
        vm.prank(_node(key));
        tm.submitScore(key, score, _resultStatement(key, score));
    }

    /// @dev The relay's ResultAvailable(key, keccak256(score)) statement: it holds the node's files. The
    /// digest is built here, not read from the contract, so that it makes no call (a pending prank stays).
    function _resultStatement(bytes32 key, bytes memory score) internal view returns (bytes memory) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Verinet Relay"),
                keccak256("1"),
                block.chainid,
                address(tm)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(keccak256("ResultAvailable(bytes32 taskKey,bytes32 resultHash)"), key, keccak256(score))
        );
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(RELAY_KEY, keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
        return abi.encodePacked(r, s, v);
    }

    function _reportError(bytes32 key) internal {
        if (tm.getTask(key).seedBlock >= block.number) _nextBlock();
        seedOf[key] = tm.samplingSeed(key);
        vm.prank(_node(key));
        tm.reportTaskError(key, 1);
    }

    // ------------------------------------------------------------------ VSS

    /// @dev A stand-in proof for `seed` whose output is (sampled) or is not a multiple of the denominator.
    function _proof(bytes32 seed, bool sampled) internal view returns (bytes memory proof) {
        bytes32 binding = keccak256(abi.encodePacked(appPublicKey, abi.encodePacked(seed)));
        uint256 denominator = tm.samplingDenominator();
        for (uint256 tail = 0;; ++tail) {
            proof = abi.encodePacked(bytes1(0x02), binding, bytes16(0), bytes32(tail));
            bool hit = uint256(vrf.proofToHash(proof)) % denominator == 0;
            if (hit == sampled) return proof;
        }
    }

    function _group(bytes32[3] memory keys, uint256[3] memory ids, bytes[3] memory scores)
        internal
        view
        virtual
        returns (ITaskManager.GroupValidation memory g)
    {
        g.taskKeys = keys;
        for (uint256 i = 0; i < 3; ++i) {
            g.seeds[i] = seedOf[keys[i]];
        }
        bytes32 seed = g.seeds[0] == bytes32(0) ? tm.samplingSeed(keys[0]) : g.seeds[0];
        g.guid = GUID;
        g.argsHash = ARGS_HASH;
        for (uint256 i = 0; i < 3; ++i) {
            g.nonces[i] = _nonce(ids[i]);
            g.salts[i] = _salt(ids[i]);
        }
        g.scores = scores;
        bytes32[] memory models = new bytes32[](1);
        models[0] = MODEL;
        g.modelIds = models;
        g.minVram = 8;
        g.requiredGpu = bytes32(0);
        g.version = VERSION;
        g.vrfProof = _proof(seed, true);
        g.publicKey = appPublicKey;
        (g.uPoint, g.vComponents) = vrf.helpers(g.vrfProof);
    }

    function _validateGroup(ITaskManager.GroupValidation memory g) internal {
        vm.prank(app);
        tm.validateTaskGroup(g);
    }

    /// @dev Creates the original (id 0) and, a block later, the two extra members (ids 1 and 2).
    function _createGroup() internal returns (bytes32[3] memory keys) {
        keys[0] = _create(0);
        _nextBlock();
        keys[1] = _create(1);
        keys[2] = _create(2);
    }

    function _ids() internal pure returns (uint256[3] memory) {
        return [uint256(0), 1, 2];
    }
}
