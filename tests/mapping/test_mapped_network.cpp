#include <gtest/gtest.h>

#include "common/error.hpp"
#include "mapping/mapped_network.hpp"
#include "workloads/network.hpp"

namespace xbarsim::mapping {
namespace {

std::string zoo(const std::string& name) {
  return std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo/" + name + ".json";
}

TEST(Compile, CellsRebuildTheIntegerWeightsAndCountsAgreeWithTheCompressionReport) {
  for (const char* name : {"lenet5_crimp", "vgg8_crimp", "lenet5_unstructured60"}) {
    const auto net = workloads::load_network(zoo(name));
    for (int size : {64, 128, 256}) {
      for (const char* scheme : {"two-column", "differential", "offset"}) {
        const std::string s = std::to_string(size);
        const auto hw = load_hardware(
            "isaac_like", {"rows=" + s, "cols=" + s, "columns_per_adc=" + s, std::string("sign_scheme=") + scheme});
        const auto m = compile(net, hw);
        std::int64_t total = 0;
        for (std::size_t i = 0; i < m.layers.size(); ++i) {
          const auto& L = m.layers[i];
          const auto codes = net.tensor(net.find_layer(L.name)->quantization->weight).to_double();
          const auto rebuilt = m.reconstruct(i);
          ASSERT_EQ(rebuilt.size(), codes.size());
          for (std::size_t k = 0; k < codes.size(); ++k)
            ASSERT_EQ(rebuilt[k], static_cast<std::int32_t>(codes[k])) << name << " " << L.name;
          EXPECT_EQ(static_cast<std::int64_t>(L.crossbars.size()), L.footprint.crossbars) << L.name;
          for (auto xi : L.crossbars) EXPECT_LE(static_cast<int>(m.crossbars[xi].rows.size()), size);
          total += static_cast<std::int64_t>(L.crossbars.size());
        }
        if (std::string(scheme) == "two-column") {  // the trainer's report counts two-column crossbars
          EXPECT_EQ(total, net.metadata.compression["square_crossbars"][s]["crossbars"].get<std::int64_t>())
              << name << " at " << size;
        }
      }
    }
  }
}

TEST(Hardware, PresetsOverridesAndErrors) {
  const auto isaac = load_hardware("isaac_like");
  EXPECT_EQ(isaac.rows, 128);
  EXPECT_EQ(isaac.cell_bits, 2);
  EXPECT_EQ(isaac.adc_bits, 8);
  const auto ns = load_hardware("neurosim_like", {"adc_bits=5", "sign_scheme=differential"});
  EXPECT_EQ(ns.cell_bits, 1);
  EXPECT_EQ(ns.adc_bits, 5);
  EXPECT_EQ(ns.sign, SignScheme::Differential);
  auto msg = [](const std::string& spec, const std::vector<std::string>& sets) {
    try {
      load_hardware(spec, sets);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(msg("isaac_like", {"rows=0"}).find("--set: rows: expected an integer in [1, 4096]"), std::string::npos);
  EXPECT_NE(msg("isaac_like", {"cell_bits=0"}).find("cell_bits: expected an integer in [1, 8]"), std::string::npos);
  EXPECT_NE(msg("isaac_like", {"adc_bits=0"}).find("adc_bits: expected an integer in [1, 32]"), std::string::npos);
  EXPECT_NE(msg("isaac_like", {"colour=red"}).find("--set: colour: unknown key"), std::string::npos);
  EXPECT_NE(msg("isaac_like", {"cols=1", "columns_per_adc=1"}).find("cannot hold one output channel"),
            std::string::npos);
  EXPECT_NE(msg("isaac_like", {"sign_scheme=ternary"}).find("unknown sign scheme"), std::string::npos);
  EXPECT_NE(msg("tpu_like", {}).find("unknown hardware preset 'tpu_like'"), std::string::npos);
  // Timing, device and programming keys.
  // The read time from the RC model, worked by hand: per cell 0.0128 + 0.1 fF and 0.69 ohm; a
  // 128-cell line has C = 14.438 fF, R = 88.32 ohm, tau = 1000 C + R C / 2 = 15.076 ps; word and
  // bit line alike; settling to half an LSB of 8 bits takes 9 ln 2 = 6.238 tau each: 0.188 ns
  // after ISAAC's 100 ns sensing window. The 8-bit SAR converts in 8 x 0.0977 = 0.78125 ns.
  EXPECT_NEAR(isaac.timing.read_ns(isaac.rows, isaac.cols, isaac.adc_bits), 100.188, 0.001);
  EXPECT_DOUBLE_EQ(isaac.timing.conversion_ns(isaac.adc_bits), 0.78125);
  EXPECT_EQ(isaac.max_tiles, 168);
  EXPECT_EQ(isaac.device.name, "rram_like");
  EXPECT_NEAR(isaac.device.on_off_ratio(), 17.0, 0.01);
  const auto pcm =
      load_hardware("isaac_like", {"device=pcm_like", "device.write_sigma=0.07", "self_compensation=true"});
  EXPECT_EQ(pcm.device.name, "pcm_like");
  EXPECT_DOUBLE_EQ(pcm.device.write_sigma, 0.07);
  EXPECT_GT(pcm.device.drift_nu, 0.0);
  EXPECT_TRUE(pcm.self_compensation);
  EXPECT_NE(msg("isaac_like", {"device=ferro"}).find("--set: device: unknown device preset 'ferro'"),
            std::string::npos);
  EXPECT_NE(
      msg("isaac_like", {"device.fault_rate=2"}).find("--set: device.fault_rate: expected a number in [0.0, 1.0]"),
      std::string::npos);
  EXPECT_NE(msg("isaac_like", {"device.g_min_us=500"}).find("must exceed g_min_us"), std::string::npos);
  EXPECT_NE(msg("isaac_like", {"device.write_sigma_per_level=[0.1,0.2]"}).find("expected one per level (4"),
            std::string::npos);
  EXPECT_NE(msg("isaac_like", {"adc_range=auto"})
                .find("expected \"full_scale\", \"rows_used\", \"layer_max\" or \"calibrated\""),
            std::string::npos);
  EXPECT_NE(msg("isaac_like", {"subtraction=analog"}).find("weight_flip needs subtraction \"digital\""),
            std::string::npos);
  EXPECT_NE(
      msg("isaac_like", {"weight_flip=false", "subtraction=analog", "sign_scheme=offset"}).find("needs a column pair"),
      std::string::npos);
  EXPECT_NE(msg("isaac_like", {"adc_dnl_lsb=0.1", "adc_bits=17"}).find("adc_dnl_lsb needs adc_bits at most 16"),
            std::string::npos);
  EXPECT_NE(msg("isaac_like", {"self_compensation=1"}).find("self_compensation: expected true or false"),
            std::string::npos);
  // A tile budget smaller than the network needs.
  const auto net = workloads::load_network(zoo("vgg8_int8"));
  try {
    compile(net, load_hardware("isaac_like", {"crossbars_per_tile=8", "max_tiles=4"}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("max_tiles is 4"), std::string::npos) << e.what();
  }
  EXPECT_THROW(compile(workloads::load_network(zoo("vgg8")), isaac), Error) << "float workloads are not mapped";
}

}  // namespace
}  // namespace xbarsim::mapping
