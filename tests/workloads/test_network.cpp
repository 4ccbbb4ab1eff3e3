#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "common/error.hpp"
#include "sim/reference.hpp"
#include "tests/support/toy.hpp"
#include "workloads/json_reader.hpp"
#include "workloads/network.hpp"
#include "workloads/safetensors.hpp"

namespace xbarsim::workloads {
namespace {

using testing_support::TempDir;

TEST(Network, SaveLoadRoundTripIsExact) {
  TempDir dir;
  Network net = testing_support::toy_residual(3);
  net.metadata.dataset = "fashion-mnist";
  net.metadata.accuracy["float"] = 0.5;
  net.metadata.produced_by = "test";
  net.metadata.training = {{"epochs", 3}};
  save_network(net, dir.file("toy.json"));
  const Network back = load_network(dir.file("toy.json"));
  EXPECT_EQ(to_json(back), to_json(net));
  EXPECT_EQ(back.tensors.size(), net.tensors.size());
  EXPECT_EQ(back.shape_of("add"), (Shape{2, 6, 6}));
  EXPECT_EQ(back.shape_of("fc"), (Shape{4}));
  EXPECT_EQ(back.parameter_count(), 2 * (2 * 2 * 9 + 2) + 72 * 4 + 4);
}

TEST(Network, InfersShapesLikePyTorch) {
  const Network net = testing_support::toy_cnn(1);
  EXPECT_EQ(net.shape_of("conv1"), (Shape{4, 8, 8}));  // 3x3, pad 1
  EXPECT_EQ(net.shape_of("pool1"), (Shape{4, 4, 4}));
  EXPECT_EQ(net.shape_of("conv2"), (Shape{6, 2, 2}));  // (4 + 2 - 3) / 2 + 1
  EXPECT_EQ(net.shape_of("pool2"), (Shape{6, 1, 1}));
  EXPECT_EQ(net.shape_of("flatten"), (Shape{6}));
  EXPECT_EQ(net.output, "fc2");
}

TEST(Network, InputsDefaultToThePreviousLayer) {
  TempDir dir;
  std::ofstream(dir.file("w.safetensors"), std::ios::binary) << serialize_safetensors({});
  const auto doc = nlohmann::json::parse(R"({"version":1,"name":"n","input":{"shape":[1,4,4]},"weights":"w.safetensors",
    "layers":[{"name":"r","type":"relu"},{"name":"p","type":"maxpool2d","kernel_size":2},{"name":"f","type":"flatten"}]})");
  const Network net = load_network_json(doc, "n.json", dir.path().string());
  EXPECT_EQ(net.layers[0].inputs, (std::vector<std::string>{"input"}));
  EXPECT_EQ(net.layers[2].inputs, (std::vector<std::string>{"p"}));
  EXPECT_EQ(net.shape_of("f"), (Shape{4}));
}

TEST(Network, BatchNormIsFoldedIntoThePrecedingConv) {
  std::mt19937_64 rng(5);
  Network net;
  net.name = "bn";
  net.input_shape = {2, 5, 5};
  net.weights_file = "bn.safetensors";
  testing_support::add_conv(net, "conv", "input", 2, 3, 3, 1, 1, rng);
  Layer bn;
  bn.name = "bn";
  bn.kind = LayerKind::BatchNorm;
  bn.inputs = {"conv"};
  bn.num_features = 3;
  bn.weight = "bn.weight";
  bn.bias = "bn.bias";
  bn.running_mean = "bn.mean";
  bn.running_var = "bn.var";
  net.tensors["bn.weight"] = Tensor::from<float>({3}, {1.5F, -0.5F, 2.0F});
  net.tensors["bn.bias"] = Tensor::from<float>({3}, {0.1F, 0.2F, -0.3F});
  net.tensors["bn.mean"] = Tensor::from<float>({3}, {0.05F, -0.1F, 0.0F});
  net.tensors["bn.var"] = Tensor::from<float>({3}, {0.5F, 2.0F, 1.0F});
  net.layers.push_back(bn);
  testing_support::add_simple(net, "relu", LayerKind::Relu, "bn");
  validate_and_infer(net, "bn");

  // Unfolded reference: conv, then y = gamma (x - mean) / sqrt(var + eps) + beta per channel.
  const sim::ReferenceEngine conv_only = [&] {
    Network c = net;
    c.layers.resize(1);
    c.output = "conv";
    return sim::ReferenceEngine(c, sim::Precision::Float);
  }();
  Eigen::MatrixXf x = Eigen::MatrixXf::Random(50, 4);
  const Eigen::MatrixXd conv_out = conv_only.forward(x);
  Network folded = net;
  fold_batchnorm(folded, "bn");
  ASSERT_EQ(folded.layers.size(), 2U);
  EXPECT_EQ(folded.layers[1].inputs[0], "conv");
  EXPECT_EQ(folded.tensors.count("bn.weight"), 0U);
  const Eigen::MatrixXd y = sim::ReferenceEngine(folded, sim::Precision::Float).forward(x);
  const float g[] = {1.5F, -0.5F, 2.0F}, b[] = {0.1F, 0.2F, -0.3F}, m[] = {0.05F, -0.1F, 0.0F},
              v[] = {0.5F, 2.0F, 1.0F};
  for (int img = 0; img < 4; ++img) {
    for (int c = 0; c < 3; ++c) {
      for (int p = 0; p < 25; ++p) {
        const double ref = std::max(0.0, g[c] * (conv_out(c * 25 + p, img) - m[c]) / std::sqrt(v[c] + 1e-5) + b[c]);
        EXPECT_NEAR(y(c * 25 + p, img), ref, 1e-5);
      }
    }
  }
}

struct BadCase {
  const char* name;
  const char* json;
  const char* fragment;
};

TEST(Network, RejectsInconsistentJsonNamingFileAndKey) {
  TempDir dir;
  TensorFile tf;
  tf.tensors["w"] = Tensor::from<float>({2, 4}, std::vector<float>(8, 0.5F));
  tf.tensors["wi"] = Tensor::from<std::int32_t>({2, 4}, {1, 2, 3, 4, 5, 6, 7, 1000});
  write_safetensors(dir.file("w.safetensors"), tf);
  const std::string head = R"("version":1,"name":"n","input":{"shape":[4]},"weights":"w.safetensors",)";
  const BadCase cases[] = {
      {"unknown top key",
       R"("layers":[{"name":"f","type":"linear","in_features":4,"out_features":2,"weight":"w"}],"colour":1)",
       "n.json: colour: unknown key"},
      {"unknown layer key",
       R"("layers":[{"name":"f","type":"linear","in_features":4,"out_features":2,"weight":"w","dilation":2}])",
       "layers[0].dilation: unknown key"},
      {"bad type", R"("layers":[{"name":"f","type":"lstm"}])", "layers[0].type: unknown layer type \"lstm\""},
      {"negative features", R"("layers":[{"name":"f","type":"linear","in_features":-4,"out_features":2,"weight":"w"}])",
       "layers[0].in_features: expected an integer in [1,"},
      {"shape mismatch", R"("layers":[{"name":"f","type":"linear","in_features":4,"out_features":3,"weight":"w"}])",
       "tensor 'w' has shape [2, 4], expected [3, 4]"},
      {"dtype mismatch", R"("layers":[{"name":"f","type":"linear","in_features":4,"out_features":2,"weight":"wi"}])",
       "tensor 'wi' has dtype I32, expected F32"},
      {"missing tensor", R"("layers":[{"name":"f","type":"linear","in_features":4,"out_features":2,"weight":"nope"}])",
       "tensor 'nope' not found in w.safetensors"},
      {"undefined input", R"("layers":[{"name":"f","type":"relu","inputs":["ghost"]}])",
       "tensor 'ghost' is not the network input or an earlier layer"},
      {"duplicate name", R"("layers":[{"name":"a","type":"relu"},{"name":"a","type":"relu"}])",
       "name 'a' is already used"},
      {"add arity", R"("layers":[{"name":"a","type":"add","inputs":["input"]}])", "add takes 2 input(s), found 1"},
      {"conv on vector",
       R"("layers":[{"name":"c","type":"conv2d","in_channels":1,"out_channels":1,"kernel_size":1,"weight":"w"}])",
       "conv2d expects a [C, H, W] input"},
      {"bad output", R"("layers":[{"name":"a","type":"relu"}],"output":"zz")", "output: tensor 'zz' is not defined"},
      {"quant range",
       R"("quantization":{"input_bits":8,"input_scale_exp":-8},"layers":[{"name":"f","type":"linear","in_features":4,"out_features":2,"quantization":{"weight_bits":8,"weight":"wi","weight_scale_exp":-7}}])",
       "element 7 is 1000, outside the 8-bit range [-127, 127]"},
      {"quant without input block",
       R"("layers":[{"name":"f","type":"linear","in_features":4,"out_features":2,"weight":"w","quantization":{"weight_bits":16,"weight":"wi","weight_scale_exp":-7}}])",
       "no input quantization block"},
      {"pair", R"("layers":[{"name":"p","type":"maxpool2d","kernel_size":[1,2,3]}])",
       "kernel_size: expected an integer or a pair"},
  };
  for (const auto& c : cases) {
    const std::string text = "{" + head + c.json + "}";
    try {
      load_network_json(parse_json_text(text, "n.json"), "n.json", dir.path().string());
      ADD_FAILURE() << c.name << ": no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.fragment), std::string::npos) << c.name << ": " << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("n.json", 0), 0U) << c.name << " names the file first: " << e.what();
    }
  }
}

TEST(Network, SlicesAndPadsParseInferAndRejectWhatTheyCannotBe) {
  TempDir dir;
  std::ofstream(dir.file("w.safetensors"), std::ios::binary) << serialize_safetensors({});
  const std::string head = R"({"version":1,"name":"n","input":{"shape":[4,7,7]},"weights":"w.safetensors","layers":)";
  const auto load = [&](const std::string& layers) {
    return load_network_json(parse_json_text(head + layers + "}", "n.json"), "n.json", dir.path().string());
  };
  // Every other row and column from 1 (ceil((7 - 1) / 2) = 3), channels 1..2; then zeros.
  const auto net = load(R"([{"name":"s","type":"slice","begin":[1,1,1],"end":[3,7,7],"step":[1,2,2]},
                            {"name":"p","type":"pad","before":[1,0,2],"after":[3,1,0]}])");
  EXPECT_EQ(net.shape_of("s"), (Shape{2, 3, 3}));
  EXPECT_EQ(net.shape_of("p"), (Shape{6, 4, 5}));
  EXPECT_EQ(load(R"([{"name":"s","type":"slice","step":[1,2,3]}])").shape_of("s"), (Shape{4, 4, 3}))
      << "end defaults to the whole axis";
  const std::pair<const char*, const char*> bad[] = {
      {R"([{"name":"s","type":"slice","step":[1,2]}])", "layers[0].step: expected 3 integers"},
      {R"([{"name":"s","type":"slice","step":[1,0,1]}])",
       "layers[0].step: expected an array of integers in [1, 1048576], found integer 0"},
      {R"([{"name":"s","type":"slice","begin":[0,7,0]}])", "slice: axis 1 begins at 7, at or past its end 7"},
      {R"([{"name":"p","type":"pad","before":[0,-1,0]}])",
       "layers[0].before: expected an array of integers in [0, 1048576], found integer -1"},
      {R"([{"name":"f","type":"flatten"},{"name":"s","type":"slice"}])", "slice expects a [C, H, W] input"},
  };
  for (const auto& [text, fragment] : bad) {
    const std::string& json = text;  // a lambda may not capture a structured binding in C++17
    const auto m = testing_support::message_of([&] { load(json); });
    EXPECT_NE(m.find(fragment), std::string::npos) << json << ": " << m;
  }
  // Saved and loaded, the option-A toy is the same network.
  const Network a = testing_support::toy_option_a(2);
  save_network(a, dir.file("a.json"));
  EXPECT_EQ(to_json(load_network(dir.file("a.json"))), to_json(a));
}

TEST(Network, MalformedJsonReportsLine) {
  try {
    parse_json_text("{\n  \"version\": 1,\n  oops\n}", "bad.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.json: malformed JSON"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace xbarsim::workloads
