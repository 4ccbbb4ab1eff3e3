#include "mapping/pruning.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/error.hpp"

namespace xbarsim::mapping {

std::string prune_method_name(PruneMethod m) {
  switch (m) {
    case PruneMethod::Crossbar: return "crossbar";
    case PruneMethod::KernelGroup: return "kernel-group";
    case PruneMethod::CrossbarKernelGroup: return "crossbar+kernel-group";
    case PruneMethod::Unstructured: return "unstructured";
  }
  return "?";
}

PruneMethod parse_prune_method(const std::string& s, const std::string& where) {
  for (auto m :
       {PruneMethod::Crossbar, PruneMethod::KernelGroup, PruneMethod::CrossbarKernelGroup, PruneMethod::Unstructured}) {
    if (s == prune_method_name(m)) return m;
  }
  throw make_error(where, "unknown pruning method \"" + s +
                              "\", expected crossbar, kernel-group, crossbar+kernel-group or unstructured");
}

UnrolledShape unrolled_shape(const workloads::Layer& L) {
  if (L.kind == workloads::LayerKind::Conv2d) {
    const std::int64_t area = std::int64_t{L.kernel_size[0]} * L.kernel_size[1];
    return {L.in_channels * area, L.out_channels, area};
  }
  return {L.in_features, L.out_features, 1};
}

std::vector<WeightGroup> crossbar_blocks(const UnrolledShape& s, const CrossbarGeometry& g) {
  std::vector<WeightGroup> out;
  const std::int64_t G = g.channels_per_crossbar();
  for (std::int64_t c0 = 0; c0 < s.cout; c0 += G) {
    for (std::int64_t r0 = 0; r0 < s.rows; r0 += g.rows) {
      out.push_back({r0, std::min<std::int64_t>(r0 + g.rows, s.rows), c0, std::min(c0 + G, s.cout)});
    }
  }
  return out;
}

std::vector<WeightGroup> kernel_groups(const UnrolledShape& s, const CrossbarGeometry& g) {
  std::vector<WeightGroup> out;
  const std::int64_t G = g.channels_per_crossbar();
  for (std::int64_t c0 = 0; c0 < s.cout; c0 += G) {
    for (std::int64_t r0 = 0; r0 < s.rows; r0 += s.kernel_area) {
      out.push_back({r0, std::min(r0 + s.kernel_area, s.rows), c0, std::min(c0 + G, s.cout)});
    }
  }
  return out;
}

namespace {

struct Candidate {
  double score = 0;
  std::size_t layer = 0;
  WeightGroup group;
};

/// RMS of a whole layer: scores are relative to it, so a global ranking compares how
/// unimportant a group is within its layer rather than layers' weight scales.
double layer_rms(const PrunableLayer& L) {
  double sum = 0;
  const std::int64_t n = L.shape.rows * L.shape.cout;
  for (std::int64_t i = 0; i < n; ++i) sum += double{L.weights[i]} * L.weights[i];
  const double rms = std::sqrt(sum / static_cast<double>(std::max<std::int64_t>(n, 1)));
  return rms > 0 ? rms : 1.0;
}

void add_candidates(const PrunableLayer& L, std::size_t index, const std::vector<WeightGroup>& groups,
                    std::vector<Candidate>& out) {
  const double norm = layer_rms(L);
  for (const auto& grp : groups) {
    double sum = 0;
    for (std::int64_t c = grp.col_begin; c < grp.col_end; ++c) {
      for (std::int64_t r = grp.row_begin; r < grp.row_end; ++r) {
        const double w = L.weights[c * L.shape.rows + r];
        sum += w * w;
      }
    }
    out.push_back({std::sqrt(sum / static_cast<double>(grp.size())) / norm, index, grp});
  }
}

void prune_to_target(const std::vector<PrunableLayer>& layers, std::vector<Candidate> cands, double target_fraction,
                     std::int64_t total, std::vector<std::vector<std::uint8_t>>& masks) {
  // Stable order: score, then layer, then position, so ties never depend on the platform's sort.
  std::sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score < b.score;
    if (a.layer != b.layer) return a.layer < b.layer;
    if (a.group.col_begin != b.group.col_begin) return a.group.col_begin < b.group.col_begin;
    if (a.group.row_begin != b.group.row_begin) return a.group.row_begin < b.group.row_begin;
    return a.group.size() < b.group.size();
  });
  const auto target = static_cast<std::int64_t>(std::llround(target_fraction * static_cast<double>(total)));
  // Weights each layer still keeps: a group that would take a layer's last ones is skipped, so
  // no layer is removed whole (its output would be its bias alone, whatever the input). A
  // one-block layer under crossbar pruning would otherwise go at any sparsity.
  std::vector<std::int64_t> kept(layers.size(), 0);
  for (std::size_t l = 0; l < layers.size(); ++l) kept[l] = std::accumulate(masks[l].begin(), masks[l].end(), 0LL);
  std::int64_t pruned = 0;
  for (const auto& cand : cands) {
    if (pruned >= target) break;
    auto& m = masks[cand.layer];
    const std::int64_t rows = layers[cand.layer].shape.rows;
    std::int64_t ones = 0;
    for (std::int64_t c = cand.group.col_begin; c < cand.group.col_end; ++c) {
      for (std::int64_t r = cand.group.row_begin; r < cand.group.row_end; ++r)
        ones += m[static_cast<std::size_t>(c * rows + r)];
    }
    if (ones == 0 || ones == kept[cand.layer]) continue;
    for (std::int64_t c = cand.group.col_begin; c < cand.group.col_end; ++c) {
      for (std::int64_t r = cand.group.row_begin; r < cand.group.row_end; ++r)
        m[static_cast<std::size_t>(c * rows + r)] = 0;
    }
    kept[cand.layer] -= ones;
    pruned += ones;
  }
}

void candidates_for(const PrunableLayer& L, std::size_t index, const CrossbarGeometry& g, PruneMethod method,
                    std::vector<Candidate>& out) {
  switch (method) {
    case PruneMethod::Crossbar: add_candidates(L, index, crossbar_blocks(L.shape, g), out); break;
    case PruneMethod::KernelGroup: add_candidates(L, index, kernel_groups(L.shape, g), out); break;
    case PruneMethod::CrossbarKernelGroup:
      add_candidates(L, index, crossbar_blocks(L.shape, g), out);
      add_candidates(L, index, kernel_groups(L.shape, g), out);
      break;
    case PruneMethod::Unstructured: {
      const double norm = layer_rms(L);
      for (std::int64_t c = 0; c < L.shape.cout; ++c) {
        for (std::int64_t r = 0; r < L.shape.rows; ++r) {
          out.push_back({std::fabs(double{L.weights[c * L.shape.rows + r]}) / norm, index, {r, r + 1, c, c + 1}});
        }
      }
      break;
    }
  }
}

}  // namespace

std::vector<std::vector<std::uint8_t>> compute_masks(const std::vector<PrunableLayer>& layers,
                                                     const CrossbarGeometry& g, const PruneOptions& options) {
  if (!(options.sparsity >= 0.0 && options.sparsity < 1.0)) {
    throw Error("pruning: sparsity must be in [0, 1), found " + std::to_string(options.sparsity));
  }
  g.validate("pruning crossbar geometry");
  std::vector<std::vector<std::uint8_t>> masks;
  masks.reserve(layers.size());
  for (const auto& L : layers) masks.emplace_back(static_cast<std::size_t>(L.shape.rows * L.shape.cout), 1);
  if (options.global) {
    std::vector<Candidate> cands;
    std::int64_t total = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) {
      candidates_for(layers[i], i, g, options.method, cands);
      total += layers[i].shape.rows * layers[i].shape.cout;
    }
    prune_to_target(layers, std::move(cands), options.sparsity, total, masks);
  } else {
    for (std::size_t i = 0; i < layers.size(); ++i) {
      std::vector<Candidate> cands;
      candidates_for(layers[i], i, g, options.method, cands);
      prune_to_target(layers, std::move(cands), options.sparsity, layers[i].shape.rows * layers[i].shape.cout, masks);
    }
  }
  return masks;
}

LayerFootprint footprint(const UnrolledShape& s, const std::vector<std::uint8_t>& keep, const CrossbarGeometry& g) {
  LayerFootprint f;
  const std::int64_t G = g.channels_per_crossbar();
  f.weights = s.rows * s.cout;
  f.nonzero = std::accumulate(keep.begin(), keep.end(), std::int64_t{0});
  const auto any_kept = [&](const WeightGroup& grp) {
    for (std::int64_t c = grp.col_begin; c < grp.col_end; ++c) {
      for (std::int64_t r = grp.row_begin; r < grp.row_end; ++r) {
        if (keep[static_cast<std::size_t>(c * s.rows + r)] != 0) return true;
      }
    }
    return false;
  };
  for (const auto& b : crossbar_blocks(s, g)) {
    ++f.crossbar_blocks;
    f.crossbar_blocks_kept += any_kept(b) ? 1 : 0;
  }
  f.crossbars_dense = ((s.rows + g.rows - 1) / g.rows) * ((s.cout + G - 1) / G);
  for (std::int64_t c0 = 0; c0 < s.cout; c0 += G) {
    const std::int64_t c1 = std::min(c0 + G, s.cout);
    std::vector<std::int64_t> kept_rows;
    for (std::int64_t r0 = 0; r0 < s.rows; r0 += s.kernel_area) {
      const WeightGroup kg{r0, std::min(r0 + s.kernel_area, s.rows), c0, c1};
      ++f.kernel_groups;
      if (!any_kept(kg)) continue;
      ++f.kernel_groups_kept;
      for (std::int64_t r = kg.row_begin; r < kg.row_end; ++r) kept_rows.push_back(r);
    }
    for (std::size_t b = 0; b < kept_rows.size(); b += static_cast<std::size_t>(g.rows)) {
      const std::size_t e = std::min(kept_rows.size(), b + static_cast<std::size_t>(g.rows));
      bool nonzero = false;
      for (std::size_t i = b; i < e && !nonzero; ++i) {
        for (std::int64_t c = c0; c < c1 && !nonzero; ++c)
          nonzero = keep[static_cast<std::size_t>(c * s.rows + kept_rows[i])] != 0;
      }
      f.crossbars += nonzero ? 1 : 0;
    }
  }
  return f;
}

}  // namespace xbarsim::mapping
