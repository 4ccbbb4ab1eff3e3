// Blocks of standard normal numbers for the per-read noise (sim/datapath.cpp), drawn in
// float arithmetic the compiler vectorises: the scalar Box-Muller of Rng::normal spends ~25 ns per draw in
// glibc's log, sin and cos, which made read noise 12-16x slower than a run without it.
#pragma once

#include <cstddef>

#include "models/random.hpp"

namespace xbarsim::models {

/// Values the generator makes at a time; a call for n values uses ceil(n / kNormalChunk) chunks
/// of the stream, so calls of whole chunks continue one stream as a single call would.
inline constexpr std::size_t kNormalChunk = 1024;

/// Fills out[0..n) with standard normal numbers from `rng`: Box-Muller in float on pairs of
/// 24-bit uniforms (both from one 64-bit draw: u1 in (0, 1], u2 in [0, 1)), r = sqrt(-2 ln u1),
/// z = r cos(2 pi u2), r sin(2 pi u2), with Cephes' float log, sin and cos polynomials in basic
/// IEEE operations (no FMA contraction), in chunks of a fixed size, so value k depends on the
/// stream and k only (not on n), and the bits are the same for every compiler and instruction
/// set. |z| is at
/// most sqrt(48 ln 2) = 5.77 (the smallest u1 is 2^-24): tails past it (probability 8e-9) are cut.
void fill_normals(Rng& rng, float* out, std::size_t n);

}  // namespace xbarsim::models
