// Data sets beyond Fashion-MNIST, from small files the tests write: IDX pairs (plain and gzip),
// CIFAR-10 and CIFAR-100 binary batches, image + label tensors in safetensors; the workload's
// dataset block (format, dir, files, classes) and what a missing or bad data set says.
#include <gtest/gtest.h>

#include <zlib.h>
#include <fstream>

#include "common/error.hpp"
#include "tests/support/toy.hpp"
#include "workloads/dataset.hpp"
#include "workloads/json_reader.hpp"
#include "workloads/network.hpp"
#include "workloads/safetensors.hpp"

namespace xbarsim::workloads {
namespace {

using testing_support::message_of;

using testing_support::TempDir;

std::string idx(const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& data) {
  std::string s{'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (auto d : dims) {
    for (int shift : {24, 16, 8, 0}) s.push_back(static_cast<char>(d >> shift));
  }
  s.append(data.begin(), data.end());
  return s;
}

void write(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

/// CIFAR records: `n` images whose pixel p of image i is (i + p) mod 256, label i mod classes.
std::string cifar(int n, bool cifar100, int classes) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    if (cifar100) s.push_back(static_cast<char>(i % 20));  // coarse
    s.push_back(static_cast<char>(i % classes));
    for (int p = 0; p < 3072; ++p) s.push_back(static_cast<char>((i + p) % 256));
  }
  return s;
}

DatasetSpec spec(DatasetFormat f, const std::string& dir) {
  DatasetSpec s;
  s.name = "mine";
  s.format = f;
  s.dir = dir;
  return s;
}

TEST(Datasets, AnyIdxPairWithTheDefaultNamesPlainOrGzip) {
  TempDir dir;
  // Two 2x3 images with 1 channel (3 dimensions) for train, gzip; one test image with 2 channels, plain.
  write_gz(dir.file("train-images-idx3-ubyte.gz"), idx({2, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  write_gz(dir.file("train-labels-idx1-ubyte.gz"), idx({2}, {4, 1}));
  write(dir.file("t10k-images-idx3-ubyte"), idx({1, 2, 1, 2}, {9, 8, 7, 6}));
  write(dir.file("t10k-labels-idx1-ubyte"), idx({1}, {3}));
  auto s = spec(DatasetFormat::Idx, dir.path().string());
  s.classes = 5;
  const Dataset train = load_dataset(s, "", Split::Train);
  EXPECT_EQ(train.count, 2);
  EXPECT_EQ(train.channels, 1);
  EXPECT_EQ(train.height, 2);
  EXPECT_EQ(train.width, 3);
  EXPECT_EQ(train.labels, (std::vector<std::uint8_t>{4, 1}));
  EXPECT_EQ(train.name, "mine");
  const Dataset test = load_dataset(s, "", Split::Test);  // the .gz names fall back to the plain files
  EXPECT_EQ(test.channels, 2);
  EXPECT_EQ(test.pixels, (std::vector<std::uint8_t>{9, 8, 7, 6}));
  // Label 4 with 4 classes: named.
  s.classes = 4;
  EXPECT_NE(message_of([&] { load_dataset(s, "", Split::Train); }).find("label 4 at index 0 is outside [0, 3]"),
            std::string::npos);
  // Named files, and --data-dir overrides the folder.
  TempDir other;
  write(other.file("a.idx"), idx({1, 1, 1}, {200}));
  write(other.file("b.idx"), idx({1}, {0}));
  auto named = spec(DatasetFormat::Idx, "/nonexistent");
  named.test = {"a.idx", "b.idx"};
  EXPECT_EQ(load_dataset(named, other.path().string(), Split::Test).pixels, (std::vector<std::uint8_t>{200}));
}

TEST(Datasets, CifarBinaryBatchesInOrder) {
  TempDir dir;
  write(dir.file("data_batch_1.bin"), cifar(2, false, 10));
  write(dir.file("data_batch_2.bin"), cifar(3, false, 10));
  write(dir.file("test_batch.bin"), cifar(1, false, 10));
  auto s = spec(DatasetFormat::Cifar10, dir.path().string());
  s.train = {"data_batch_1.bin", "data_batch_2.bin"};
  const Dataset train = load_dataset(s, "", Split::Train);
  ASSERT_EQ(train.count, 5);
  EXPECT_EQ(train.channels, 3);
  EXPECT_EQ(train.height, 32);
  EXPECT_EQ(train.width, 32);
  EXPECT_EQ(train.classes, 10);
  EXPECT_EQ(train.labels, (std::vector<std::uint8_t>{0, 1, 0, 1, 2}));
  // Image 3 is the second file's image 1: pixel p = (1 + p) mod 256, channel-major (red plane first).
  EXPECT_EQ(train.pixels[3 * 3072 + 0], 1);
  EXPECT_EQ(train.pixels[3 * 3072 + 1024], (1 + 1024) % 256);
  EXPECT_EQ(load_dataset(s, "", Split::Test).count, 1);
  // The default training files are data_batch_1..5: three are missing, and the error lists them.
  s.train.clear();
  const auto m = message_of([&] { load_dataset(s, "", Split::Train); });
  EXPECT_NE(m.find("data_batch_3.bin: not found"), std::string::npos) << m;
  EXPECT_NE(m.find("expects data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, "
                   "data_batch_5.bin in " +
                   dir.path().string()),
            std::string::npos)
      << m;
  // A truncated file.
  write(dir.file("test_batch.bin"), cifar(1, false, 10).substr(0, 3000));
  EXPECT_NE(message_of([&] { load_dataset(s, "", Split::Test); }).find("not a whole number of 3073-byte CIFAR-10"),
            std::string::npos);
}

TEST(Datasets, Cifar100UsesTheFineLabel) {
  TempDir dir;
  write(dir.file("train.bin"), cifar(4, true, 100));
  write(dir.file("test.bin"), cifar(2, true, 100));
  const auto s = spec(DatasetFormat::Cifar100, dir.path().string());
  const Dataset train = load_dataset(s, "", Split::Train);
  EXPECT_EQ(train.classes, 100);
  EXPECT_EQ(train.labels, (std::vector<std::uint8_t>{0, 1, 2, 3}));
  EXPECT_EQ(train.pixels[2 * 3072 + 5], 7);
}

TEST(Datasets, ImagesAndLabelsInSafetensors) {
  TempDir dir;
  TensorFile f;
  f.tensors["images"] = Tensor::from<std::uint8_t>({2, 1, 2, 2}, {0, 64, 128, 255, 1, 2, 3, 4});
  f.tensors["labels"] = Tensor::from<std::int64_t>({2}, {7, 2});
  write_safetensors(dir.file("test.safetensors"), f);
  const auto s = spec(DatasetFormat::Safetensors, dir.path().string());
  const Dataset d = load_dataset(s, "", Split::Test);
  EXPECT_EQ(d.count, 2);
  EXPECT_EQ(d.labels, (std::vector<std::uint8_t>{7, 2}));
  EXPECT_EQ(d.pixels[3], 255);
  TensorFile bad;
  bad.tensors["images"] = Tensor::from<float>({1, 1, 1}, {0.5F});
  bad.tensors["labels"] = Tensor::from<std::int64_t>({1}, {0});
  write_safetensors(dir.file("test.safetensors"), bad);
  EXPECT_NE(message_of([&] { load_dataset(s, "", Split::Test); }).find("tensor \"images\" has dtype F32, expected U8"),
            std::string::npos);
}

TEST(Datasets, PerChannelNormalisationAndItsChannelCount) {
  Dataset d;
  d.name = "rgb";
  d.count = 1;
  d.channels = 3;
  d.height = 1;
  d.width = 1;
  d.pixels = {255, 0, 51};
  Normalization n;
  n.mean = {0.5, 0.25, 0.0};
  n.std = {0.5, 0.25, 0.2};
  std::vector<float> out(3);
  normalize_images(d, n, 0, 1, out.data());
  EXPECT_FLOAT_EQ(out[0], 1.0F);
  EXPECT_FLOAT_EQ(out[1], -1.0F);
  EXPECT_FLOAT_EQ(out[2], 1.0F);
  n.mean = {0.5, 0.25};
  EXPECT_NE(message_of([&] {
              normalize_images(d, n, 0, 1, out.data());
            }).find("normalization has 2 values per channel for images of 3 channels"),
            std::string::npos);
}

TEST(Datasets, TheWorkloadsDatasetBlockRoundTripsAndResolvesAgainstItsFolder) {
  TempDir dir;
  auto net = testing_support::toy_linear(1, 2, 2, 3);
  net.dataset.name = "cifar-10";
  net.dataset.format = DatasetFormat::Cifar10;
  net.dataset.dir = "data";
  net.dataset.train = {"data_batch_1.bin"};
  net.dataset.normalization.mean = {0.49};
  net.weights_file = "n.safetensors";
  save_network(net, dir.file("n.json"));
  const Network back = load_network(dir.file("n.json"));
  EXPECT_EQ(back.dataset.name, "cifar-10");
  EXPECT_EQ(back.dataset.format, DatasetFormat::Cifar10);
  EXPECT_EQ(back.dataset.dir, "data");
  EXPECT_EQ(back.dataset.train, (std::vector<std::string>{"data_batch_1.bin"}));
  EXPECT_TRUE(back.dataset.test.empty());
  // The folder resolves against the JSON's own folder: the error names dir/data/....
  const auto m = message_of([&] { load_dataset(back.dataset, "", Split::Train); });
  EXPECT_NE(m.find(dir.file("data") + "/data_batch_1.bin: not found"), std::string::npos) << m;
  // A data set other than the built-in one needs its format.
  auto doc = read_json_file(dir.file("n.json"));
  doc["dataset"].erase("format");
  std::ofstream(dir.file("m.json")) << doc.dump();
  const auto e = message_of([&] { load_network(dir.file("m.json")); });
  EXPECT_NE(e.find("dataset.format: required for data set \"cifar-10\""), std::string::npos) << e;
}

TEST(Datasets, AnUnknownFormatOrAMissingOneIsNamed) {
  EXPECT_NE(message_of([] { parse_dataset_format("jpeg", "n.json: dataset.format"); })
                .find("n.json: dataset.format: unknown data set format \"jpeg\", expected one of: fashion-mnist, idx, "
                      "cifar10, cifar100, safetensors"),
            std::string::npos);
}

}  // namespace
}  // namespace xbarsim::workloads
