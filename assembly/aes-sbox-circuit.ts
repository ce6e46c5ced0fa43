// The AES S-box as a boolean circuit on bit planes: Boyar & Peralta, "A depth-16 circuit for the
// AES S-box" (ePrint 2011/332), 113 gates — a top linear layer, inversion in GF(2^4)-towers, and a
// bottom linear layer. Here the four XNOR outputs are plain XORs, so `sboxCore` computes
// L(x^-1), the S-box without its constant 0x63; callers add the constant (or not, for the inverse).
//
// Bit naming follows the paper: u0 is the most significant bit of the byte (plane 7) and
// s0 the most significant output bit.
//
// `inverseSboxCore` is the inverse S-box from the same non-linear middle: inversion is an involution,
// so S⁻¹(x) = inv(L⁻¹(x ⊕ 0x63)) is the middle between two other linear layers, the top layer
// composed with L⁻¹ and L⁻¹ composed with the bottom layer (the linear part of the inverse affine
// map, §5.3.2: b_i = x_{i+2} ⊕ x_{i+5} ⊕ x_{i+7}). Each composition was reduced to a short XOR
// program by Boyar and Peralta's shortest-linear-program heuristic (24 XORs on top, 32
// below, where applying L⁻¹ on both sides of the forward circuit costs 23 + 30 + 2 × 16).

import { afterSbox } from './aes-layers';
import { plane } from './bitslice';

/** The circuit on the planes at `s`; its outputs go through `layer` (with round key `k`) to `s`. */
@inline export function sboxCore(s: usize, k: usize, layer: i32): void {
  const u0 = plane(s, 7), u1 = plane(s, 6), u2 = plane(s, 5), u3 = plane(s, 4);
  const u4 = plane(s, 3), u5 = plane(s, 2), u6 = plane(s, 1), u7 = plane(s, 0);

  // Top linear layer.
  const y14 = v128.xor(u3, u5);
  const y13 = v128.xor(u0, u6);
  const y9 = v128.xor(u0, u3);
  const y8 = v128.xor(u0, u5);
  const a0 = v128.xor(u1, u2);
  const y1 = v128.xor(a0, u7);
  const y4 = v128.xor(y1, u3);
  const y12 = v128.xor(y13, y14);
  const y2 = v128.xor(y1, u0);
  const y5 = v128.xor(y1, u6);
  const y3 = v128.xor(y5, y8);
  const a1 = v128.xor(u4, y12);
  const y15 = v128.xor(a1, u5);
  const y20 = v128.xor(a1, u1);
  const y6 = v128.xor(y15, u7);
  const y10 = v128.xor(y15, a0);
  const y11 = v128.xor(y20, y9);
  const y7 = v128.xor(u7, y11);
  const y17 = v128.xor(y10, y11);
  const y19 = v128.xor(y10, y8);
  const y16 = v128.xor(a0, y11);
  const y21 = v128.xor(y13, y16);
  const y18 = v128.xor(u0, y16);

  sboxMiddle(s, k, layer, false, u7, y1, y2, y3, y4, y5, y6, y7, y8, y9, y10, y11, y12, y13, y14, y15, y16, y17, y18, y19, y20, y21);
}

/**
 * The inverse S-box without its affine constant (the caller adds 0x63 to the input, with the round
 * key) on the planes at `s`, through `layer` to `s`. Planes x0..x7 are bits 0..7.
 */
@inline export function inverseSboxCore(s: usize, k: usize, layer: i32): void {
  const x0 = plane(s, 0), x1 = plane(s, 1), x2 = plane(s, 2), x3 = plane(s, 3);
  const x4 = plane(s, 4), x5 = plane(s, 5), x6 = plane(s, 6), x7 = plane(s, 7);

  // Top linear layer after L⁻¹ (y0 is the signal the forward circuit takes straight from u7).
  const y5 = v128.xor(x4, x6);
  const t0 = v128.xor(x0, x1);
  const y9 = v128.xor(x3, x4);
  const y8 = v128.xor(x6, x7);
  const y4 = v128.xor(y5, t0);
  const y7 = v128.xor(x5, y4);
  const t1 = v128.xor(x2, x7);
  const y11 = v128.xor(y4, t1);
  const y19 = v128.xor(x0, x3);
  const y1 = v128.xor(x0, y9);
  const y10 = v128.xor(y8, y19);
  const y21 = v128.xor(x1, y7);
  const y0 = v128.xor(y7, y11);
  const y6 = v128.xor(x7, y5);
  const y2 = v128.xor(y9, y4);
  const y13 = v128.xor(x1, y1);
  const y17 = v128.xor(y11, y10);
  const y20 = v128.xor(y9, y11);
  const y3 = v128.xor(y5, y8);
  const y14 = v128.xor(y9, y8);
  const y12 = v128.xor(t0, y8);
  const y18 = v128.xor(y7, y2);
  const y16 = v128.xor(y7, y1);
  const y15 = v128.xor(y0, y6);

  sboxMiddle(s, k, layer, true, y0, y1, y2, y3, y4, y5, y6, y7, y8, y9, y10, y11, y12, y13, y14, y15, y16, y17, y18, y19, y20, y21);
}

/** The non-linear middle shared by both circuits, then the bottom layer of the one asked for. */
@inline function sboxMiddle(s: usize, k: usize, layer: i32, inverse: bool,
  u7: v128, y1: v128, y2: v128, y3: v128, y4: v128, y5: v128, y6: v128, y7: v128, y8: v128, y9: v128, y10: v128,
  y11: v128, y12: v128, y13: v128, y14: v128, y15: v128, y16: v128, y17: v128, y18: v128, y19: v128, y20: v128, y21: v128): void {
  const m2 = v128.and(y12, y15);
  const m3 = v128.and(y3, y6);
  const m4 = v128.xor(m3, m2);
  const m5 = v128.and(y4, u7);
  const m6 = v128.xor(m5, m2);
  const m7 = v128.and(y13, y16);
  const m8 = v128.and(y5, y1);
  const m9 = v128.xor(m8, m7);
  const m10 = v128.and(y2, y7);
  const m11 = v128.xor(m10, m7);
  const m12 = v128.and(y9, y11);
  const m13 = v128.and(y14, y17);
  const m14 = v128.xor(m13, m12);
  const m15 = v128.and(y8, y10);
  const m16 = v128.xor(m15, m12);
  const m17 = v128.xor(m4, m14);
  const m18 = v128.xor(m6, m16);
  const m19 = v128.xor(m9, m14);
  const m20 = v128.xor(m11, m16);
  const m21 = v128.xor(m17, y20);
  const m22 = v128.xor(m18, y19);
  const m23 = v128.xor(m19, y21);
  const m24 = v128.xor(m20, y18);
  // Inversion in GF(2^4).
  const m25 = v128.xor(m21, m22);
  const m26 = v128.and(m21, m23);
  const m27 = v128.xor(m24, m26);
  const m28 = v128.and(m25, m27);
  const m29 = v128.xor(m28, m22);
  const m30 = v128.xor(m23, m24);
  const m31 = v128.xor(m22, m26);
  const m32 = v128.and(m31, m30);
  const m33 = v128.xor(m32, m24);
  const m34 = v128.xor(m23, m33);
  const m35 = v128.xor(m27, m33);
  const m36 = v128.and(m24, m35);
  const m37 = v128.xor(m36, m34);
  const m38 = v128.xor(m27, m36);
  const m39 = v128.and(m29, m38);
  const m40 = v128.xor(m25, m39);
  // Back to GF(2^8).
  const m41 = v128.xor(m40, m37);
  const m42 = v128.xor(m29, m33);
  const m43 = v128.xor(m29, m40);
  const m44 = v128.xor(m33, m37);
  const m45 = v128.xor(m42, m41);
  const z0 = v128.and(m44, y15);
  const z1 = v128.and(m37, y6);
  const z2 = v128.and(m33, u7);
  const z3 = v128.and(m43, y16);
  const z4 = v128.and(m40, y1);
  const z5 = v128.and(m29, y7);
  const z6 = v128.and(m42, y11);
  const z7 = v128.and(m45, y17);
  const z8 = v128.and(m41, y10);
  const z9 = v128.and(m44, y12);
  const z10 = v128.and(m37, y3);
  const z11 = v128.and(m33, y4);
  const z12 = v128.and(m43, y13);
  const z13 = v128.and(m40, y5);
  const z14 = v128.and(m29, y2);
  const z15 = v128.and(m42, y9);
  const z16 = v128.and(m45, y14);
  const z17 = v128.and(m41, y8);

  if (inverse) inverseBottom(s, k, layer, z0, z1, z2, z3, z4, z5, z6, z7, z8, z9, z10, z11, z12, z13, z14, z15, z16, z17);
  else forwardBottom(s, k, layer, z0, z1, z2, z3, z4, z5, z6, z7, z8, z9, z10, z11, z12, z13, z14, z15, z16, z17);
}

/** The forward circuit's bottom layer: planes 0..7 are L(x⁻¹), bits 0..7. */
@inline function forwardBottom(s: usize, k: usize, layer: i32,
  z0: v128, z1: v128, z2: v128, z3: v128, z4: v128, z5: v128, z6: v128, z7: v128, z8: v128,
  z9: v128, z10: v128, z11: v128, z12: v128, z13: v128, z14: v128, z15: v128, z16: v128, z17: v128): void {
  const b46 = v128.xor(z15, z16);
  const b47 = v128.xor(z10, z11);
  const b48 = v128.xor(z5, z13);
  const b49 = v128.xor(z9, z10);
  const b50 = v128.xor(z2, z12);
  const b51 = v128.xor(z2, z5);
  const b52 = v128.xor(z7, z8);
  const b53 = v128.xor(z0, z3);
  const b54 = v128.xor(z6, z7);
  const b55 = v128.xor(z16, z17);
  const b56 = v128.xor(z12, b48);
  const b57 = v128.xor(b50, b53);
  const b58 = v128.xor(z4, b46);
  const b59 = v128.xor(z3, b54);
  const b60 = v128.xor(b46, b57);
  const b61 = v128.xor(z14, b57);
  const b62 = v128.xor(b52, b58);
  const b63 = v128.xor(b49, b58);
  const b64 = v128.xor(z4, b59);
  const b65 = v128.xor(b61, b62);
  const b66 = v128.xor(z1, b63);
  const b67 = v128.xor(b64, b65);
  const s3 = v128.xor(b53, b66);

  // Planes 0..7 are outputs s7..s0.
  afterSbox(s, k, layer,
    v128.xor(b48, b60), v128.xor(b56, b62), v128.xor(b47, b65), v128.xor(b51, b66),
    s3, v128.xor(b55, b67), v128.xor(b64, s3), v128.xor(b59, b63));
}

/** The bottom layer followed by L⁻¹: planes p0..p7 are bits 0..7 of the inverse S-box. */
@inline function inverseBottom(s: usize, k: usize, layer: i32,
  z0: v128, z1: v128, z2: v128, z3: v128, z4: v128, z5: v128, z6: v128, z7: v128, z8: v128,
  z9: v128, z10: v128, z11: v128, z12: v128, z13: v128, z14: v128, z15: v128, z16: v128, z17: v128): void {
  const c0 = v128.xor(z6, z15);
  const c1 = v128.xor(z13, c0);
  const c2 = v128.xor(z12, c1);
  const c3 = v128.xor(z16, c2);
  const c4 = v128.xor(z8, c3);
  const c5 = v128.xor(z3, z4);
  const c6 = v128.xor(z2, z10);
  const c7 = v128.xor(z5, c4);
  const c8 = v128.xor(z9, z17);
  const c9 = v128.xor(z0, z4);
  const c10 = v128.xor(z14, c5);
  const c11 = v128.xor(z1, c6);
  const c12 = v128.xor(c10, c11);
  const p7 = v128.xor(z3, c7);
  const c13 = v128.xor(z0, c4);
  const p4 = v128.xor(z2, c13);
  const c14 = v128.xor(c7, c9);
  const c15 = v128.xor(z11, c4);
  const p2 = v128.xor(z1, c14);
  const c16 = v128.xor(z7, c5);
  const p1 = v128.xor(c3, c16);
  const c17 = v128.xor(c12, c15);
  const p5 = v128.xor(z13, c17);
  const c18 = v128.xor(z11, c8);
  const c19 = v128.xor(z16, c17);
  const p0 = v128.xor(z15, c18);
  const c20 = v128.xor(z12, c19);
  const p6 = v128.xor(c18, c20);
  const c21 = v128.xor(p1, c19);
  const c22 = v128.xor(p2, c21);
  const c23 = v128.xor(z14, z17);
  const p3 = v128.xor(c22, c23);
  afterSbox(s, k, layer, p0, p1, p2, p3, p4, p5, p6, p7);
}
