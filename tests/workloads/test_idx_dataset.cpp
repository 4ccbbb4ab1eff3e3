#include <gtest/gtest.h>

#include <zlib.h>
#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "tests/support/toy.hpp"
#include "workloads/dataset.hpp"
#include "workloads/idx.hpp"

namespace xbarsim::workloads {
namespace {

using testing_support::TempDir;

std::string idx_bytes(const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& data) {
  std::string s{'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (auto d : dims) {
    s.push_back(static_cast<char>(d >> 24));
    s.push_back(static_cast<char>(d >> 16));
    s.push_back(static_cast<char>(d >> 8));
    s.push_back(static_cast<char>(d));
  }
  s.append(data.begin(), data.end());
  return s;
}

void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  gzclose(f);
}

TEST(Idx, ParsesBigEndianDimensionsAndData) {
  const auto a = parse_idx(idx_bytes({2, 3, 1}, {1, 2, 3, 4, 5, 6}), "x");
  EXPECT_EQ(a.dims, (std::vector<std::int64_t>{2, 3, 1}));
  EXPECT_EQ(a.data, (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6}));
  const auto big = parse_idx(idx_bytes({300}, std::vector<std::uint8_t>(300, 7)), "x");
  EXPECT_EQ(big.dims[0], 300);
}

TEST(Idx, ReadsGzipAndPlainFiles) {
  TempDir dir;
  const std::string bytes = idx_bytes({2, 2, 2}, {9, 8, 7, 6, 5, 4, 3, 2});
  write_gz(dir.file("a.gz"), bytes);
  std::ofstream(dir.file("b"), std::ios::binary) << bytes;
  EXPECT_EQ(read_idx(dir.file("a.gz")).data, read_idx(dir.file("b")).data);
}

TEST(Idx, RejectsBadFiles) {
  auto msg = [](const std::string& bytes) {
    try {
      parse_idx(bytes, "f.idx");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(msg("\x01\x02\x08\x01").find("f.idx: bad IDX magic"), std::string::npos);
  EXPECT_NE(msg(std::string("\0\0\x0d\x01", 4)).find("not supported, expected 0x08"), std::string::npos);
  EXPECT_NE(msg(idx_bytes({4}, {1, 2})).find("truncated"), std::string::npos);
  EXPECT_NE(msg(std::string("\0\0\x08\x02\0\0", 6)).find("truncated IDX header"), std::string::npos);
}

TEST(Idx, TruncatedGzipIsAnError) {
  TempDir dir;
  write_gz(dir.file("full.gz"), idx_bytes({1000}, std::vector<std::uint8_t>(1000, 3)));
  std::ifstream in(dir.file("full.gz"), std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir.file("cut.gz"), std::ios::binary) << all.substr(0, all.size() / 2);
  EXPECT_THROW(read_idx(dir.file("cut.gz")), Error);
}

TEST(Dataset, PairsImagesWithLabelsAndChecksCounts) {
  TempDir dir;
  write_gz(dir.file("img.gz"), idx_bytes({2, 2, 2}, {0, 255, 10, 20, 30, 40, 50, 60}));
  write_gz(dir.file("lab.gz"), idx_bytes({2}, {3, 9}));
  write_gz(dir.file("lab3.gz"), idx_bytes({3}, {3, 9, 1}));
  write_gz(dir.file("bad.gz"), idx_bytes({2}, {3, 10}));
  const Dataset d = load_idx_pair(dir.file("img.gz"), dir.file("lab.gz"), 10);
  EXPECT_EQ(d.count, 2);
  EXPECT_EQ(d.channels, 1);
  EXPECT_EQ(d.height, 2);
  EXPECT_EQ(d.labels[1], 9);
  EXPECT_THROW(load_idx_pair(dir.file("img.gz"), dir.file("lab3.gz"), 10), Error);
  EXPECT_THROW(load_idx_pair(dir.file("img.gz"), dir.file("bad.gz"), 10), Error);

  Normalization n;
  n.mean = {0.5};
  n.std = {0.25};
  std::vector<float> out(8);
  normalize_images(d, n, 0, 2, out.data());
  EXPECT_FLOAT_EQ(out[0], -2.0F);
  EXPECT_FLOAT_EQ(out[1], 2.0F);
  EXPECT_FLOAT_EQ(out[4], static_cast<float>((30.0 / 255.0 - 0.5) / 0.25));
}

TEST(Dataset, FashionMnistAsDebianShipsIt) {
  const Dataset test = load_fashion_mnist("", Split::Test);
  EXPECT_EQ(test.count, 10000);
  EXPECT_EQ(test.height, 28);
  EXPECT_EQ(test.width, 28);
  std::vector<int> per_class(10, 0);
  for (auto l : test.labels) ++per_class[l];
  for (int c = 0; c < 10; ++c) EXPECT_EQ(per_class[c], 1000) << "class " << c;
  EXPECT_THROW(load_fashion_mnist("/nonexistent-dir", Split::Test), Error);
}

}  // namespace
}  // namespace xbarsim::workloads
