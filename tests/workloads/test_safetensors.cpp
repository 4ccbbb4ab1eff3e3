#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "tests/support/toy.hpp"
#include "workloads/safetensors.hpp"

namespace xbarsim::workloads {
namespace {

using testing_support::TempDir;

TensorFile sample_file() {
  TensorFile f;
  f.tensors["a.f32"] = Tensor::from<float>({2, 3}, {1.5F, -2.0F, 0.0F, 3.25F, 1e-7F, -1e7F});
  f.tensors["b.i8"] = Tensor::from<std::int8_t>({4}, {-128, -1, 0, 127});
  f.tensors["c.i32"] = Tensor::from<std::int32_t>({2, 1}, {-2147483647 - 1, 2147483647});
  f.tensors["d.u8"] = Tensor::from<std::uint8_t>({3}, {0, 128, 255});
  f.tensors["e.f64"] = Tensor::from<double>({1}, {3.141592653589793});
  f.tensors["f.i64"] = Tensor::from<std::int64_t>({2}, {-(std::int64_t{1} << 40), 7});
  f.tensors["g.i16"] = Tensor::from<std::int16_t>({2}, {-32768, 32767});
  f.tensors["h.empty"] = Tensor(DType::F32, {0, 4});
  f.metadata["format"] = "xbarsim";
  return f;
}

TEST(Safetensors, RoundTripKeepsEveryDtypeShapeAndByte) {
  TempDir dir;
  const TensorFile f = sample_file();
  write_safetensors(dir.file("t.safetensors"), f);
  const TensorFile g = read_safetensors(dir.file("t.safetensors"));
  ASSERT_EQ(g.tensors.size(), f.tensors.size());
  for (const auto& [name, t] : f.tensors) {
    const Tensor& u = g.tensors.at(name);
    EXPECT_EQ(u.dtype(), t.dtype()) << name;
    EXPECT_EQ(u.shape(), t.shape()) << name;
    ASSERT_EQ(u.nbytes(), t.nbytes()) << name;
    if (t.nbytes() > 0) {
      EXPECT_EQ(0, std::memcmp(u.raw(), t.raw(), t.nbytes())) << name;
    }
  }
  EXPECT_EQ(g.metadata.at("format"), "xbarsim");
}

TEST(Safetensors, LayoutFollowsTheSpecification) {
  const std::string bytes = serialize_safetensors(sample_file());
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ((8 + n) % 8, 0U) << "header padded so the data starts 8-byte aligned";
  const auto header = nlohmann::json::parse(bytes.substr(8, n));
  // Tensors are packed in name order from offset 0.
  EXPECT_EQ(header["a.f32"]["data_offsets"], nlohmann::json({0, 24}));
  EXPECT_EQ(header["b.i8"]["data_offsets"], nlohmann::json({24, 28}));
  EXPECT_EQ(header["a.f32"]["dtype"], "F32");
  EXPECT_EQ(header["a.f32"]["shape"], nlohmann::json({2, 3}));
  float first = 0;
  std::memcpy(&first, bytes.data() + 8 + n, 4);
  EXPECT_EQ(first, 1.5F);
}

TEST(Safetensors, TypedAccessRejectsTheWrongType) {
  const Tensor t = Tensor::from<float>({1}, {1.0F});
  EXPECT_THROW((void)t.data<std::int8_t>(), std::logic_error);
  EXPECT_EQ(Tensor::from<std::int8_t>({2}, {-3, 4}).to_double(), (std::vector<double>{-3.0, 4.0}));
}

std::string header_file(const std::string& header_json, std::size_t data_bytes) {
  std::string out(8, '\0');
  const std::uint64_t n = header_json.size();
  std::memcpy(out.data(), &n, 8);
  return out + header_json + std::string(data_bytes, '\0');
}

void expect_error(const std::string& bytes, const std::string& fragment) {
  try {
    parse_safetensors(bytes, "w.safetensors");
    FAIL() << "expected an error containing: " << fragment;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("w.safetensors"), std::string::npos) << e.what();
  }
}

TEST(Safetensors, RejectsDamagedFilesWithAClearMessage) {
  expect_error("abc", "expected at least the 8-byte header length");
  expect_error(header_file("{}", 0).substr(0, 9), "exceeds the file size");
  expect_error(header_file("{not json", 0), "header is not valid JSON");
  expect_error(header_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4), "outside the data section");
  expect_error(header_file(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8), "needs 12 bytes");
  expect_error(header_file(R"({"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}})", 4), "unsupported \"BF16\"");
  expect_error(header_file(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}})", 4),
               "unknown key 'extra'");
  expect_error(
      header_file(
          R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})",
          8),
      "overlap");
}

TEST(Safetensors, MissingFileNamesThePath) {
  try {
    read_safetensors("/nonexistent/w.safetensors");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/w.safetensors: cannot open"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace xbarsim::workloads
