#include <gtest/gtest.h>

#include <random>

#include "common/error.hpp"
#include "mapping/crossbar_geometry.hpp"
#include "mapping/pruning.hpp"

namespace xbarsim::mapping {
namespace {

CrossbarGeometry geom(int rows, int cols, int cell_bits, SignScheme s, int weight_bits = 8) {
  CrossbarGeometry g;
  g.rows = rows;
  g.cols = cols;
  g.cell_bits = cell_bits;
  g.weight_bits = weight_bits;
  g.sign = s;
  return g;
}

TEST(CrossbarGeometry, ChannelsPerCrossbarFollowSlicingAndSignScheme) {
  // 8-bit weights: 7 magnitude bits; 2-bit cells -> 4 slices; two columns per slice.
  EXPECT_EQ(geom(128, 128, 2, SignScheme::TwoColumn).slices(), 4);
  EXPECT_EQ(geom(128, 128, 2, SignScheme::TwoColumn).channels_per_crossbar(), 16);
  EXPECT_EQ(geom(128, 128, 2, SignScheme::Differential).channels_per_crossbar(), 16);
  // Offset: all 8 bits stored (4 slices, one column each) and one reference column.
  EXPECT_EQ(geom(128, 128, 2, SignScheme::Offset).channels_per_crossbar(), 31);
  EXPECT_EQ(geom(128, 128, 1, SignScheme::TwoColumn).channels_per_crossbar(), 9);  // 7 slices x 2
  EXPECT_EQ(geom(64, 256, 4, SignScheme::TwoColumn).channels_per_crossbar(), 64);  // 2 slices x 2
  EXPECT_THROW(geom(128, 7, 1, SignScheme::TwoColumn).validate("hw"), Error);
  EXPECT_THROW(geom(128, 128, 0, SignScheme::TwoColumn).validate("hw"), Error);
  EXPECT_THROW(parse_sign_scheme("ternary", "hw"), Error);
}

std::vector<float> random_weights(const UnrolledShape& s, std::mt19937_64& rng) {
  std::normal_distribution<float> n(0.0F, 1.0F);
  std::vector<float> w(static_cast<std::size_t>(s.rows * s.cout));
  for (auto& x : w) x = n(rng);
  return w;
}

bool group_uniform(const WeightGroup& g, const UnrolledShape& s, const std::vector<std::uint8_t>& m,
                   std::uint8_t& value) {
  value = m[static_cast<std::size_t>(g.col_begin * s.rows + g.row_begin)];
  for (auto c = g.col_begin; c < g.col_end; ++c) {
    for (auto r = g.row_begin; r < g.row_end; ++r) {
      if (m[static_cast<std::size_t>(c * s.rows + r)] != value) return false;
    }
  }
  return true;
}

TEST(Pruning, MasksAreAlignedToCrossbarsAndKernelGroups) {
  std::mt19937_64 rng(5);
  const UnrolledShape shapes[] = {{27, 16, 9}, {288, 64, 9}, {400, 120, 1}, {150, 16, 25}, {1, 3, 1}, {129, 17, 1}};
  const CrossbarGeometry geoms[] = {geom(64, 64, 2, SignScheme::TwoColumn), geom(128, 128, 2, SignScheme::Differential),
                                    geom(32, 100, 1, SignScheme::Offset), geom(256, 256, 4, SignScheme::TwoColumn)};
  for (const auto& g : geoms) {
    for (const auto& s : shapes) {
      const auto w = random_weights(s, rng);
      for (auto method : {PruneMethod::Crossbar, PruneMethod::KernelGroup, PruneMethod::CrossbarKernelGroup}) {
        PruneOptions opt;
        opt.method = method;
        opt.sparsity = 0.5;
        const auto m = compute_masks({{"l", s, w.data()}}, g, opt)[0];
        const auto blocks = crossbar_blocks(s, g);
        const auto kgroups = kernel_groups(s, g);
        std::uint8_t v = 0;
        if (method == PruneMethod::Crossbar) {
          for (const auto& b : blocks) EXPECT_TRUE(group_uniform(b, s, m, v)) << "block split by crossbar pruning";
        } else if (method == PruneMethod::KernelGroup) {
          for (const auto& k : kgroups) EXPECT_TRUE(group_uniform(k, s, m, v)) << "kernel group split";
        } else {  // every zero lies in a fully pruned block or kernel group
          for (std::int64_t c = 0; c < s.cout; ++c) {
            for (std::int64_t r = 0; r < s.rows; ++r) {
              if (m[c * s.rows + r] != 0) continue;
              bool covered = false;
              for (const auto* set : {&blocks, &kgroups}) {
                for (const auto& grp : *set) {
                  if (c >= grp.col_begin && c < grp.col_end && r >= grp.row_begin && r < grp.row_end &&
                      group_uniform(grp, s, m, v) && v == 0)
                    covered = true;
                }
              }
              ASSERT_TRUE(covered) << "stray zero at " << r << "," << c;
            }
          }
        }
        // The target is reached, overshooting by less than one group.
        const auto f = footprint(s, m, g);
        std::int64_t biggest = 0;
        for (const auto* set : {&blocks, &kgroups}) {
          for (const auto& grp : *set) biggest = std::max(biggest, grp.size());
        }
        // No layer goes whole: short of the target only when every group left would empty it.
        ASSERT_GT(f.nonzero, 0);
        const auto target = static_cast<std::int64_t>(std::llround(0.5 * static_cast<double>(f.weights)));
        if (f.weights - f.nonzero < target) {
          for (const auto* set : {&blocks, &kgroups}) {
            for (const auto& grp : *set) {
              std::int64_t inside = 0;
              for (std::int64_t c = grp.col_begin; c < grp.col_end; ++c) {
                for (std::int64_t r = grp.row_begin; r < grp.row_end; ++r) inside += m[c * s.rows + r];
              }
              const bool candidate =
                  method == PruneMethod::CrossbarKernelGroup || (set == &blocks) == (method == PruneMethod::Crossbar);
              if (candidate && inside > 0) {
                EXPECT_EQ(inside, f.nonzero) << "a group left that empties nothing";
              }
            }
          }
        } else {
          EXPECT_LT(f.weights - f.nonzero,
                    static_cast<std::int64_t>(0.5 * static_cast<double>(f.weights)) + biggest + 1);
        }
      }
    }
  }
}

TEST(Pruning, NoLayerIsRemovedWhole) {
  // ResNet-20's 64x10 classifier is one crossbar block: crossbar pruning at a per-layer 85 %
  // used to remove it whole, and the network then output its bias whatever the input.
  std::mt19937_64 rng(21);
  const UnrolledShape fc{64, 10, 1};
  const auto w = random_weights(fc, rng);
  const auto g = geom(128, 128, 2, SignScheme::TwoColumn);
  for (auto method : {PruneMethod::Crossbar, PruneMethod::CrossbarKernelGroup}) {
    PruneOptions opt;
    opt.method = method;
    opt.sparsity = 0.85;
    opt.global = false;
    const auto m = compute_masks({{"fc", fc, w.data()}}, g, opt)[0];
    const auto f = footprint(fc, m, g);
    EXPECT_EQ(f.crossbars, 1);
    if (method == PruneMethod::Crossbar) {
      EXPECT_EQ(f.nonzero, f.weights) << "its one block is all it has";
    } else {  // rows (kernel groups of a linear layer) reach the target instead
      EXPECT_GE(f.weights - f.nonzero, std::llround(0.85 * 640));
      EXPECT_GT(f.nonzero, 0);
    }
  }
  // Globally too: every block scores 1 here (a one-block layer always does; the big layer's
  // weights are all alike), and ties go to the first layer, so the classifier's block ranks first.
  const UnrolledShape big{256, 64, 1};
  const std::vector<float> alike(static_cast<std::size_t>(big.rows * big.cout), 0.5F);
  PruneOptions opt;
  opt.method = PruneMethod::Crossbar;
  opt.sparsity = 0.5;
  const auto masks = compute_masks({{"fc", fc, w.data()}, {"big", big, alike.data()}}, g, opt);
  EXPECT_EQ(std::count(masks[0].begin(), masks[0].end(), 1), 640);
  EXPECT_GE(std::count(masks[1].begin(), masks[1].end(), 0), std::llround(0.5 * (640 + 16384)));
}

TEST(Pruning, UnstructuredHitsTheTargetExactly) {
  std::mt19937_64 rng(9);
  const UnrolledShape s{100, 30, 1};
  const auto w = random_weights(s, rng);
  PruneOptions opt;
  opt.method = PruneMethod::Unstructured;
  opt.sparsity = 0.6;
  const auto m = compute_masks({{"l", s, w.data()}}, geom(128, 128, 2, SignScheme::TwoColumn), opt)[0];
  const auto kept = std::count(m.begin(), m.end(), 1);
  EXPECT_EQ(kept, 3000 - 1800);
  // The smallest magnitudes went.
  float max_pruned = 0, min_kept = 1e9F;
  for (std::size_t i = 0; i < m.size(); ++i)
    (m[i] ? min_kept : max_pruned) = m[i] ? std::min(min_kept, std::fabs(w[i])) : std::max(max_pruned, std::fabs(w[i]));
  EXPECT_LE(max_pruned, min_kept);
}

TEST(Pruning, FootprintMatchesClosedForms) {
  const auto g = geom(128, 128, 2, SignScheme::TwoColumn);  // 16 channels per crossbar
  // Dense conv 3x3, 64 -> 64: rows 576 -> ceil(576/128) = 5 row blocks, 4 channel groups.
  const UnrolledShape conv{576, 64, 9};
  std::vector<std::uint8_t> keep(576 * 64, 1);
  auto f = footprint(conv, keep, g);
  EXPECT_EQ(f.crossbars_dense, 20);
  EXPECT_EQ(f.crossbars, 20);
  EXPECT_EQ(f.kernel_groups, 64 * 4);
  EXPECT_EQ(f.crossbar_blocks, 20);
  // Prune 24 of 64 kernel groups (input channels) in every channel group: 40 * 9 = 360 rows -> 3 crossbars each.
  for (std::int64_t c = 0; c < 64; ++c) {
    for (std::int64_t ci = 0; ci < 24; ++ci) {
      for (int k = 0; k < 9; ++k) keep[c * 576 + ci * 9 + k] = 0;
    }
  }
  f = footprint(conv, keep, g);
  EXPECT_EQ(f.kernel_groups_kept, 40 * 4);
  EXPECT_EQ(f.crossbars, 4 * 3);
  EXPECT_NEAR(f.sparsity(), 24.0 / 64.0, 1e-12);
  // Kernel groups pruned in only one channel of a group are not removed: rows stay.
  std::vector<std::uint8_t> one(576 * 64, 1);
  for (int r = 0; r < 576; ++r) one[r] = 0;  // channel 0 entirely zero, its 15 group mates are not
  EXPECT_EQ(footprint(conv, one, g).crossbars, 20);
  // A whole channel group zero: its 5 crossbars disappear.
  for (std::int64_t c = 0; c < 16; ++c) {
    for (int r = 0; r < 576; ++r) one[c * 576 + r] = 0;
  }
  EXPECT_EQ(footprint(conv, one, g).crossbars, 15);
  // Linear 400 -> 120 at 64x64 (8 channels per crossbar): ceil(400/64) * ceil(120/8) = 7 * 15.
  const UnrolledShape fc{400, 120, 1};
  EXPECT_EQ(footprint(fc, std::vector<std::uint8_t>(48000, 1), geom(64, 64, 2, SignScheme::TwoColumn)).crossbars, 105);
}

TEST(Pruning, RejectsBadOptions) {
  const UnrolledShape s{10, 4, 1};
  std::vector<float> w(40, 1.0F);
  PruneOptions opt;
  opt.sparsity = 1.0;
  EXPECT_THROW(compute_masks({{"l", s, w.data()}}, geom(128, 128, 2, SignScheme::TwoColumn), opt), Error);
  EXPECT_THROW(parse_prune_method("random", "--prune"), Error);
}

}  // namespace
}  // namespace xbarsim::mapping
