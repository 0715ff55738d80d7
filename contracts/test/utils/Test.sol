// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "./Vm.sol";

/// @notice A minimal test base in the manner of forge-std's: the cheatcode handle, assertions that revert
/// with a readable message, `bound`, and invariant-test target selectors. forge recognizes `test*`,
/// `testFuzz*`, `invariant*` functions and `setUp` by name and fails a test whose call reverts.
abstract contract Test {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    bool public IS_TEST = true;

    address[] private _targetContracts;
    address[] private _excludeSenders;

    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    FuzzSelector[] private _targetSelectors;

    function targetContract(address target) internal {
        _targetContracts.push(target);
    }

    function targetSelector(FuzzSelector memory selector) internal {
        _targetSelectors.push(selector);
    }

    function excludeSender(address sender) internal {
        _excludeSenders.push(sender);
    }

    function targetContracts() public view returns (address[] memory) {
        return _targetContracts;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetSelectors;
    }

    function excludeSenders() public view returns (address[] memory) {
        return _excludeSenders;
    }

    error AssertionFailed(string message);

    function fail(string memory message) internal pure {
        revert AssertionFailed(message);
    }

    function assertTrue(bool condition) internal pure {
        if (!condition) fail("expected true");
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) fail(message);
    }

    function assertFalse(bool condition) internal pure {
        if (condition) fail("expected false");
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) fail(message);
    }

    function assertEq(uint256 a, uint256 b) internal pure {
        if (a != b) fail(string.concat("uint mismatch: ", _str(a), " != ", _str(b)));
    }

    function assertEq(uint256 a, uint256 b, string memory message) internal pure {
        if (a != b) fail(string.concat(message, ": ", _str(a), " != ", _str(b)));
    }

    function assertEq(int256 a, int256 b) internal pure {
        if (a != b) fail("int mismatch");
    }

    function assertEq(address a, address b) internal pure {
        if (a != b) fail("address mismatch");
    }

    function assertEq(address a, address b, string memory message) internal pure {
        if (a != b) fail(message);
    }

    function assertEq(bytes32 a, bytes32 b) internal pure {
        if (a != b) fail("bytes32 mismatch");
    }

    function assertEq(bytes32 a, bytes32 b, string memory message) internal pure {
        if (a != b) fail(message);
    }

    function assertEq(bool a, bool b) internal pure {
        if (a != b) fail("bool mismatch");
    }

    function assertEq(bool a, bool b, string memory message) internal pure {
        if (a != b) fail(message);
    }

    function assertEq(bytes memory a, bytes memory b) internal pure {
        if (keccak256(a) != keccak256(b)) fail("bytes mismatch");
    }

    function assertEq(bytes memory a, bytes memory b, string memory message) internal pure {
        if (keccak256(a) != keccak256(b)) fail(message);
    }

    function assertEq(string memory a, string memory b) internal pure {
        if (keccak256(bytes(a)) != keccak256(bytes(b))) fail(string.concat("string mismatch: ", a, " != ", b));
    }

    function assertNotEq(uint256 a, uint256 b) internal pure {
        if (a == b) fail("expected values to differ");
    }

    function assertNotEq(bytes32 a, bytes32 b) internal pure {
        if (a == b) fail("expected values to differ");
    }

    function assertNotEq(address a, address b) internal pure {
        if (a == b) fail("expected values to differ");
    }

    function assertGt(uint256 a, uint256 b) internal pure {
        if (a <= b) fail(string.concat("expected ", _str(a), " > ", _str(b)));
    }

    function assertGe(uint256 a, uint256 b) internal pure {
        if (a < b) fail(string.concat("expected ", _str(a), " >= ", _str(b)));
    }

    function assertGe(uint256 a, uint256 b, string memory message) internal pure {
        if (a < b) fail(string.concat(message, ": ", _str(a), " < ", _str(b)));
    }

    function assertGt(uint256 a, uint256 b, string memory message) internal pure {
        if (a <= b) fail(string.concat(message, ": ", _str(a), " <= ", _str(b)));
    }

    function assertLt(uint256 a, uint256 b) internal pure {
        if (a >= b) fail(string.concat("expected ", _str(a), " < ", _str(b)));
    }

    function assertLe(uint256 a, uint256 b) internal pure {
        if (a > b) fail(string.concat("expected ", _str(a), " <= ", _str(b)));
    }

    function assertLe(uint256 a, uint256 b, string memory message) internal pure {
        if (a > b) fail(string.concat(message, ": ", _str(a), " > ", _str(b)));
    }

    /// @dev Maps `x` into [min, max] without skewing small ranges, like forge-std's bound.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        uint256 size = max - min;
        if (size == type(uint256).max) return x;
        return min + (x % (size + 1));
    }

    /// @dev The address the `offset`-th contract this test contract creates from now on will get (CREATE): the
    /// NodeRegistry takes its TaskManager's address before that exists (session 8, immutable `taskManager`).
    function nextCreateAddress(uint256 offset) internal view returns (address) {
        uint256 nonce = uint256(vm.getNonce(address(this))) + offset;
        bytes memory encoded;
        if (nonce == 0) encoded = abi.encodePacked(bytes1(0x80));
        else if (nonce < 0x80) encoded = abi.encodePacked(uint8(nonce));
        else if (nonce <= 0xff) encoded = abi.encodePacked(bytes1(0x81), uint8(nonce));
        else if (nonce <= 0xffff) encoded = abi.encodePacked(bytes1(0x82), uint16(nonce));
        else encoded = abi.encodePacked(bytes1(0x83), uint24(nonce));
        bytes memory rlp =
            abi.encodePacked(bytes1(uint8(0xc0 + 21 + encoded.length)), bytes1(0x94), address(this), encoded);
        return address(uint160(uint256(keccak256(rlp))));
    }

    function makeAddr(string memory name) internal returns (address a) {
        a = vm.addr(uint256(keccak256(bytes(name))));
        vm.label(a, name);
    }

    function _str(uint256 value) private pure returns (string memory) {
        if (value == 0) return "0";
        uint256 digits;
        for (uint256 v = value; v != 0; v /= 10) {
            digits++;
        }
        bytes memory buffer = new bytes(digits);
        while (value != 0) {
            digits--;
            buffer[digits] = bytes1(uint8(48 + (value % 10)));
            value /= 10;
        }
        return string(buffer);
    }
}
