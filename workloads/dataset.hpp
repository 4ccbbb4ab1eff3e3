// Labelled image data sets read from IDX files, and the normalisation a workload declares.
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

/// Names of the data sets this build can load.
std::vector<std::string> known_datasets();
/// Default folder of a named data set (the Debian package's install path).
std::string default_dataset_dir(const std::string& name);

/// Loads `name` ("fashion-mnist") from `dir` ("" = default). Errors name the file.
Dataset load_dataset(const std::string& name, const std::string& dir, Split split);
/// Pairs an IDX image file (N x H x W or N x C x H x W) with an IDX label file.
Dataset load_idx_pair(const std::string& images_path, const std::string& labels_path, int classes);

/// Writes images [first, first + n) normalised as float, N x C x H x W, into out.
void normalize_images(const Dataset& data, const Normalization& norm, std::int64_t first, std::int64_t n, float* out);

}  // namespace xbarsim::workloads
