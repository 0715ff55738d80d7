// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Secp256k1
/// @notice The secp256k1 arithmetic the VRF verifier needs, all `pure`: field exponentiation (square
/// roots, inverses), point decompression, affine addition and a two-scalar multiplication in Jacobian
/// coordinates. The curve is y² = x³ + 7 over F_p with a group of prime order n (cofactor 1).
/// @dev The modexp precompile cannot be used: calling it needs `staticcall`, which the compiler treats as
/// reading state, and IVRFVerifier is `pure`. Square roots and inverses use addition chains instead.
library Secp256k1 {
    /// @dev Field prime p = 2²⁵⁶ − 2³² − 977.
    uint256 internal constant P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;
    /// @dev Group order n.
    uint256 internal constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    /// @dev Generator G.
    uint256 internal constant GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798;
    uint256 internal constant GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8;
    /// @dev Curve constant b.
    uint256 internal constant B = 7;

    /// @notice The inverse of a non-zero field element: a^(p−2) by the addition chain below.
    function invMod(uint256 a) internal pure returns (uint256) {
        (uint256 x2,, uint256 x22, uint256 x223) = _onesChain(a);
        // p − 2 = (2²²³−1)·2³³ + (2²²−1)·2¹⁰ + 1·2⁵ + (2²−1)·2² + 1, read as blocks of ones.
        uint256 t = mulmod(_squareTimes(x223, 23), x22, P);
        t = mulmod(_squareTimes(t, 5), a, P);
        t = mulmod(_squareTimes(t, 3), x2, P);
        return mulmod(_squareTimes(t, 2), a, P);
    }

    /// @notice a^((p+1)/4), a square root of a when a is a square (p ≡ 3 mod 4).
    function sqrtMod(uint256 a) internal pure returns (uint256) {
        (uint256 x2,, uint256 x22, uint256 x223) = _onesChain(a);
        // (p + 1)/4 = (2²²³−1)·2³¹ + (2²²−1)·2⁸ + (2²−1)·2², read as blocks of ones.
        uint256 t = mulmod(_squareTimes(x223, 23), x22, P);
        t = mulmod(_squareTimes(t, 6), x2, P);
        return _squareTimes(t, 2);
    }

    /// @dev a^(2^k − 1) for the block lengths k ∈ {2, 3, 22, 223} the two exponents above are made of,
    /// by the chain 1, 2, 3, 6, 9, 11, 22, 44, 88, 176, 220, 223 (libsecp256k1's): 222 squarings and 11
    /// multiplications. With the tails above a square root costs 253 squarings and 13 multiplications, an
    /// inverse 255 and 15, instead of the ~500 operations of a generic square-and-multiply.
    function _onesChain(uint256 a) private pure returns (uint256 x2, uint256 x3, uint256 x22, uint256 x223) {
        x2 = mulmod(mulmod(a, a, P), a, P);
        x3 = mulmod(mulmod(x2, x2, P), a, P);
        uint256 t = mulmod(_squareTimes(x3, 3), x3, P); // x6
        t = mulmod(_squareTimes(t, 3), x3, P); // x9
        t = mulmod(_squareTimes(t, 2), x2, P); // x11
        x22 = mulmod(_squareTimes(t, 11), t, P);
        uint256 x44 = mulmod(_squareTimes(x22, 22), x22, P);
        t = mulmod(_squareTimes(x44, 44), x44, P); // x88
        t = mulmod(_squareTimes(t, 88), t, P); // x176
        t = mulmod(_squareTimes(t, 44), x44, P); // x220
        x223 = mulmod(_squareTimes(t, 3), x3, P);
    }

    /// @dev a^(2^times): `times` successive squarings, four per loop turn to halve the loop overhead
    /// (the squarings are most of the gas of a square root or an inverse).
    function _squareTimes(uint256 a, uint256 times) private pure returns (uint256 result) {
        assembly ("memory-safe") {
            let p := P
            result := a
            for {} gt(times, 3) { times := sub(times, 4) } {
                result := mulmod(result, result, p)
                result := mulmod(result, result, p)
                result := mulmod(result, result, p)
                result := mulmod(result, result, p)
            }
            for {} times { times := sub(times, 1) } { result := mulmod(result, result, p) }
        }
    }

    /// @notice x³ + 7 mod p, the right-hand side of the curve equation.
    function curveRhs(uint256 x) internal pure returns (uint256) {
        return addmod(mulmod(mulmod(x, x, P), x, P), B, P);
    }

    /// @notice Whether (x, y) is an affine point of the curve (coordinates reduced, not the identity).
    function isOnCurve(uint256 x, uint256 y) internal pure returns (bool) {
        if (x >= P || y >= P) return false;
        return mulmod(y, y, P) == curveRhs(x);
    }

    /// @notice The point with abscissa x whose y has the given parity (true = odd), if there is one.
    function decompress(uint256 x, bool odd) internal pure returns (bool ok, uint256 y) {
        if (x >= P) return (false, 0);
        uint256 rhs = curveRhs(x);
        y = sqrtMod(rhs);
        if (mulmod(y, y, P) != rhs) return (false, 0);
        if ((y & 1 == 1) != odd) y = P - y;
        return (true, y);
    }

    /// @notice The compressed SEC1 encoding (0x02 | parity ‖ x) of an affine point.
    function compress(uint256 x, uint256 y) internal pure returns (bytes memory) {
        return abi.encodePacked(uint8(2 + (y & 1)), x);
    }

    /// @notice Affine P1 − P2 for two points on the curve. `ok` is false when the result is the identity.
    function subAffine(uint256 x1, uint256 y1, uint256 x2, uint256 y2)
        internal
        pure
        returns (bool ok, uint256 x3, uint256 y3)
    {
        // −P2 = (x2, −y2); y2 is never 0 on secp256k1 (x³ + 7 = 0 has no root in F_p).
        uint256 negY2 = P - y2;
        uint256 lambda;
        if (x1 == x2) {
            // Same x: P1 = P2 gives the identity; P1 = −P2 gives 2·P1 (tangent slope 3x²/2y).
            if (y1 == y2) return (false, 0, 0);
            lambda = mulmod(mulmod(3, mulmod(x1, x1, P), P), invMod(mulmod(2, y1, P)), P);
        } else {
            lambda = mulmod(addmod(negY2, P - y1, P), invMod(addmod(x2, P - x1, P)), P);
        }
        x3 = addmod(mulmod(lambda, lambda, P), P - addmod(x1, x2, P), P);
        y3 = addmod(mulmod(lambda, addmod(x1, P - x3, P), P), P - y1, P);
        return (true, x3, y3);
    }

    /// @notice a·A + b·B for affine points A, B on the curve and scalars below n (Shamir's trick: one
    /// shared doubling chain). `ok` is false when the result is the identity.
    function mulAdd(uint256 a, uint256[2] memory pointA, uint256 b, uint256[2] memory pointB)
        internal
        pure
        returns (bool ok, uint256[2] memory result)
    {
        // Jacobian (X, Y, Z) stands for (X/Z², Y/Z³); Z = 0 is the identity. table[1] = A, table[2] = B,
        // table[3] = A + B, indexed by the pair of scalar bits.
        uint256[3][4] memory table;
        table[1] = [pointA[0], pointA[1], 1];
        table[2] = [pointB[0], pointB[1], 1];
        table[3] = _addJacobian(table[1], table[2]);
        uint256[3] memory acc = [uint256(0), 1, 0];
        for (uint256 i = 256; i > 0; --i) {
            acc = _doubleJacobian(acc);
            uint256 selector = ((a >> (i - 1)) & 1) | (((b >> (i - 1)) & 1) << 1);
            if (selector != 0) acc = _addJacobian(acc, table[selector]);
        }
        if (acc[2] == 0) return (false, result);
        uint256 zInv = invMod(acc[2]);
        uint256 zInv2 = mulmod(zInv, zInv, P);
        result[0] = mulmod(acc[0], zInv2, P);
        result[1] = mulmod(acc[1], mulmod(zInv2, zInv, P), P);
        return (true, result);
    }

    /// @dev Doubling for a = 0 (dbl-2009-l).
    function _doubleJacobian(uint256[3] memory p1) private pure returns (uint256[3] memory) {
        if (p1[2] == 0 || p1[1] == 0) return [uint256(0), 1, 0];
        uint256 a = mulmod(p1[0], p1[0], P);
        uint256 b = mulmod(p1[1], p1[1], P);
        uint256 c = mulmod(b, b, P);
        uint256 xb = addmod(p1[0], b, P);
        uint256 d = mulmod(2, addmod(mulmod(xb, xb, P), P - addmod(a, c, P), P), P);
        uint256 e = mulmod(3, a, P);
        uint256 x3 = addmod(mulmod(e, e, P), P - mulmod(2, d, P), P);
        uint256 y3 = addmod(mulmod(e, addmod(d, P - x3, P), P), P - mulmod(8, c, P), P);
        uint256 z3 = mulmod(mulmod(2, p1[1], P), p1[2], P);
        return [x3, y3, z3];
    }

    /// @dev General addition (add-2007-bl without the Z1 = Z2 shortcut); handles the identity and P + P.
    /// Temporaries are reused to stay within the stack limit: after the first block, `zz1` holds H²,
    /// `zz2` holds H³ and `u1` holds U1·H².
    function _addJacobian(uint256[3] memory p1, uint256[3] memory p2) private pure returns (uint256[3] memory out) {
        if (p1[2] == 0) return p2;
        if (p2[2] == 0) return p1;
        uint256 zz1 = mulmod(p1[2], p1[2], P);
        uint256 zz2 = mulmod(p2[2], p2[2], P);
        uint256 u1 = mulmod(p1[0], zz2, P);
        uint256 s1 = mulmod(p1[1], mulmod(p2[2], zz2, P), P);
        uint256 h = addmod(mulmod(p2[0], zz1, P), P - u1, P);
        uint256 r = addmod(mulmod(p2[1], mulmod(p1[2], zz1, P), P), P - s1, P);
        if (h == 0) {
            // Same affine x: either the same point (double) or opposite points (identity).
            return r == 0 ? _doubleJacobian(p1) : [uint256(0), 1, 0];
        }
        zz1 = mulmod(h, h, P);
        zz2 = mulmod(zz1, h, P);
        u1 = mulmod(u1, zz1, P);
        out[0] = addmod(addmod(mulmod(r, r, P), P - zz2, P), P - mulmod(2, u1, P), P);
        out[1] = addmod(mulmod(r, addmod(u1, P - out[0], P), P), P - mulmod(s1, zz2, P), P);
        out[2] = mulmod(mulmod(p1[2], p2[2], P), h, P);
    }

    /// @notice Whether scalar1·G − scalar2·(x, y) equals the point whose Ethereum address is `expected`,
    /// computed by the ecrecover precompile instead of by scalar multiplication.
    /// @dev ecrecover(h, v, r, s) returns the address of r⁻¹·(s·R − h·G), where R is the curve point with
    /// abscissa r and y parity v − 27. With R = (x, y), r = x, s = −scalar2·x and h = −scalar1·x (mod n)
    /// that is scalar1·G − scalar2·(x, y). Needs 0 < x < n and scalar2·x ≢ 0 (mod n); otherwise the
    /// precompile refuses and this returns false.
    function ecrecoverMulSub(uint256 scalar1, uint256 scalar2, uint256 x, uint256 y, address expected)
        internal
        pure
        returns (bool)
    {
        if (x == 0 || x >= N) return false;
        uint256 sigS = N - mulmod(scalar2, x, N);
        if (sigS == N) return false;
        uint256 digest = mulmod(N - (scalar1 % N), x, N);
        uint8 v = y & 1 == 1 ? 28 : 27;
        address recovered = ecrecover(bytes32(digest), v, bytes32(x), bytes32(sigS));
        return recovered != address(0) && recovered == expected;
    }

    /// @notice Whether scalar·(x, y) equals the point whose Ethereum address is `expected` (ecrecover with
    /// h = 0 and s = scalar·x, so r⁻¹·s·R = scalar·R).
    function ecrecoverMul(uint256 scalar, uint256 x, uint256 y, address expected) internal pure returns (bool) {
        if (x == 0 || x >= N) return false;
        uint256 sigS = mulmod(scalar, x, N);
        if (sigS == 0) return false;
        uint8 v = y & 1 == 1 ? 28 : 27;
        address recovered = ecrecover(bytes32(0), v, bytes32(x), bytes32(sigS));
        return recovered != address(0) && recovered == expected;
    }

    /// @notice The Ethereum address of an affine point: the last 20 bytes of keccak256(x ‖ y).
    function toAddress(uint256 x, uint256 y) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked(x, y)))));
    }
}
