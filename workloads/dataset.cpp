#include "workloads/dataset.hpp"

#include "common/error.hpp"
#include "workloads/idx.hpp"
#include "workloads/io.hpp"

namespace xbarsim::workloads {

std::vector<std::string> known_datasets() { return {"fashion-mnist"}; }

std::string default_dataset_dir(const std::string& name) {
  if (name == "fashion-mnist") return XBARSIM_FASHION_MNIST_DIR;
  throw make_error("dataset", "unknown name '" + name + "', expected one of: fashion-mnist");
}

Dataset load_idx_pair(const std::string& images_path, const std::string& labels_path, int classes) {
  const IdxArray images = read_idx(images_path);
  const IdxArray labels = read_idx(labels_path);
  if (images.dims.size() != 3 && images.dims.size() != 4) {
    throw make_error(images_path,
                     "expected 3 (N, H, W) or 4 (N, C, H, W) dimensions, found " + std::to_string(images.dims.size()));
  }
  if (labels.dims.size() != 1)
    throw make_error(labels_path, "expected 1 dimension (N), found " + std::to_string(labels.dims.size()));
  if (labels.dims[0] != images.dims[0]) {
    throw make_error(labels_path, std::to_string(labels.dims[0]) + " labels for " + std::to_string(images.dims[0]) +
                                      " images in " + images_path);
  }
  Dataset d;
  d.count = images.dims[0];
  const bool chw = images.dims.size() == 4;
  d.channels = chw ? static_cast<int>(images.dims[1]) : 1;
  d.height = static_cast<int>(images.dims[chw ? 2 : 1]);
  d.width = static_cast<int>(images.dims[chw ? 3 : 2]);
  d.classes = classes;
  d.pixels = images.data;
  d.labels = labels.data;
  for (std::size_t i = 0; i < d.labels.size(); ++i) {
    if (d.labels[i] >= classes) {
      throw make_error(labels_path, "label " + std::to_string(d.labels[i]) + " at index " + std::to_string(i) +
                                        " is outside [0, " + std::to_string(classes - 1) + "]");
    }
  }
  return d;
}

Dataset load_dataset(const std::string& name, const std::string& dir, Split split) {
  const std::string folder = dir.empty() ? default_dataset_dir(name) : dir;
  if (name != "fashion-mnist") default_dataset_dir(name);  // throws the "unknown name" error
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  Dataset d = load_idx_pair(resolve_path(folder, prefix + "-images-idx3-ubyte.gz"),
                            resolve_path(folder, prefix + "-labels-idx1-ubyte.gz"), 10);
  d.name = name;
  return d;
}

void normalize_images(const Dataset& data, const Normalization& norm, std::int64_t first, std::int64_t n, float* out) {
  const std::int64_t plane = std::int64_t{data.height} * data.width;
  const std::int64_t size = data.image_size();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::uint8_t* src = data.pixels.data() + (first + i) * size;
    float* dst = out + i * size;
    for (int c = 0; c < data.channels; ++c) {
      const double mean = norm.mean.size() == 1 ? norm.mean[0] : norm.mean[c];
      const double sd = norm.std.size() == 1 ? norm.std[0] : norm.std[c];
      for (std::int64_t p = 0; p < plane; ++p) {
        dst[c * plane + p] = static_cast<float>((src[c * plane + p] * norm.scale - mean) / sd);
      }
    }
  }
}

}  // namespace xbarsim::workloads
