// The functional engine against the integer reference, and its device/circuit invariants.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <stdexcept>

#include "common/error.hpp"
#include "mapping/mapped_network.hpp"
#include "mapping/programming.hpp"
#include "mapping/quantize.hpp"
#include "models/adc.hpp"
#include "models/device.hpp"
#include "sim/functional.hpp"
#include "sim/reference.hpp"
#include "tests/support/quantized_toy.hpp"
#include "tests/support/toy.hpp"
#include "workloads/network.hpp"

namespace xbarsim::sim {
namespace {

using testing_support::quantized_toy;

mapping::HardwareConfig hardware(int rows, int cols, int cell_bits, int dac_bits, mapping::SignScheme sign,
                                 mapping::Subtraction sub = mapping::Subtraction::Digital) {
  mapping::HardwareConfig hw;
  hw.rows = rows;
  hw.cols = cols;
  hw.cell_bits = cell_bits;
  hw.dac_bits = dac_bits;
  hw.sign = sign;
  hw.subtraction = sub;
  hw.columns_per_adc = 1;
  return hw;
}

Eigen::MatrixXf random_inputs(std::int64_t size, int n) {
  return (Eigen::MatrixXf::Random(size, n).array() + 1.0F) * 0.5F;
}

TEST(Functional, SignedInputsOnIdealArraysEqualTheIntegerReferenceBitForBit) {
  // Mean/std normalisation makes inputs negative: two's complement codes, the top phase's digit
  // driven negative. Every sign scheme, 1- to 8-bit DACs, analog and digital subtraction.
  using S = mapping::SignScheme;
  struct Case {
    int cell_bits, dac_bits;
    S sign;
    mapping::Subtraction sub;
  };
  const Case cases[] = {{2, 1, S::TwoColumn, mapping::Subtraction::Digital},
                        {1, 2, S::Differential, mapping::Subtraction::Digital},
                        {3, 3, S::Offset, mapping::Subtraction::Digital},
                        {2, 8, S::Differential, mapping::Subtraction::Analog}};
  for (const auto& fnet :
       {testing_support::toy_cnn(3), testing_support::toy_residual(3), testing_support::toy_option_a(3)}) {
    const auto net = quantized_toy(fnet, 8, true);
    ASSERT_TRUE(net.input_quantization->input_signed);
    const ReferenceEngine ref(net, Precision::Int);
    const Eigen::MatrixXf x = Eigen::MatrixXf::Random(ref.input_size(), 5);  // in [-1, 1)
    const Eigen::MatrixXd want = ref.forward_int_codes(x);
    EXPECT_FALSE(ref.forward_int_codes(x.cwiseAbs()).isApprox(want));  // the signs reach the outputs
    for (const auto& c : cases) {
      const auto hw = hardware(32, 32, c.cell_bits, c.dac_bits, c.sign, c.sub);
      const auto m = mapping::compile(net, hw);
      EXPECT_TRUE(m.layers.front().input_signed());
      const auto p = mapping::program(m, models::DeviceConfig{}, 7, {});
      FunctionalOptions o;
      o.exact_adc = true;
      const FunctionalEngine fe(net, m, p, o);
      const Eigen::MatrixXd got = fe.forward_codes(x, 0);
      for (Eigen::Index i = 0; i < got.size(); ++i) {
        ASSERT_EQ(got.data()[i], want.data()[i])
            << net.name << " dac " << c.dac_bits << " " << mapping::sign_scheme_name(c.sign);
      }
    }
  }
}

TEST(Functional, IdealDevicesAndExactAdcEqualTheIntegerReferenceBitForBit) {
  using S = mapping::SignScheme;
  struct Case {
    int rows, cols, cell_bits, dac_bits;
    S sign;
    mapping::Subtraction sub;
  };
  const Case cases[] = {
      {128, 128, 2, 1, S::TwoColumn, mapping::Subtraction::Digital},
      {16, 16, 2, 1, S::TwoColumn, mapping::Subtraction::Digital},
      {40, 24, 1, 1, S::Differential, mapping::Subtraction::Digital},
      {32, 64, 3, 2, S::Offset, mapping::Subtraction::Digital},
      {64, 32, 4, 4, S::Differential, mapping::Subtraction::Analog},
      {17, 48, 2, 8, S::TwoColumn, mapping::Subtraction::Analog},
      {256, 256, 1, 1, S::Offset, mapping::Subtraction::Digital},
  };
  int checked = 0;
  for (std::uint64_t seed : {1, 2}) {
    for (const auto& fnet :
         {testing_support::toy_cnn(seed), testing_support::toy_residual(seed), testing_support::toy_option_a(seed)}) {
      for (int bits : {4, 8}) {
        const auto net = quantized_toy(fnet, bits);
        const ReferenceEngine ref(net, Precision::Int);
        const Eigen::MatrixXf x = random_inputs(ref.input_size(), 7);
        const Eigen::MatrixXd want = ref.forward_int_codes(x);
        for (const auto& c : cases) {
          const auto hw = hardware(c.rows, c.cols, c.cell_bits, c.dac_bits, c.sign, c.sub);
          const auto m = mapping::compile(net, hw);
          const auto p = mapping::program(m, models::DeviceConfig{}, 7, {});
          FunctionalOptions o;
          o.exact_adc = true;
          const FunctionalEngine fe(net, m, p, o);
          const Eigen::MatrixXd got = fe.forward_codes(x, 0);
          ASSERT_EQ(got.rows(), want.rows());
          for (Eigen::Index i = 0; i < got.size(); ++i) {
            ASSERT_EQ(got.data()[i], want.data()[i])
                << net.name << " bits " << bits << " " << c.rows << "x" << c.cols << " cell " << c.cell_bits << " dac "
                << c.dac_bits << " " << mapping::sign_scheme_name(c.sign);
          }
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 2 * 3 * 2 * 7);
}

TEST(Functional, TallArraysOfWideCellsStayIntegerExact) {
  // 4096 x 64 crossbars of 8-bit cells, 16-bit weights, 8-bit inputs through 1-bit DACs: one
  // column reads up to 4096 x 255, and the eight input phases weigh it by up to 2^7, past
  // float32's 2^24 integers. The shift-and-add must still give the integer reference's codes.
  const auto fnet = testing_support::toy_linear(5, 64, 64, 128);
  ReferenceEngine fe(fnet, Precision::Float);
  mapping::ActivationSamples samples;
  TensorObserver obs = [&](const std::string& name, const Eigen::MatrixXf& v) {
    samples[name].insert(samples[name].end(), v.data(), v.data() + v.size());
  };
  const Eigen::MatrixXf x = random_inputs(fe.input_size(), 6);
  fe.forward(x, &obs);
  mapping::PtqOptions opt;
  opt.weight_bits = 16;
  opt.activation_bits = 8;
  const auto net = mapping::quantize_post_training(fnet, samples, opt);
  const auto hw = hardware(4096, 64, 8, 1, mapping::SignScheme::TwoColumn);
  const auto m = mapping::compile(net, hw);
  const auto p = mapping::program(m, models::DeviceConfig{}, 7, {});
  FunctionalOptions o;
  o.exact_adc = true;
  const Eigen::MatrixXd got = FunctionalEngine(net, m, p, o).forward_codes(x, 0);
  const Eigen::MatrixXd want = ReferenceEngine(net, Precision::Int).forward_int_codes(x);
  ASSERT_EQ(got.rows(), 128);
  EXPECT_EQ((got - want).cwiseAbs().maxCoeff(), 0.0);
}

TEST(Functional, PrunedZooModelIsExactOnIdealDevices) {
  const auto net = workloads::load_network(std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo/lenet5_crimp.json");
  const ReferenceEngine ref(net, Precision::Int);
  const Eigen::MatrixXf x = random_inputs(ref.input_size(), 16);
  const Eigen::MatrixXd want = ref.forward_int_codes(x);
  for (auto sign : {mapping::SignScheme::TwoColumn, mapping::SignScheme::Differential, mapping::SignScheme::Offset}) {
    const auto hw = hardware(128, 128, 2, 1, sign);
    const auto m = mapping::compile(net, hw);
    FunctionalOptions o;
    o.exact_adc = true;
    const FunctionalEngine fe(net, m, mapping::program(m, models::DeviceConfig{}, 1, {}), o);
    EXPECT_EQ(fe.adc(0).bits, 9) << "128 rows x level 3 = 384 needs 9 bits";
    EXPECT_TRUE((fe.forward_codes(x, 3).array() == want.array()).all()) << mapping::sign_scheme_name(sign);
  }
  // A narrow ADC on the same arrays does change outputs.
  const auto m = mapping::compile(net, hardware(128, 128, 2, 1, mapping::SignScheme::TwoColumn));
  auto hw_narrow = m;
  hw_narrow.hardware.adc_bits = 4;
  const FunctionalEngine narrow(net, hw_narrow, mapping::program(m, models::DeviceConfig{}, 1, {}));
  EXPECT_EQ(narrow.adc(0).step_log2, 5);  // 15 codes x 32 >= 384
  EXPECT_FALSE((narrow.forward_codes(x, 3).array() == want.array()).all());
}

TEST(Functional, IsaacsWeightFlipMakesItsEightBitAdcLossless) {
  // ISAAC: 128 rows of 2-bit cells read up to 384 (9 bits); flipped columns read at most 192, so
  // the 8-bit full-scale ADC converts them with step 1 and the outputs are the integer
  // reference's. Without the flip the same ADC has step 2 and loses the odd readings. The offset
  // scheme's reference column (the middle level, flipped like any column) converts exactly too,
  // and so does the digital reference.
  const auto net = workloads::load_network(std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo/lenet5_int8.json");
  const ReferenceEngine ref(net, Precision::Int);
  const Eigen::MatrixXf x = random_inputs(ref.input_size(), 16);
  const Eigen::MatrixXd want = ref.forward_int_codes(x);
  for (bool flip : {false, true}) {
    for (int scheme = 0; scheme < 4; ++scheme) {
      const auto sign = scheme < 3 ? static_cast<mapping::SignScheme>(scheme) : mapping::SignScheme::Offset;
      auto hw = hardware(128, 128, 2, 1, sign);
      hw.adc_bits = 8;
      hw.weight_flip = flip;
      if (scheme == 3) hw.offset_reference = mapping::OffsetReference::Digital;
      const auto m = mapping::compile(net, hw);
      const FunctionalEngine fe(net, m, mapping::program(m, models::DeviceConfig{}, 1, {}));
      const std::string name = mapping::sign_scheme_name(sign) + (scheme == 3 ? " (digital reference)" : "");
      EXPECT_EQ(fe.adc(0).step_log2, flip ? 0 : 1) << name;
      EXPECT_EQ((fe.forward_codes(x, 0).array() == want.array()).all(), flip) << name << (flip ? " flipped" : "");
    }
  }
}

TEST(Functional, AdcRangeModesSizeEachLayerAsDocumented) {
  // LeNet-5 on 128-row crossbars of 2-bit cells, two-column, 1-bit DACs. The largest reading a
  // column can give is the sum of its levels, computed here from the mapped cells.
  const auto net = workloads::load_network(std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo/lenet5_int8.json");
  auto hw = hardware(128, 128, 2, 1, mapping::SignScheme::TwoColumn);
  hw.adc_bits = 8;
  const auto m = mapping::compile(net, hw);
  const auto p = mapping::program(m, models::DeviceConfig{}, 1, {});
  std::vector<double> column_max(m.layers.size(), 0.0);
  std::vector<std::int64_t> rows_used(m.layers.size(), 0);
  for (std::size_t li = 0; li < m.layers.size(); ++li) {
    for (auto xi : m.layers[li].crossbars) {
      const auto& cells = m.crossbars[xi].cells;
      rows_used[li] = std::max<std::int64_t>(rows_used[li], cells.rows);
      for (std::size_t c = 0; c < cells.columns.size(); ++c) {
        double sum = 0;
        for (std::int64_t r = 0; r < cells.rows; ++r) sum += cells.level(r, c);
        column_max[li] = std::max(column_max[li], sum);
      }
    }
  }
  ASSERT_EQ(rows_used[0], 25) << "conv1: 1 x 5 x 5 inputs";
  using R = mapping::AdcRange;
  for (R mode : {R::FullScale, R::RowsUsed, R::LayerMax}) {
    auto h = m;
    h.hardware.adc_range = mode;
    const FunctionalEngine fe(net, h, p);
    for (std::size_t li = 0; li < m.layers.size(); ++li) {
      const double want = mode == R::FullScale  ? 384.0
                          : mode == R::RowsUsed ? 3.0 * static_cast<double>(rows_used[li])
                                                : column_max[li];
      const auto& adc = fe.plan(li).adc;
      EXPECT_DOUBLE_EQ(fe.plan(li).adc_range, std::max(1.0, want)) << m.layers[li].name;
      EXPECT_DOUBLE_EQ(fe.plan(li).reading_bound, column_max[li]) << m.layers[li].name;
      // The smallest power-of-two step whose 255 codes reach the range.
      EXPECT_GE(adc.max_reading(), want);
      EXPECT_LT(adc.max_reading() / 2, want);
    }
  }
  // conv1 drives 25 rows: its layer-sized ADC has a step below one level and is exact.
  auto h = m;
  h.hardware.adc_range = R::RowsUsed;
  EXPECT_EQ(FunctionalEngine(net, h, p).plan(0).adc.step_log2, -1);  // 255 x 0.5 >= 75
  // A user range for one layer, whatever the mode; others keep theirs.
  h.hardware.adc_ranges["fc1"] = 100.0;
  const FunctionalEngine user(net, h, p);
  const auto fc1 = static_cast<std::size_t>(
      std::find_if(m.layers.begin(), m.layers.end(), [](const auto& l) { return l.name == "fc1"; }) - m.layers.begin());
  EXPECT_EQ(user.plan(fc1).adc_range_source, "user");
  EXPECT_DOUBLE_EQ(user.plan(fc1).adc.step(), 0.5);  // 255 x 0.5 >= 100
  EXPECT_EQ(user.plan(0).adc_range_source, "rows_used");
  h.hardware.adc_ranges["nope"] = 1.0;
  try {
    FunctionalEngine bad(net, h, p);
    ADD_FAILURE() << "an unknown layer in adc_ranges is an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("adc_ranges.nope: no weighted layer"), std::string::npos) << e.what();
  }
}

TEST(Functional, SelfCompensationMeasuredThroughTheAdcRemovesAdcGainAndOffset) {
  // Ideal cells, but every ADC has its own gain error (sigma 3 %) and then also an offset (sigma 2
  // LSB). A fit on the exact analog sums would see nothing to correct; measured through the ADC it
  // sees each ADC's errors and undoes most of them. What it cannot undo: a negative offset clips
  // zero readings at code 0 (unipolar ADC), which the correction then moves.
  const auto net = quantized_toy(testing_support::toy_cnn(8), 8);
  const ReferenceEngine ref(net, Precision::Int);
  std::srand(5);
  const Eigen::MatrixXf x = random_inputs(ref.input_size(), 32);
  const Eigen::MatrixXd want = ref.forward_int_codes(x);
  for (double offset_lsb : {0.0, 2.0}) {
    auto m = mapping::compile(net, hardware(64, 64, 2, 1, mapping::SignScheme::TwoColumn));
    m.hardware.adc_bits = 12;  // step 1/16 level: the errors are the ADCs', not the rounding
    m.hardware.adc_gain_error = 0.03;
    m.hardware.adc_offset_lsb = offset_lsb;
    const auto p = mapping::program(m, models::DeviceConfig{}, 1, {});
    const double err_raw = (FunctionalEngine(net, m, p).forward_codes(x, 0) - want).norm();
    m.hardware.self_compensation = true;
    m.hardware.compensation_bits = 12;
    const double err_comp = (FunctionalEngine(net, m, p).forward_codes(x, 0) - want).norm();
    EXPECT_GT(err_raw, 0.0);
    EXPECT_LT(err_comp, (offset_lsb == 0 ? 0.25 : 0.5) * err_raw)
        << "offset " << offset_lsb << ": raw " << err_raw << " compensated " << err_comp;
  }
}

TEST(Functional, ReadNoiseHasItsProportionalPartAndItsFloor) {
  // Every cell of a readout read with all inputs at digit 1: the reading's variance is
  // sum_i (s (g_i + g0))^2 + rows * floor^2 in level units, computed here from the programmed cells.
  const auto net = quantized_toy(testing_support::toy_cnn(8), 8);
  const auto m = mapping::compile(net, hardware(64, 64, 2, 1, mapping::SignScheme::TwoColumn));
  models::DeviceConfig d;
  d.g_min_us = 10.0;            // dG = 30 uS, g0 = 1/3 level
  d.read_noise_sigma = 0.05;    // proportional
  d.read_noise_floor_us = 3.0;  // 0.1 level
  const auto p = mapping::program(m, d, 2, {});
  const FunctionalEngine fe(net, m, p);
  const XbarPlan& xb = fe.plan(0).xbars[0];
  const auto rows = static_cast<Eigen::Index>(xb.rows.size());
  const Eigen::MatrixXf ones = Eigen::MatrixXf::Ones(rows, 1);
  const auto& g = p.crossbars[xb.crossbar].g;  // physical columns x rows; two-column: readout r = column r
  const int trials = 4000;
  Eigen::ArrayXd s = Eigen::ArrayXd::Zero(4), s2 = Eigen::ArrayXd::Zero(4);
  RowMajorF y;
  for (int t = 0; t < trials; ++t) {
    crossbar_read(xb, InputBlock(ones), y, static_cast<std::uint64_t>(t));
    for (int r = 0; r < 4; ++r) {
      s(r) += y(r, 0);
      s2(r) += static_cast<double>(y(r, 0)) * y(r, 0);
    }
  }
  for (int r = 0; r < 4; ++r) {
    double want = 0, mean = 0;
    for (Eigen::Index i = 0; i < rows; ++i) {
      const double tot = g(r, i) + 10.0 / 30.0;
      want += 0.05 * 0.05 * tot * tot + 0.1 * 0.1;
      mean += g(r, i);
    }
    const double var = s2(r) / trials - (s(r) / trials) * (s(r) / trials);
    EXPECT_NEAR(s(r) / trials, mean, 4 * std::sqrt(want / trials)) << r;
    EXPECT_NEAR(var, want, 0.08 * want) << r;
  }
}

TEST(Functional, IrDropLowersTheReadingsAndGrowsWithTheWireResistance) {
  // Ideal cells on 64 x 64 arrays with ideal lines: the exact solve reads the integer sums, so the
  // outputs are the integer reference's. Resistive lines read less on every column, more so the
  // more resistive they are, and the one-solve operating-point model stays close to the exact one.
  const auto net = quantized_toy(testing_support::toy_cnn(8), 8);
  auto m = mapping::compile(net, hardware(64, 64, 2, 1, mapping::SignScheme::TwoColumn));
  m.hardware.adc_bits = 12;
  const ReferenceEngine ref(net, Precision::Int);
  std::srand(9);
  const Eigen::MatrixXf x = random_inputs(ref.input_size(), 16);
  const Eigen::MatrixXd want = ref.forward_int_codes(x);
  models::DeviceConfig d;
  d.g_min_us = 5.0;
  const auto p = mapping::program(m, d, 1, {});
  m.hardware.ir_drop = mapping::IrDrop::Exact;
  m.hardware.timing.wire_r_ohm = 0.0;
  EXPECT_TRUE((FunctionalEngine(net, m, p).forward_codes(x, 0).array() == want.array()).all());
  double last = 0.0;
  for (double ohm : {1.0, 5.0, 20.0}) {
    m.hardware.timing.wire_r_ohm = ohm;
    m.hardware.ir_drop = mapping::IrDrop::Exact;
    const FunctionalEngine exact(net, m, p);
    const XbarPlan& xb = exact.plan(0).xbars[0];
    const auto& levels = m.crossbars[xb.crossbar].cells;
    for (Eigen::Index r = 0; r < xb.a.rows(); ++r) {  // two-column, digital: readout r is column r
      double sum = 0;
      for (Eigen::Index i = 0; i < xb.a.cols(); ++i) sum += levels.level(i, static_cast<std::size_t>(r));
      EXPECT_LE(xb.a.row(r).sum(), sum + 1e-3) << "a resistive line never reads more (all rows on)";
    }
    const double err = (exact.forward_codes(x, 0) - want).norm();
    EXPECT_GT(err, last) << ohm << " ohm";
    last = err;
    m.hardware.ir_drop = mapping::IrDrop::OperatingPoint;
    const double op = (FunctionalEngine(net, m, p).forward_codes(x, 0) - want).norm();
    EXPECT_NEAR(op, err, 0.2 * err) << ohm << " ohm: the operating-point model is close to the exact solve";
  }
}

TEST(Functional, AFaultChangesOnlyItsOwnCellAndItsOwnChannel) {
  const auto net = quantized_toy(testing_support::toy_cnn(3), 8);
  const auto m = mapping::compile(net, hardware(64, 64, 2, 1, mapping::SignScheme::TwoColumn));
  models::DeviceConfig faulty;
  faulty.fault_rate = 0.05;
  const auto ideal = mapping::program(m, models::DeviceConfig{}, 11, {});
  const auto stuck = mapping::program(m, faulty, 11, {});
  std::int64_t differing = 0;
  for (std::size_t xi = 0; xi < m.crossbars.size(); ++xi) {
    const auto& a = ideal.crossbars[xi].g;
    const auto& b = stuck.crossbars[xi].g;
    for (Eigen::Index k = 0; k < a.size(); ++k) {
      if (a.data()[k] != b.data()[k]) {
        ++differing;
        EXPECT_TRUE(b.data()[k] == 0.0F || b.data()[k] == 3.0F) << "a stuck cell reads Gmin or Gmax";
      }
    }
  }
  EXPECT_LE(differing, stuck.stuck_cells());
  EXPECT_GT(stuck.stuck_cells(), 0);

  // One stuck-on cell in the first layer changes that layer's output only in its own channel.
  auto one = ideal;
  const std::size_t xi = m.layers[0].crossbars[0];
  const auto role = m.crossbars[xi].cells.columns[5];
  one.crossbars[xi].g(5, 0) = 3.0F;
  FunctionalOptions o;
  o.exact_adc = true;
  const FunctionalEngine clean(net, m, ideal, o), hit(net, m, one, o);
  const Eigen::MatrixXf x = random_inputs(clean.input_size(), 4);
  Eigen::MatrixXd yc, yh;
  const std::string first = m.layers[0].name;
  CodeObserver oc = [&](const std::string& n, const Eigen::MatrixXd& v) {
    if (n == first) yc = v;
  };
  CodeObserver oh = [&](const std::string& n, const Eigen::MatrixXd& v) {
    if (n == first) yh = v;
  };
  clean.forward_codes(x, 0, &oc);
  hit.forward_codes(x, 0, &oh);
  const auto& shape = net.shape_of(first);
  const std::int64_t per_channel = shape[1] * shape[2];
  bool own_changed = false;
  for (Eigen::Index j = 0; j < yc.cols(); ++j) {
    for (Eigen::Index i = 0; i < yc.rows(); ++i) {
      const std::int64_t channel = i / per_channel;
      if (channel != m.crossbars[xi].channel_begin + role.channel) {
        ASSERT_EQ(yc(i, j), yh(i, j)) << "channel " << channel;
      } else {
        own_changed = own_changed || yc(i, j) != yh(i, j);
      }
    }
  }
  EXPECT_TRUE(own_changed);
}

TEST(Functional, SameSeedSameResultOnAnyThreadCount) {
  const auto net = quantized_toy(testing_support::toy_cnn(5), 8);
  const auto m = mapping::compile(net, hardware(32, 32, 2, 1, mapping::SignScheme::Differential));
  models::DeviceConfig dev;
  dev.g_min_us = 5.0;
  dev.write_sigma = 0.1;
  dev.read_noise_sigma = 0.02;
  dev.fault_rate = 0.01;
  // A synthetic data set of 200 images of the toy's input size.
  const auto data = testing_support::synthetic_dataset(200, 2, 8, 8, 37, 251);
  workloads::Normalization norm;
  norm.mean = {0.0, 0.0};
  norm.std = {1.0, 1.0};
  std::vector<std::vector<int>> runs;
  for (unsigned threads : {1U, 2U, 2U}) {
    mapping::ProgrammingOptions po;
    po.threads = threads;
    const FunctionalEngine fe(net, m, mapping::program(m, dev, 99, po));
    EvalOptions eo;
    eo.threads = threads;
    eo.batch = 16;
    runs.push_back(evaluate_forward([&](const Eigen::MatrixXf& x, std::uint64_t c) { return fe.forward(x, c); },
                                    fe.input_size(), data, norm, eo)
                       .predictions);
  }
  EXPECT_EQ(runs[0], runs[1]);
  EXPECT_EQ(runs[1], runs[2]);
  // Another seed draws other arrays.
  const FunctionalEngine other(net, m, mapping::program(m, dev, 100, {}));
  const FunctionalEngine same(net, m, mapping::program(m, dev, 99, {}));
  const Eigen::MatrixXf x = image_batch(data, norm, 0, 16);
  EXPECT_TRUE((same.forward_codes(x, 0).array() == same.forward_codes(x, 0).array()).all());
  EXPECT_FALSE((same.forward_codes(x, 0).array() == other.forward_codes(x, 0).array()).all());
  EXPECT_FALSE((same.forward_codes(x, 0).array() == same.forward_codes(x, 1).array()).all())
      << "read noise differs between reads";
}

/// conv 16 -> 8 (3x3, pad 1) over [16, 32, 32] -> relu -> flatten -> linear -> 4: 144 unrolled
/// rows over 1,024 positions per image, so that 16 images pass the unrolled-input bound per call.
workloads::Network wide_conv_net() {
  return quantized_toy(testing_support::toy_conv_linear(21, "wide_conv", 16, 32, 32, 8, 4), 8);
}

/// The functional engine, asked to take every layer in one call (the unrolled input unbounded).
class WholeLayerCalls final : public Accumulator {
 public:
  explicit WholeLayerCalls(const FunctionalEngine& fe) : fe_(fe) {}
  void accumulate(std::size_t layer, const Eigen::MatrixXd& x, Eigen::MatrixXd& y, std::uint64_t stream,
                  const mapping::ColumnSpan& span) const override {
    fe_.accumulate(layer, x, y, stream, span);
  }
  std::int64_t columns_per_call(std::size_t, std::int64_t, std::int64_t total, std::int64_t) const override {
    return total;
  }

 private:
  const FunctionalEngine& fe_;
};

TEST(Functional, UnrolledInputTakenInSpansGivesTheNumbersOfOneWholeLayerCall) {
  const auto net = wide_conv_net();
  const ReferenceEngine ref(net, Precision::Int);
  const int n = 16;
  const Eigen::MatrixXf x = random_inputs(ref.input_size(), n);
  const std::int64_t rows = 16 * 9, total = n * 32 * 32;
  ASSERT_GT(rows * total, kUnrolledValuesPerCall) << "the batch must be split";
  // The integer reference: the split batch against each image on its own (one call per layer).
  const Eigen::MatrixXd batch = ref.forward_int_codes(x);
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE((ref.forward_int_codes(x.col(i)).array() == batch.col(i).array()).all()) << i;
  }
  // The float reference: the conv layer's outputs of the split batch, bit for bit those of each
  // image on its own (the linear layer of one image is a matrix-vector product, another kernel).
  const ReferenceEngine fref(net, Precision::Float);
  const auto conv_of = [&](const Eigen::MatrixXf& images) {
    Eigen::MatrixXf conv;
    const TensorObserver keep = [&](const std::string& name, const Eigen::MatrixXf& v) {
      if (name == "conv") conv = v;
    };
    fref.forward(images, &keep);
    return conv;
  };
  const Eigen::MatrixXf conv_batch = conv_of(x);
  ASSERT_EQ(conv_batch.cols(), n);
  for (int i = 0; i < n; ++i) ASSERT_TRUE((conv_of(x.col(i)).array() == conv_batch.col(i).array()).all()) << i;
  // The crossbars with write variation, faults, read noise and ADC noise: the draws are seeded per
  // block, so the split calls must reproduce the whole-layer call draw for draw.
  auto hw = hardware(128, 128, 2, 1, mapping::SignScheme::Differential);
  hw.adc_noise_lsb = 0.3;
  const auto m = mapping::compile(net, hw);
  models::DeviceConfig dev;
  dev.g_min_us = 5.0;
  dev.write_sigma = 0.1;
  dev.read_noise_sigma = 0.02;
  dev.fault_rate = 0.01;
  const FunctionalEngine fe(net, m, mapping::program(m, dev, 5, {}));
  const std::int64_t per = fe.columns_per_call(0, rows, total, kUnrolledValuesPerCall / rows);
  const Eigen::Index block = draw_block_columns(fe.plan(0), rows, total);
  EXPECT_LT(per, total);
  EXPECT_EQ(per % block, 0);
  EXPECT_NE(total % per, 0) << "the last call holds a partial block";
  const WholeLayerCalls whole(fe);
  const Eigen::MatrixXd split = fe.forward_codes(x, 3);
  const Eigen::MatrixXd one = ref.forward_int_codes(x, &whole, 3);
  for (Eigen::Index i = 0; i < one.size(); ++i) ASSERT_EQ(split.data()[i], one.data()[i]) << i;
  EXPECT_FALSE((split.array() == fe.forward_codes(x, 4).array()).all()) << "the draws are live";
  // A span that starts inside a block is refused.
  Eigen::MatrixXd y;
  const Eigen::MatrixXd part = Eigen::MatrixXd::Zero(rows, 10);
  EXPECT_THROW(fe.accumulate(0, part, y, 0, mapping::ColumnSpan{block / 2, 10, total}), std::logic_error);
}

TEST(Functional, SelfCompensationUndoesAColumnGainAndWriteVerifyTightensCells) {
  const auto net = quantized_toy(testing_support::toy_cnn(8), 8);
  auto m = mapping::compile(net, hardware(64, 64, 2, 1, mapping::SignScheme::TwoColumn));
  models::DeviceConfig drift;  // every programmed cell decays by (3600/1)^-0.03 = 0.78
  drift.g_min_us = 10.0;
  drift.drift_nu = 0.03;
  drift.drift_time_s = 3600.0;
  const ReferenceEngine ref(net, Precision::Int);
  const Eigen::MatrixXf x = random_inputs(ref.input_size(), 32);
  const Eigen::MatrixXd want = ref.forward_int_codes(x);
  m.hardware.adc_bits = 12;  // a step of 1/16 level: finer than the drifted levels
  const auto p = mapping::program(m, drift, 1, {});
  const double err_raw = (FunctionalEngine(net, m, p).forward_codes(x, 0) - want).norm();
  m.hardware.self_compensation = true;
  m.hardware.compensation_bits = 12;
  const double err_comp = (FunctionalEngine(net, m, p).forward_codes(x, 0) - want).norm();
  EXPECT_GT(err_raw, 0.0);
  EXPECT_LT(err_comp, 0.2 * err_raw) << "raw " << err_raw << " compensated " << err_comp;

  models::DeviceConfig var;
  var.write_sigma = 0.3;
  var.g_min_us = 10.0;
  mapping::ProgrammingOptions verify;
  verify.write_verify_pulses = 50;
  verify.write_verify_tolerance = 0.2;
  const auto loose = mapping::program(m, var, 5, {});
  const auto tight = mapping::program(m, var, 5, verify);
  double max_loose = 0, max_tight = 0;
  std::int64_t pulses = 0, cells = 0;
  for (std::size_t xi = 0; xi < m.crossbars.size(); ++xi) {
    const auto& cells_xb = m.crossbars[xi].cells;
    for (Eigen::Index c = 0; c < loose.crossbars[xi].g.rows(); ++c) {
      for (Eigen::Index r = 0; r < loose.crossbars[xi].g.cols(); ++r) {
        const float level = cells_xb.level(r, static_cast<std::size_t>(c));
        max_loose = std::max(max_loose, static_cast<double>(std::abs(loose.crossbars[xi].g(c, r) - level)));
        max_tight = std::max(max_tight, static_cast<double>(std::abs(tight.crossbars[xi].g(c, r) - level)));
        ++cells;
      }
    }
    pulses += tight.crossbars[xi].write_pulses;
  }
  EXPECT_LE(max_tight, 0.2 + 1e-5);
  EXPECT_GT(max_loose, 0.5);
  EXPECT_GT(pulses, cells) << "some cells needed retries";
}

}  // namespace
}  // namespace xbarsim::sim

namespace xbarsim::sim {
namespace {

/// 200 columns of input codes for weighted layer l of `m`, spanning its input range.
Eigen::MatrixXd spanning_codes(const mapping::MappedNetwork& m, std::size_t l) {
  const auto rows = static_cast<Eigen::Index>(m.layers[l].shape.rows);
  const auto& range = m.layers[l].input_range;
  return Eigen::MatrixXd::NullaryExpr(rows, 200, [&](Eigen::Index i, Eigen::Index j) {
    const auto k = static_cast<std::int64_t>(i * 37 + j * 11 + static_cast<Eigen::Index>(l));
    return static_cast<double>(range.lo + k % (range.hi - range.lo + 1));
  });
}

TEST(Functional, MergedPhasesGiveThePhasedAccumulatorsBitForBit) {
  // Ideal arrays with an exact ADC: the engine multiplies the whole codes once per crossbar; the
  // phased pass (accumulate_layer through DirectStages) is the definition it must reproduce, on
  // every sign scheme, with and without ISAAC's weight flip, multi-bit DACs and signed inputs.
  const auto net = quantized_toy(testing_support::toy_cnn(9), 8);
  const ReferenceEngine ref(net, Precision::Int);
  const Eigen::MatrixXf x = random_inputs(ref.input_size(), 6);
  for (bool flip : {false, true}) {
    for (int scheme = 0; scheme < 4; ++scheme) {
      for (int dac : {1, 2}) {
        const auto sign = scheme < 3 ? static_cast<mapping::SignScheme>(scheme) : mapping::SignScheme::Offset;
        auto hw = hardware(32, 32, 2, dac, sign);
        hw.weight_flip = flip;
        if (scheme == 3) hw.offset_reference = mapping::OffsetReference::Digital;
        const auto m = mapping::compile(net, hw);
        const FunctionalEngine fe(net, m, mapping::program(m, models::DeviceConfig{}, 1, {}), {true});
        const std::string name = mapping::sign_scheme_name(sign) + (scheme == 3 ? " digital" : "") +
                                 (flip ? " flipped" : "") + " dac " + std::to_string(dac);
        // Codes spanning each layer's input range, then both passes on them.
        bool merged_any = false;
        for (std::size_t l = 0; l < fe.layer_count(); ++l) {
          const LayerPlan& L = fe.plan(l);
          merged_any = merged_any || phases_merge_exactly(L);
          const Eigen::MatrixXd codes = spanning_codes(m, l);
          Eigen::MatrixXd merged, phased;
          accumulate_layer_merged(L, codes, merged);
          accumulate_layer(L, l, codes, phased, fe.seed(), 0, DirectStages(fe.plans()));
          ASSERT_TRUE((merged.array() == phased.array()).all()) << name << " layer " << l;
        }
        EXPECT_TRUE(merged_any) << name;
        EXPECT_TRUE((fe.forward_codes(x, 0).array() == ref.forward_int_codes(x).array()).all()) << name;
      }
    }
  }
  // Any non-ideality takes the phased pass.
  const auto m = mapping::compile(net, hardware(32, 32, 2, 1, mapping::SignScheme::Differential));
  models::DeviceConfig var;
  var.write_sigma = 0.05;
  const FunctionalEngine noisy(net, m, mapping::program(m, var, 1, {}), {true});
  for (std::size_t l = 0; l < noisy.layer_count(); ++l) EXPECT_FALSE(phases_merge_exactly(noisy.plan(l))) << l;
}

TEST(Functional, StuckAtFaultsAloneConvertNothingWhenTheAdcIsExactForTheirReadings) {
  // A stuck cell reads the top or the bottom level, so a layer whose only non-ideality is
  // stuck-at faults reads whole levels. Where its ADC is exact for every reading the faulty
  // levels allow, the engine merges the phases without converting; converting every phase's
  // readings through the ADC (the plan with the identity switched off) must give the same
  // accumulators bit for bit. Where the faults push readings past the converter's range it must
  // convert.
  const auto net = quantized_toy(testing_support::toy_cnn(9), 8);
  const ReferenceEngine ref(net, Precision::Int);
  models::DeviceConfig faulty;
  faulty.fault_rate = 0.02;
  faulty.stuck_on_per_off = 5.2;
  faulty.g_min_us = 9.8;  // a Gmin offset: stuck levels are (G - Gmin) / dG
  faulty.g_max_us = 167.0;
  for (const auto sign :
       {mapping::SignScheme::TwoColumn, mapping::SignScheme::Differential, mapping::SignScheme::Offset}) {
    auto hw = hardware(32, 32, 2, 1, sign);
    hw.adc_bits = 9;  // 32 rows x 3 levels: every reading of the column, faulty or not
    const auto m = mapping::compile(net, hw);
    const auto p = mapping::program(m, faulty, 3, {});
    ASSERT_GT(p.stuck_cells(), 0);
    const FunctionalEngine fe(net, m, p);
    std::vector<LayerPlan> converting = fe.plans();
    for (auto& L : converting) L.adc_identity = false;
    const std::string name = mapping::sign_scheme_name(sign);
    for (std::size_t l = 0; l < fe.layer_count(); ++l) {
      const LayerPlan& L = fe.plan(l);
      EXPECT_TRUE(L.integer_levels && L.adc_identity && phases_merge_exactly(L)) << name << " layer " << l;
      const Eigen::MatrixXd codes = spanning_codes(m, l);
      Eigen::MatrixXd merged, converted;
      accumulate_layer_merged(L, codes, merged);
      accumulate_layer(converting[l], l, codes, converted, fe.seed(), 0, DirectStages(converting));
      ASSERT_TRUE((merged.array() == converted.array()).all()) << name << " layer " << l;
    }
    // The faults do change the outputs (the check above is not between two ideal passes).
    const Eigen::MatrixXf x = random_inputs(ref.input_size(), 16);
    EXPECT_FALSE((fe.forward_codes(x, 0).array() == ref.forward_int_codes(x).array()).all()) << name;

    // An ADC sized for the stored levels only (layer_max): where stuck-on cells read past its
    // range, the layer converts.
    auto tight = m;
    tight.hardware.adc_range = mapping::AdcRange::LayerMax;
    tight.hardware.adc_bits = 12;
    const FunctionalEngine clipped(net, tight, p);
    bool any_converting = false;
    for (std::size_t l = 0; l < clipped.layer_count(); ++l) {
      const LayerPlan& L = clipped.plan(l);
      if (L.programmed_bound > L.adc.max_reading()) {
        EXPECT_FALSE(L.adc_identity) << name << " layer " << l;
        any_converting = true;
      }
    }
    // Two-column zeros are both cells off: a stuck-on cell there reads past the stored levels.
    if (sign == mapping::SignScheme::TwoColumn) {
      EXPECT_TRUE(any_converting) << name;
    }
  }
  // Self-compensation is fitted through the converter: a faulty layer keeps converting.
  auto hw = hardware(32, 32, 2, 1, mapping::SignScheme::TwoColumn);
  hw.adc_bits = 9;
  hw.self_compensation = true;
  const auto m = mapping::compile(net, hw);
  const FunctionalEngine sc(net, m, mapping::program(m, faulty, 3, {}));
  for (std::size_t l = 0; l < sc.layer_count(); ++l) EXPECT_FALSE(sc.plan(l).adc_identity) << l;
}

}  // namespace
}  // namespace xbarsim::sim
