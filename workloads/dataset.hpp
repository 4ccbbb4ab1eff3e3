// Labelled image data sets and the normalisation a workload declares (docs/formats.md,
// "dataset"): Fashion-MNIST as Debian ships it, any IDX image/label pair, the CIFAR-10 and
// CIFAR-100 binary formats, and image + label tensors in safetensors files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xbarsim::workloads {

enum class Split { Train, Test };

/// x = (pixel * scale - mean[c]) / std[c], per channel c.
struct Normalization {
  double scale = 1.0 / 255.0;
  std::vector<double> mean{0.0};
  std::vector<double> std{1.0};
};

enum class DatasetFormat { FashionMnist, Idx, Cifar10, Cifar100, Safetensors };
std::string dataset_format_name(DatasetFormat f);
/// "fashion-mnist", "idx", "cifar10", "cifar100", "safetensors"; throws xbarsim::Error naming `where`.
DatasetFormat parse_dataset_format(const std::string& s, const std::string& where);

/// Where a workload's images come from.
struct DatasetSpec {
  std::string name = "fashion-mnist";  ///< reports
  DatasetFormat format = DatasetFormat::FashionMnist;
  std::string dir;                       ///< folder of the files as written ("" = the format's default)
  std::string base_dir;                  ///< what a relative `dir` is relative to (the network JSON's folder)
  int classes = 0;                       ///< 0 = the format's default (10; 100 for CIFAR-100)
  std::vector<std::string> train, test;  ///< file names in the folder ("" list = the format's defaults)
  Normalization normalization;
};

/// The format's default class count and file lists, for reports and errors.
int default_classes(DatasetFormat f);
std::vector<std::string> default_files(DatasetFormat f, Split split);

/// Images as unsigned bytes, N x C x H x W, with one label per image.
struct Dataset {
  std::string name;
  std::int64_t count = 0;
  int channels = 0;
  int height = 0;
  int width = 0;
  int classes = 0;
  std::vector<std::uint8_t> pixels;
  std::vector<std::uint8_t> labels;

  std::int64_t image_size() const { return std::int64_t{channels} * height * width; }
};

/// Default folder of the built-in Fashion-MNIST (the Debian package's install path).
std::string default_dataset_dir();

/// Loads one split of `spec` from `dir_override` when given, else from spec.dir (relative to
/// spec.base_dir; Fashion-MNIST: Debian's folder). A missing file is an error that lists the
/// files the format expects and the folder; bad contents name the file.
Dataset load_dataset(const DatasetSpec& spec, const std::string& dir_override, Split split);
/// The built-in Fashion-MNIST (tests, benchmarks).
Dataset load_fashion_mnist(const std::string& dir, Split split);

/// Pairs an IDX image file (N x H x W or N x C x H x W) with an IDX label file.
Dataset load_idx_pair(const std::string& images_path, const std::string& labels_path, int classes);
/// CIFAR binary records (CIFAR-10: 1 label byte + 3072 pixels; CIFAR-100: coarse and fine label
/// bytes + 3072 pixels, the fine label used), 3 x 32 x 32 channel-major, from every file in order.
Dataset load_cifar_binary(const std::vector<std::string>& paths, bool cifar100, int classes);
/// Tensors "images" (uint8, N x C x H x W or N x H x W) and "labels" (integers, N) of a safetensors file.
Dataset load_safetensors_images(const std::string& path, int classes);

/// Throws unless the images of `data` hold `input_size` values each (the network's input).
void check_image_size(const Dataset& data, std::int64_t input_size);
/// Writes images [first, first + n) normalised as float, N x C x H x W, into out.
void normalize_images(const Dataset& data, const Normalization& norm, std::int64_t first, std::int64_t n, float* out);

}  // namespace xbarsim::workloads
