// AVX2 + FMA kernels for quant_matmul.h. Compiled with -mavx2 -mfma -mf16c (CMakeLists.txt sets them
// on this file only, with -ffp-contract=off so only the FMAs written here are fused).
//
// A tile computes R weight rows x C activation rows with R*C accumulators of 8 float lanes. Per
// 32-weight block: the weights are loaded once per tile, as 32 int8 lanes (Q4 nibbles unpacked in
// GGML order), and multiplied with the activation block by the signed-byte trick of llama.cpp's
// vec_dot_q8_0_q8_0 (maddubs needs one unsigned operand: |w| times x with w's sign), giving 8 exact
// int32 partial sums of 4 products each; those are scaled by d_w * d_x and accumulated with FMA.
// Decode (batch < 4) walks the weights in address order, one row after another (row_q8, four
// accumulators over the row's blocks): interleaving several rows (4x1 tiles, tried first) splits the
// access into short streams the hardware prefetcher follows badly — 6 GB/s instead of 16 GB/s from DRAM for
// Qwen2.5-0.5B's 896-wide Q8_0 rows, counted in thread CPU time. Batches are compute-bound and use
// 2x4 tiles: each weight block, loaded once, meets 4 activation rows.
#include "kernels/quant_matmul_avx2.h"

#if defined(__x86_64__)

#include <immintrin.h>

#include <cstring>
#include <type_traits>

#include "kernels/avx2_hsum.h"

namespace r1::kernels::avx2 {
namespace {

inline float load_fp16(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

// 16 bytes of nibbles -> 32 bytes 0..15: bytes 0..15 the low nibbles, 16..31 the high ones (GGML order).
inline __m256i unpack_nibbles(const uint8_t* qs) {
  const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m256i b = _mm256_set_m128i(_mm_srli_epi16(t, 4), t);
  return _mm256_and_si256(b, _mm256_set1_epi8(0x0f));
}

// Per format: the block size, the 32 weights as bytes, whether they are signed (q8_0, q4_0) or
// unsigned with an offset m (q4_1), and the scales.
template <QuantType T>
struct Format;
template <>
struct Format<QuantType::q8_0> {
  static constexpr int64_t kBytes = sizeof(BlockQ8_0);
  static constexpr bool kSigned = true;
  static __m256i q(const uint8_t* b) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2)); }
  static float d(const uint8_t* b) { return load_fp16(b); }
  static float m(const uint8_t*) { return 0.0f; }
};
template <>
struct Format<QuantType::q4_0> {
  static constexpr int64_t kBytes = sizeof(BlockQ4_0);
  static constexpr bool kSigned = true;
  static __m256i q(const uint8_t* b) { return _mm256_sub_epi8(unpack_nibbles(b + 2), _mm256_set1_epi8(8)); }
  static float d(const uint8_t* b) { return load_fp16(b); }
  static float m(const uint8_t*) { return 0.0f; }
};
template <>
struct Format<QuantType::q4_1> {
  static constexpr int64_t kBytes = sizeof(BlockQ4_1);
  static constexpr bool kSigned = false;
  static __m256i q(const uint8_t* b) { return unpack_nibbles(b + 4); }
  static float d(const uint8_t* b) { return load_fp16(b); }
  static float m(const uint8_t* b) { return load_fp16(b + 2); }
};

// Σ over groups of 4 bytes of w*x as 8 exact int32 lanes, converted to float (|lane| <= 4*128*127).
// Signed w: maddubs(|w|, sign(x, w)); `aw` is |w| (precomputed once per tile).
template <bool Signed>
inline __m256 dot_lanes(__m256i w, __m256i aw, __m256i x) {
  const __m256i p16 = Signed ? _mm256_maddubs_epi16(aw, _mm256_sign_epi8(x, w)) : _mm256_maddubs_epi16(w, x);
  return _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, _mm256_set1_epi16(1)));
}

template <QuantType T, int R, int C>
void tile_q8(const Weights& w, const Acts& xa, int64_t r0, int64_t b0, float* y, int64_t ldy) {
  const BlockQ8_0* x = xa.blocks;
  const int32_t* sums = xa.sums;
  using W = Format<T>;
  const int64_t nb = w.cols / kQuantBlock;
  const uint8_t* wr[R];
  for (int r = 0; r < R; ++r) wr[r] = w.data + (r0 + r) * w.row_bytes;
  const BlockQ8_0* xr[C];
  const int32_t* xs[C];
  for (int c = 0; c < C; ++c) {
    xr[c] = x + (b0 + c) * nb;
    xs[c] = sums + (b0 + c) * nb;
  }
  __m256 acc[R][C];
  float offset[R][C];  // q4_1: Σ_k m_k d_x Σ_j q_x
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) {
      acc[r][c] = _mm256_setzero_ps();
      offset[r][c] = 0.0f;
    }
  for (int64_t k = 0; k < nb; ++k) {
    __m256i q[R], aq[R];
    float d[R], m[R];
    for (int r = 0; r < R; ++r) {
      const uint8_t* blk = wr[r] + k * W::kBytes;
      q[r] = W::q(blk);
      aq[r] = W::kSigned ? _mm256_sign_epi8(q[r], q[r]) : q[r];
      d[r] = W::d(blk);
      m[r] = W::m(blk);
    }
    for (int c = 0; c < C; ++c) {
      const __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xr[c][k].qs));
      const float dx = _cvtsh_ss(xr[c][k].d);
      for (int r = 0; r < R; ++r) {
        acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(d[r] * dx), dot_lanes<W::kSigned>(q[r], aq[r], xq), acc[r][c]);
        if (T == QuantType::q4_1) offset[r][c] += m[r] * (dx * static_cast<float>(xs[c][k]));
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) y[(b0 + c) * ldy + r0 + r] = hsum(acc[r][c]) + offset[r][c];
}

// One weight row times one activation row: the decode product (batch < 4). Four accumulators over
// consecutive blocks: with one, every block's FMA waits for the previous block's (4 cycles); four let
// the core overlap the blocks while still reading the row in address order. Block k goes to
// accumulator k % 4 (the tail to accumulator 0); the four are added pairwise at the end. The
// activation scales come as fp32 (Acts::scales), and Q4_0 multiplies its unsigned nibbles n with x
// and subtracts 8 Σx per group of 4 (Acts::quads): the same exact int32 lanes as (n - 8) · x by the
// sign trick, in fewer instructions per block.
template <QuantType T>
void row_q8(const Weights& w, const Acts& xa, int64_t r, int64_t b, float* y, int64_t ldy) {
  using W = Format<T>;
  const int64_t nb = w.cols / kQuantBlock;
  const uint8_t* wr = w.data + r * w.row_bytes;
  const BlockQ8_0* xr = xa.blocks + b * nb;
  const int32_t* xs = xa.sums + b * nb;
  const float* dx = xa.scales + b * nb;
  const int32_t* quads = xa.quads + b * nb * 8;
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  float offset[4] = {0.0f, 0.0f, 0.0f, 0.0f};  // q4_1: Σ_k m_k d_x Σ_j q_x
  auto block = [&](int64_t k, int u) {
    const uint8_t* blk = wr + k * W::kBytes;
    const __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xr[k].qs));
    __m256 lanes;
    if constexpr (T == QuantType::q4_0) {
      const __m256i n = unpack_nibbles(blk + 2);
      const __m256i nx = _mm256_madd_epi16(_mm256_maddubs_epi16(n, xq), ones);
      const __m256i q8 = _mm256_slli_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(quads + k * 8)), 3);
      lanes = _mm256_cvtepi32_ps(_mm256_sub_epi32(nx, q8));
    } else {
      const __m256i q = W::q(blk);
      lanes = dot_lanes<W::kSigned>(q, W::kSigned ? _mm256_sign_epi8(q, q) : q, xq);
    }
    acc[u] = _mm256_fmadd_ps(_mm256_set1_ps(W::d(blk) * dx[k]), lanes, acc[u]);
    if (T == QuantType::q4_1) offset[u] += W::m(blk) * (dx[k] * static_cast<float>(xs[k]));
  };
  int64_t k = 0;
  for (; k + 4 <= nb; k += 4) {
    block(k, 0);
    block(k + 1, 1);
    block(k + 2, 2);
    block(k + 3, 3);
  }
  for (; k < nb; ++k) block(k, 0);
  const __m256 s = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
  y[b * ldy + r] = hsum(s) + ((offset[0] + offset[1]) + (offset[2] + offset[3]));
}

// The 4 groups of 8 weights of a 32-byte block register as floats.
inline void widen(__m256i q, bool is_signed, __m256 out[4]) {
  const __m128i lo = _mm256_castsi256_si128(q), hi = _mm256_extracti128_si256(q, 1);
  const __m128i parts[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
  for (int i = 0; i < 4; ++i)
    out[i] = _mm256_cvtepi32_ps(is_signed ? _mm256_cvtepi8_epi32(parts[i]) : _mm256_cvtepu8_epi32(parts[i]));
}

template <QuantType T, int R, int C>
void tile_f32(const Weights& w, const float* x, int64_t r0, int64_t b0, float* y, int64_t ldy) {
  using W = Format<T>;
  const int64_t nb = w.cols / kQuantBlock;
  const uint8_t* wr[R];
  for (int r = 0; r < R; ++r) wr[r] = w.data + (r0 + r) * w.row_bytes;
  __m256 acc[R][C];
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) acc[r][c] = _mm256_setzero_ps();
  for (int64_t k = 0; k < nb; ++k) {
    __m256 wf[R][4];
    float d[R], m[R];
    for (int r = 0; r < R; ++r) {
      const uint8_t* blk = wr[r] + k * W::kBytes;
      widen(W::q(blk), W::kSigned, wf[r]);
      d[r] = W::d(blk);
      m[r] = W::m(blk);
    }
    for (int c = 0; c < C; ++c) {
      const float* xk = x + (b0 + c) * w.cols + k * kQuantBlock;
      __m256 xv[4];
      for (int i = 0; i < 4; ++i) xv[i] = _mm256_loadu_ps(xk + 8 * i);
      for (int r = 0; r < R; ++r) {
        __m256 s = _mm256_mul_ps(wf[r][0], xv[0]);
        for (int i = 1; i < 4; ++i) s = _mm256_fmadd_ps(wf[r][i], xv[i], s);
        acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(d[r]), s, acc[r][c]);
        if (T == QuantType::q4_1) {
          const __m256 sx = _mm256_add_ps(_mm256_add_ps(xv[0], xv[1]), _mm256_add_ps(xv[2], xv[3]));
          acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(m[r]), sx, acc[r][c]);
        }
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) y[(b0 + c) * ldy + r0 + r] = hsum(acc[r][c]);
}

// Covers rows [r0, r1) x batch [0, batch) with R x C tiles, then the ragged edges with R x 1, 1 x C
// and 1 x 1 tiles.
template <int R, int C, typename Tile>
void cover(int64_t r0, int64_t r1, int64_t batch, Tile tile) {
  int64_t r = r0;
  for (; r + R <= r1; r += R) {
    int64_t b = 0;
    for (; b + C <= batch; b += C) tile(std::integral_constant<int, R>{}, std::integral_constant<int, C>{}, r, b);
    for (; b < batch; ++b) tile(std::integral_constant<int, R>{}, std::integral_constant<int, 1>{}, r, b);
  }
  for (; r < r1; ++r) {
    int64_t b = 0;
    for (; b + C <= batch; b += C) tile(std::integral_constant<int, 1>{}, std::integral_constant<int, C>{}, r, b);
    for (; b < batch; ++b) tile(std::integral_constant<int, 1>{}, std::integral_constant<int, 1>{}, r, b);
  }
}

template <QuantType T>
void rows_q8(const Weights& w, const Acts& x, float* y, int64_t ldy, int64_t r0, int64_t r1) {
  auto tile = [&](auto R, auto C, int64_t r, int64_t b) {
    tile_q8<T, decltype(R)::value, decltype(C)::value>(w, x, r, b, y, ldy);
  };
  const int64_t batch = x.batch;
  if (batch < 4) {
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t b = 0; b < batch; ++b) row_q8<T>(w, x, r, b, y, ldy);
  } else {
    cover<2, 4>(r0, r1, batch, tile);
  }
}

template <QuantType T>
void rows_f32(const Weights& w, const float* x, int64_t batch, float* y, int64_t ldy, int64_t r0, int64_t r1) {
  auto tile = [&](auto R, auto C, int64_t r, int64_t b) {
    tile_f32<T, decltype(R)::value, decltype(C)::value>(w, x, r, b, y, ldy);
  };
  cover<1, 2>(r0, r1, batch, tile);
}

}  // namespace

bool cpu_supported() {
  __builtin_cpu_init();
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  return ok;
}

// As ggml-cpu's quantize_row_q8_0 for AVX2: amax by max_ps, d = amax / 127, x * (127 / amax) rounded
// to nearest even, then packed to bytes (the packs interleave 128-bit lanes; the permute restores order).
void quantize_activations(const float* x, int64_t batch, int64_t cols, BlockQ8_0* blocks, int32_t* sums, float* scales,
                          int32_t* quads) {
  const int64_t n = batch * (cols / kQuantBlock);
  const __m256 sign_bit = _mm256_set1_ps(-0.0f);
  for (int64_t i = 0; i < n; ++i) {
    const float* v = x + i * kQuantBlock;
    __m256 v0 = _mm256_loadu_ps(v), v1 = _mm256_loadu_ps(v + 8), v2 = _mm256_loadu_ps(v + 16), v3 = _mm256_loadu_ps(v + 24);
    __m256 amax = _mm256_andnot_ps(sign_bit, v0);
    amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign_bit, v1));
    amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign_bit, v2));
    amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign_bit, v3));
    __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(amax, 1), _mm256_castps256_ps128(amax));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float max_scalar = _mm_cvtss_f32(m4);
    blocks[i].d = _cvtss_sh(max_scalar / 127.f, 0);
    scales[i] = _cvtsh_ss(blocks[i].d);
    const __m256 mul = _mm256_set1_ps(max_scalar != 0.0f ? 127.f / max_scalar : 0.0f);
    constexpr int kNearest = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    __m256i i0 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v0, mul), kNearest));
    __m256i i1 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v1, mul), kNearest));
    __m256i i2 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v2, mul), kNearest));
    __m256i i3 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v3, mul), kNearest));
    // Block sum: the int32 lanes before packing.
    const __m256i s8 = _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
    const __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s8), _mm256_extracti128_si256(s8, 1));
    const __m128i s2 = _mm_add_epi32(s4, _mm_unpackhi_epi64(s4, s4));
    sums[i] = _mm_cvtsi128_si32(_mm_add_epi32(s2, _mm_shuffle_epi32(s2, _MM_SHUFFLE(2, 3, 0, 1))));
    // Sums of 4 consecutive values: two horizontal adds give [q0 q2 q4 q6 | q1 q3 q5 q7].
    const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(i0, i1), _mm256_hadd_epi32(i2, i3));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(quads + i * 8),
                        _mm256_permutevar8x32_epi32(h, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
    i0 = _mm256_packs_epi32(i0, i1);
    i2 = _mm256_packs_epi32(i2, i3);
    i0 = _mm256_packs_epi16(i0, i2);
    i0 = _mm256_permutevar8x32_epi32(i0, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(blocks[i].qs), i0);
  }
}

void matmul_rows(const Weights& w, const Acts& x, float* y, int64_t ldy, int64_t r0, int64_t r1) {
  switch (w.type) {
    case QuantType::q8_0: return rows_q8<QuantType::q8_0>(w, x, y, ldy, r0, r1);
    case QuantType::q4_0: return rows_q8<QuantType::q4_0>(w, x, y, ldy, r0, r1);
    case QuantType::q4_1: return rows_q8<QuantType::q4_1>(w, x, y, ldy, r0, r1);
  }
}

void matmul_rows_f32(const Weights& w, const float* x, int64_t batch, float* y, int64_t ldy, int64_t r0, int64_t r1) {
  switch (w.type) {
    case QuantType::q8_0: return rows_f32<QuantType::q8_0>(w, x, batch, y, ldy, r0, r1);
    case QuantType::q4_0: return rows_f32<QuantType::q4_0>(w, x, batch, y, ldy, r0, r1);
    case QuantType::q4_1: return rows_f32<QuantType::q4_1>(w, x, batch, y, ldy, r0, r1);
  }
}

}  // namespace r1::kernels::avx2

#else  // not x86-64: the reference path is the only one

namespace r1::kernels::avx2 {
bool cpu_supported() { return false; }
void quantize_activations(const float*, int64_t, int64_t, BlockQ8_0*, int32_t*, float*, int32_t*) {}
void matmul_rows(const Weights&, const Acts&, float*, int64_t, int64_t, int64_t) {}
void matmul_rows_f32(const Weights&, const float*, int64_t, float*, int64_t, int64_t, int64_t) {}
}  // namespace r1::kernels::avx2

#endif
