// The cost model: ISAAC's published tile and chip from its component table and an ISAAC-shaped
// inventory; table loading and technology scaling; the estimator's arithmetic; the inventory of
// a mapping (pruned crossbars cost nothing, IMAs and tiles are what the crossbars fill).
#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/error.hpp"
#include "cost/estimate.hpp"
#include "cost/table.hpp"
#include "mapping/cost_inputs.hpp"
#include "mapping/mapped_network.hpp"
#include "tests/support/quantized_toy.hpp"
#include "tests/support/toy.hpp"

namespace xbarsim::cost {
namespace {

using mapping::chip_inventory;
using mapping::mapped_inventory;

/// Area and peak power of `inv` on `hw` (its sizes and rates).
CostReport peak_of(const Inventory& inv, const CostTable& table, const mapping::HardwareConfig& hw) {
  return estimate_peak(inv, table, mapping::chip_params(hw, inv));
}

/// ISAAC's tile: 12 IMAs x 8 crossbars of 128x128 2-bit cells, one 8-bit 1.28 GS/s ADC per
/// crossbar (8 per IMA), 4 shift-and-add units per IMA, 100 ns reads, a router per 4 tiles.
mapping::HardwareConfig isaac_tile() {
  mapping::HardwareConfig hw;
  hw.rows = 128;
  hw.cols = 128;
  hw.cell_bits = 2;
  hw.adc_bits = 8;
  hw.columns_per_adc = 128;
  hw.crossbars_per_tile = 96;
  hw.crossbars_per_ima = 8;
  hw.shift_adds_per_ima = 4;
  hw.tiles_per_router = 4;
  hw.timing.xbar_read_ns = 100.0;
  hw.timing.dac_ns = 0.0;
  hw.timing.adc_conversion_ns = 1.0 / 1.28;
  hw.clock_ghz = 1.28;
  hw.timing.host_link_bytes_per_ns = 25.6;  // 4 HyperTransport links of 6.4 GB/s
  hw.cost_host_link = true;
  return hw;
}

double area_of(const CostReport& r, const std::string& name) {
  double a = 0;
  for (const auto& c : r.components) a += c.name == name ? c.area_um2 : 0.0;
  return a;
}

double power_of(const CostReport& r, const std::vector<std::string>& names) {
  double p = 0;
  for (const auto& c : r.components) {
    for (const auto& n : names) p += c.name == n ? c.peak_power_mw : 0.0;
  }
  return p;
}

TEST(IsaacCheck, TheTableGivesBackIsaacsTileComponentByComponent) {
  // ISAAC's tile figures are the 168-tile chip's per tile: 42 routers, one per 4 tiles. ISAAC's
  // powers are every DAC driving every read: input bit density 1. A round trip of the table's
  // derivation, the inventory rules and the rates, not an independent check (that is
  // PublishedChips below).
  const auto table = load_cost_table("isaac_32nm");
  auto hw = isaac_tile();
  hw.input_bit_density = 1.0;
  constexpr double kTiles = 168;
  const auto inv = chip_inventory(hw, static_cast<int>(kTiles));
  const auto c = inv.total();
  EXPECT_EQ(c.at("crossbar"), 96 * kTiles);
  EXPECT_EQ(c.at("cells"), 96 * kTiles);
  EXPECT_EQ(c.at("adc"), 96 * kTiles);  // 8 per IMA
  EXPECT_EQ(c.at("dac"), 96 * 128 * kTiles);
  EXPECT_EQ(c.at("shift_add"), 48 * kTiles);
  EXPECT_EQ(c.at("input_register"), 12 * kTiles);
  EXPECT_EQ(c.at("router"), 42);
  EXPECT_EQ(c.at("host_link"), 1);
  EXPECT_EQ(inv.imas, 12 * kTiles);
  const auto r = peak_of(inv, table, hw);
  // ISAAC Table 6: tile 0.372 mm2 (the 12 IMAs 0.157), chip 62.5 mm2 of tiles + 22.88 mm2 of
  // HyperTransport = 85.4 mm2.
  EXPECT_NEAR((r.area_um2() - area_of(r, "host_link")) / 1e6 / kTiles, 0.372, 0.0005);
  EXPECT_NEAR(r.area_um2() / 1e6, 85.4, 0.05);
  // Per IMA: ADCs 16 mW, DACs 4 mW, S+H 10 uW, S+A 0.2 mW, registers 1.24 + 0.23 mW.
  const double imas = 12 * kTiles;
  EXPECT_NEAR(power_of(r, {"adc"}) / imas, 16.0, 1e-9);
  EXPECT_NEAR(power_of(r, {"dac"}) / imas, 4.0, 1e-9);
  EXPECT_NEAR(power_of(r, {"sample_hold"}) / imas, 0.010, 1e-12);
  EXPECT_NEAR(power_of(r, {"shift_add"}) / imas, 0.2, 1e-9);
  EXPECT_NEAR(power_of(r, {"input_register", "output_register"}) / imas, 1.47, 1e-6);
  // Per tile: eDRAM 20.7, bus 7, router 42 / 4, two sigmoids 0.52, S+A 0.05, max-pool 0.4, OR 1.68 mW.
  EXPECT_NEAR(power_of(r, {"edram_buffer"}) / kTiles, 20.7, 1e-6);
  EXPECT_NEAR(power_of(r, {"bus"}) / kTiles, 7.0, 1e-4);
  EXPECT_NEAR(power_of(r, {"router"}) / kTiles, 10.5, 1e-6);
  EXPECT_NEAR(power_of(r, {"activation", "tile_shift_add", "max_pool", "tile_output_register"}) / kTiles, 2.65, 1e-6);
  // HyperTransport: 10.4 W at its 25.6 bytes/ns.
  EXPECT_NEAR(power_of(r, {"host_link"}) / 1e3, 10.4, 1e-9);
  // No line energy of its own: the arrays draw what their cells do (next test).
  EXPECT_EQ(power_of(r, {"crossbar"}), 0.0);
}

TEST(IsaacCheck, TheArraysFromDevicePhysicsDrawAboutIsaacsFigureAndTheTileStaysAt330Milliwatts) {
  // ISAAC states 0.3 mW per 128x128 array; xbarsim's cells draw V^2 G t: the isaac_like device
  // (rram_like: 9.8..166.7 uS, 0.15 V, 3.16 ns) at random data (half the input bits 1, levels
  // uniform) gives 128 x 128 x 0.5 x 88.2 uS x 0.0225 V^2 x 3.16 ns per 100 ns read = 0.51 mW.
  const auto hw = mapping::load_hardware("isaac_like", {"xbar_read_ns=100"});
  const auto inv = chip_inventory(hw, hw.max_tiles);
  const auto r = peak_of(inv, load_cost_table(hw.cost_table), hw);
  const double crossbars = inv.total().at("crossbar");
  const double per_array = power_of(r, {"cells"}) / crossbars;
  const double mean_g_us = (166.67 + 9.804) / 2;
  EXPECT_NEAR(per_array, 128.0 * 128 * 0.5 * mean_g_us * 1e-6 * 0.15 * 0.15 * 3.16 / 100 * 1e3, 1e-9);
  EXPECT_GT(per_array, 0.3 / 2);
  EXPECT_LT(per_array, 0.3 * 2);
  // The tile (without the chip's host link) within 2 % of ISAAC's 330 mW: the DACs at half
  // activity (2 mW per IMA instead of 4) about offset the arrays' 4.1 mW instead of 2.4.
  const double tile = (r.peak_power_mw() - power_of(r, {"host_link"})) / hw.max_tiles;
  EXPECT_NEAR(tile, 330.0, 0.02 * 330.0);
  EXPECT_EQ(hw.max_tiles, 168);
  EXPECT_NEAR((r.area_um2() - area_of(r, "host_link")) / 1e6 / hw.max_tiles, 0.372, 0.0005);
}

TEST(PublishedChips, IsaacsChipLevelEfficienciesAt16BitsAreWithinTwentyFivePercent) {
  // ISAAC configured from the paper's description (ISCA 2016, sections IV-VI, Table 6), nothing
  // tuned: 168 tiles of 12 IMAs x 8 arrays of 128x128 2-bit cells, 1-bit DACs, one 8-bit SAR ADC
  // at 1.28 GS/s per array, 100 ns reads, 16-bit weights stored biased (the offset scheme; xbarsim
  // gives up one column per array to the reference, so 15 of ISAAC's 16 weights per array),
  // 16-bit inputs, HyperTransport host link. Published (as tabulated by Nature Communications 15,
  // 2024, s41467-024-45670-9, Table 3, from ISAAC's Tables 6-7): 41.3 TOPS, 0.48 TOPS/mm2,
  // 0.63 TOPS/W, 65.8 W, 85.4 mm2.
  const auto hw =
      mapping::load_hardware("isaac_like", {"sign_scheme=offset", "xbar_read_ns=100", "cost_host_link=true"});
  const auto p = mapping::peak_performance(hw, 168, 16, 16);
  EXPECT_EQ(p.crossbars, 16128);
  EXPECT_EQ(p.weights_per_crossbar, 15);
  EXPECT_EQ(p.phases, 16);
  EXPECT_DOUBLE_EQ(p.phase_ns, 100.0);  // the read; 128 conversions at 0.78125 ns also take 100 ns
  EXPECT_DOUBLE_EQ(p.ops_per_ns, 16128.0 * 128 * 15 * 2 / (16 * 100.0));
  const auto inv = chip_inventory(hw, 168);
  const auto r = peak_of(inv, load_cost_table(hw.cost_table), hw);
  const double tops = p.ops_per_ns / 1e3, mm2 = r.area_um2() / 1e6, watts = r.peak_power_mw() / 1e3;
  struct Row {
    const char* what;
    double xbarsim, published;
  };
  for (const Row& row :
       {Row{"TOPS", tops, 41.3}, Row{"TOPS/mm2", tops / mm2, 0.48}, Row{"TOPS/W", tops / watts, 0.63}}) {
    EXPECT_NEAR(row.xbarsim / row.published, 1.0, 0.25) << row.what << ": " << row.xbarsim << " vs " << row.published;
  }
  EXPECT_NEAR(mm2, 85.4, 0.05);
  EXPECT_NEAR(watts / 65.8, 1.0, 0.05);
}

TEST(PublishedChips, PumasNodeFromItsOrganisationAndConstants) {
  // PUMA (ASPLOS 2019) as puma_like states it: 138 tiles of 16 MVMUs of 8 arrays, one 8-bit ADC
  // per array at 1 GS/s, 16-bit biased weights and inputs. Published: 52.31 TOPS, 62.5 W,
  // 90.6 mm2 (577 GOPS/s/mm2, 837 GOPS/W). The throughput follows the organisation, which gives
  // 0.67 of the published figure (docs/validation.md: PUMA's op count); power and area come
  // from its constants less the core logic xbarsim has no class for (17 mm2, 5.2 W).
  const auto hw = mapping::load_hardware("puma_like", {"cost_host_link=true"});
  const auto p = mapping::peak_performance(hw, hw.max_tiles, 16, 16);
  EXPECT_EQ(p.crossbars, 138 * 128);
  EXPECT_EQ(p.weights_per_crossbar, 15);
  // 8 slices x 15 weights + the reference = 121 columns, one ADC at 1 ns per conversion.
  EXPECT_DOUBLE_EQ(p.phase_ns, 121.0);
  EXPECT_DOUBLE_EQ(p.ops_per_ns, 2.0 * 17664 * 128 * 15 / (16 * 121.0));
  const auto inv = chip_inventory(hw, hw.max_tiles);
  const auto r = peak_of(inv, load_cost_table(hw.cost_table), hw);
  EXPECT_NEAR(r.peak_power_mw() / 1e3 / 62.5, 1.0, 0.25);
  EXPECT_NEAR(r.area_um2() / 1e6 / 90.6, 1.0, 0.25);
  EXPECT_LT(p.ops_per_ns / 1e3 / 52.31, 0.75);  // the documented miss: if this passes, revisit the docs
}

TEST(CostTable, EveryShippedTableLoadsWithASourcePerEntry) {
  const auto names = cost_table_presets();
  ASSERT_GE(names.size(), 2U);
  for (const auto& n : names) {
    const auto t = load_cost_table(n);
    for (const auto& comp : component_names()) {
      if (priced_by_device(comp)) continue;  // the cells: V^2 G t from the device
      ASSERT_TRUE(t.has(comp)) << n << " lacks " << comp;
      EXPECT_FALSE(t.at(comp).source.empty()) << n << "." << comp;
      EXPECT_EQ(t.at(comp).technology_nm, t.technology_nm);
    }
  }
}

TEST(CostTable, TechnologyScalingFollowsTheDocumentedRules) {
  ComponentCost c;
  c.energy_pj = 10.0;
  c.leakage_mw = 2.0;
  c.area_um2 = 100.0;
  c.technology_nm = 32;
  const auto s = scale_component(c, 22);
  const double l = 22.0 / 32.0, v = 0.85 / 0.9;
  EXPECT_DOUBLE_EQ(s.area_um2, 100.0 * l * l);
  EXPECT_DOUBLE_EQ(s.energy_pj, 10.0 * l * v * v);
  EXPECT_DOUBLE_EQ(s.leakage_mw, 2.0 * l * v);
  EXPECT_EQ(s.technology_nm, 22);
  EXPECT_DOUBLE_EQ(node_vdd(32), 0.9);
  EXPECT_THROW(node_vdd(3), Error);
}

class CostTableFile : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() / ("xbarsim_cost_" + std::to_string(::getpid()) + ".json");
    std::ofstream(path) << text;
    path_ = path.string();
    return path_;
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string path_;
};

std::string error_of(const std::string& spec) {
  try {
    load_cost_table(spec);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST_F(CostTableFile, BadTablesNameTheFileAndKey) {
  EXPECT_NE(error_of("no_such_table").find("isaac_32nm"), std::string::npos);
  const auto p = write(R"({"version": 1, "name": "t", "technology_nm": 32,
      "components": {"adc": {"energy_pj": 1, "area_um2": 1}}})");
  const auto e = error_of(p);
  EXPECT_NE(e.find(p), std::string::npos) << e;
  EXPECT_NE(e.find("components.adc.source"), std::string::npos) << e;
  write(R"({"version": 1, "name": "t", "technology_nm": 32,
      "components": {"adc": {"energy_pj": 1, "area_um2": 1, "source": "x", "bits_scaling": "cubic"}}})");
  EXPECT_NE(error_of(p).find("bits_scaling"), std::string::npos);
  write(R"({"version": 1, "name": "t", "technology_nm": 32,
      "components": {"adc": {"energy_pj": -1, "area_um2": 1, "source": "x"}}})");
  EXPECT_NE(error_of(p).find("energy_pj"), std::string::npos);
  write(R"({"version": 1, "name": "t", "technology_nm": 32, "colour": 1, "components": {}})");
  EXPECT_NE(error_of(p).find("colour"), std::string::npos);
}

TEST(Estimator, EnergyIsActionsTimesEnergyPlusLeakageTimesTime) {
  CostTable t;
  t.name = "t";
  ComponentCost adc;
  adc.energy_pj = 2.0;
  adc.leakage_mw = 0.5;
  adc.area_um2 = 10.0;
  adc.reference_bits = 8;
  t.components["adc"] = adc;
  ComponentCost xbar;
  xbar.energy_pj = 3.0;
  xbar.area_um2 = 4.0;
  xbar.reference_rows = 128;
  xbar.reference_cols = 128;
  t.components["crossbar"] = xbar;
  ChipParams hw;
  hw.rows = 64;
  hw.cols = 128;
  hw.adc_bits = 6;
  Inventory inv;
  inv.groups = {"a", "b"};
  inv.counts = {{{"adc", 2.0}, {"crossbar", 1.0}}, {{"adc", 1.0}}};
  const Counts a0 = {{"adc", 100.0}, {"crossbar", 10.0}}, a1 = {{"adc", 50.0}};
  const auto r = estimate(inv, {a0, a1}, t, hw, 1000.0, 1500.0, 4e6);
  const double adc_f = 0.25, xbar_f = 0.5;  // 2^(6-8); 64x128 / 128x128
  const double dyn = 150 * 2.0 * adc_f + 10 * 3.0 * xbar_f;
  const double stat = 3 * 0.5 * adc_f * 1000.0;  // mW x ns = pJ
  EXPECT_DOUBLE_EQ(r.dynamic_energy_pj(), dyn);
  EXPECT_DOUBLE_EQ(r.static_energy_pj(), stat);
  EXPECT_DOUBLE_EQ(r.area_um2(), 3 * 10.0 * adc_f + 4.0 * xbar_f);
  EXPECT_DOUBLE_EQ(r.power_mw(), (dyn + stat) / 1000.0);
  EXPECT_DOUBLE_EQ(r.tops(), 4e6 / 1000.0 / 1e3);
  EXPECT_DOUBLE_EQ(r.tops_per_w(), 4e6 / (dyn + stat));
  ASSERT_EQ(r.groups.size(), 2U);
  EXPECT_DOUBLE_EQ(r.groups[1].dynamic_energy_pj, 50 * 2.0 * adc_f);
  EXPECT_DOUBLE_EQ(r.energy_pj(Category::Computing), dyn + stat);
  // Power gating: each group leaks for its own active time (group a: its 2 ADCs, 0.5 mW x 0.25
  // each, for 400 ns; group b: its ADC for 100 ns; crossbars do not leak).
  const auto gated = estimate(inv, {a0, a1}, t, hw, 1000.0, 1500.0, 4e6, {400.0, 100.0});
  EXPECT_TRUE(gated.power_gated);
  EXPECT_DOUBLE_EQ(gated.static_energy_pj(), 2 * 0.5 * adc_f * 400.0 + 1 * 0.5 * adc_f * 100.0);
  EXPECT_DOUBLE_EQ(gated.dynamic_energy_pj(), dyn);
  EXPECT_THROW(estimate(inv, {a0, a1}, t, hw, 1000.0, 1500.0, 4e6, {1.0}), Error);
  // Table without a component the inventory holds: an error naming it.
  inv.counts[1]["router"] = 1.0;
  EXPECT_THROW(estimate(inv, {a0, a1}, t, hw, 1000.0, 1500.0, 4e6), Error);
}

TEST(Estimator, NeuroSimSarScalingFollowsItsFit) {
  ComponentCost adc;
  adc.reference_bits = 8;
  adc.bits_scaling = BitsScaling::NeuroSimSar;
  ChipParams hw;
  hw.adc_bits = 4;
  const auto f = size_factors(adc, hw);
  EXPECT_DOUBLE_EQ(f.energy, (0.538 * 4 + 4.3753) * 5 / ((0.538 * 8 + 4.3753) * 9));
  EXPECT_DOUBLE_EQ(f.area, (296.0 + 182 * 4) / (296.0 + 182 * 8));
}

TEST(Inventory, PrunedCrossbarsCostNothingAndImasFollowTheTiles) {
  auto net = testing_support::quantized_toy(testing_support::toy_cnn(3), 8);
  mapping::HardwareConfig hw;
  hw.rows = 16;
  hw.cols = 16;
  hw.columns_per_adc = 4;
  hw.crossbars_per_tile = 6;
  hw.crossbars_per_ima = 4;
  hw.shift_adds_per_ima = 2;
  const auto dense = mapping::compile(net, hw);
  const auto inv = mapped_inventory(dense);
  const auto t = inv.total();
  EXPECT_EQ(t.at("crossbar"), static_cast<double>(dense.crossbars.size()));
  EXPECT_EQ(t.at("adc"), 4.0 * dense.crossbars.size());
  EXPECT_EQ(t.at("dac"), 16.0 * dense.crossbars.size());
  EXPECT_EQ(t.at("edram_buffer"), dense.tiles);
  double imas = 0;
  std::map<int, int> per_tile;
  for (const auto& c : dense.crossbars) ++per_tile[c.tile];
  for (const auto& [tile, n] : per_tile) imas += (n + 3) / 4;
  EXPECT_EQ(inv.imas, imas);
  EXPECT_EQ(t.at("shift_add"), 2 * imas);
  EXPECT_EQ(t.count("fp_scaling_unit"), 0U);
  EXPECT_EQ(t.count("data_aligning_unit"), 0U);

  // Zero a whole layer's kernel groups except one channel: fewer crossbars, fewer ADCs.
  auto pruned = net;
  for (const auto& L : pruned.layers) {
    if (!L.has_weights()) continue;
    auto& t = pruned.tensors.at(L.quantization->weight);
    const auto v = t.to_double();
    std::vector<std::int32_t> codes(v.begin(), v.end());
    std::fill(codes.begin() + static_cast<std::ptrdiff_t>(codes.size() / 2), codes.end(), 0);
    t = workloads::Tensor::from<std::int32_t>(t.shape(), codes);
  }
  const auto pm = mapping::compile(pruned, hw);
  ASSERT_LT(pm.crossbars.size(), dense.crossbars.size());
  EXPECT_EQ(mapped_inventory(pm).total().at("adc"), 4.0 * pm.crossbars.size());

  hw.output_scaling = mapping::OutputScaling::Fp32;
  hw.data_aligning = true;
  const auto base = mapped_inventory(mapping::compile(net, hw)).total();
  EXPECT_EQ(base.at("fp_scaling_unit"), 2 * imas);
  EXPECT_EQ(base.at("data_aligning_unit"), static_cast<double>(dense.crossbars.size()));
}

TEST(CostLibrary, IncludesNothingFromMappingOrTheSimulators) {
  // The seam: cost/ takes plain data (cost/components.hpp); the mapping and the cycle-level chip
  // produce it. Its project includes may name cost/, common/ and workloads/ (the JSON reader) only.
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(XBARSIM_SOURCE_DIR) + "/cost")) {
    if (e.path().extension() != ".hpp" && e.path().extension() != ".cpp") continue;
    ++files;
    std::ifstream in(e.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("#include \"", 0) != 0) continue;
      const std::string target = line.substr(10);
      const bool allowed =
          target.rfind("cost/", 0) == 0 || target.rfind("common/", 0) == 0 || target == "workloads/json_reader.hpp\"";
      EXPECT_TRUE(allowed) << e.path().filename().string() << ": " << line;
    }
  }
  EXPECT_GE(files, 6U);
}

}  // namespace
}  // namespace xbarsim::cost
